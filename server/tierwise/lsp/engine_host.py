"""Configuration loading and engine construction, off the event loop.

litellm never loads in the language server's process: the gateway's provider work (the streamed attempt,
its price, the model's token count) runs in a model worker process (``tierwise.gateway.worker``), one per
server, started in the background after ``initialized`` (the warm-up) and restarted by the next call if it
dies. The engine and the rest of the model stack (gateway, pydantic models, the tokenizer and the price
table for budget estimates) are built in worker threads, so ``initialize`` is answered at bare-pygls speed
and the event loop never waits on an import. The first command awaits whatever is still loading.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierwise.gc_pause import paused_gc

if TYPE_CHECKING:
    from tierwise.config.model import Config
    from tierwise.engine import Engine
    from tierwise.engine.ports import FilesPort, UserPort
    from tierwise.gateway.worker_client import WorkerBackend

log = logging.getLogger(__name__)
_worker_lock = threading.Lock()


class EngineUnavailable(RuntimeError):
    """No engine: the configuration is invalid or could not be loaded (message says why and how to fix)."""


class EngineHost:
    def __init__(
        self,
        root: Path,
        files: FilesPort,
        ui: UserPort,
        report: Callable[[str, str], None],
        *,
        trusted: Callable[[], bool] = lambda: True,
    ) -> None:
        self.root = root
        self._files = files
        self._ui = ui
        self._report = report  # (level, message): log / show to the user
        self._trusted = trusted  # untrusted: the workspace's file is ignored and no command runs
        self._warned: set[str] = set()  # key-destination warnings already shown this session
        self.config: Config | None = None
        self.config_error: str | None = None
        self.generation = 0  # successful (re)loads so far
        self.loaded_at = 0.0  # wall-clock time the last successful load started reading its sources
        self._loaded = asyncio.Event()
        self._engine: Engine | None = None
        self._engine_for: Config | None = None
        self._lock = asyncio.Lock()
        self._load_lock = asyncio.Lock()
        self.quick_fix_route: tuple[str, str | None] | None = None  # (tier, model) the gateway resolves
        self._warm: asyncio.Task[None] | None = None
        self.context_for: Callable[[Config], Any] | None = None  # the LSP's shared context index, if any
        self._worker: WorkerBackend | None = None  # the model worker process, shared by every engine built

    def model_worker(self) -> WorkerBackend:
        """The model worker backend (created on first use, off the event loop: it imports the gateway; its
        process starts with the warm-up or the first call)."""
        with _worker_lock:
            if self._worker is None:
                from tierwise.gateway import tokens
                from tierwise.gateway.worker_client import WorkerBackend

                self._worker = WorkerBackend()
                tokens.count_elsewhere(self._worker.count_texts)  # tiktoken's encoder is built there, not here
            return self._worker

    def model_worker_state(self) -> dict[str, Any] | None:
        """``{pid, state, started}`` of the model worker, or None before it exists (never imports)."""
        return self._worker.describe() if self._worker is not None else None

    def close(self) -> None:
        """Stop the model worker process (server shutdown)."""
        if self._worker is not None:
            from tierwise.gateway import tokens

            tokens.count_elsewhere(None)
            self._worker.close()

    # -- configuration --------------------------------------------------------------------------------
    async def load(self, overrides: dict[str, Any]) -> bool:
        """(Re)load the configuration; on error keep the last good one and tell the user. True when loaded."""
        async with self._load_lock:  # one load at a time: the newest settings win
            started = time.time()
            try:
                config, warnings = await asyncio.to_thread(_load_config, self.root, overrides, self._trusted())
            except Exception as err:  # ConfigError, or an unreadable file: the server stays up
                self.config_error = str(err)
                kept = " (keeping the previous configuration)" if self.config is not None else ""
                self._report("error", f"tierwise configuration error{kept}:\n{err}")
                return False
            finally:
                self._loaded.set()
        self.config, self.config_error = config, None
        self.generation += 1
        self.loaded_at = max(self.loaded_at, started)
        for warning in warnings:
            if warning not in self._warned:  # shown once per session
                self._warned.add(warning)
                self._report("warning", f"tierwise: {warning}")
        return True

    async def wait_loaded(self, timeout_s: float = 60.0) -> None:
        await asyncio.wait_for(self._loaded.wait(), timeout=timeout_s)

    def require_config(self) -> Config:
        if self.config is None:
            raise EngineUnavailable(
                f"tierwise is not configured: {self.config_error}"
                if self.config_error
                else "tierwise is still loading its configuration; try again in a moment"
            )
        return self.config

    # -- engine ---------------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Start importing the model stack and building the engine in a worker thread."""
        if self._warm is None or self._warm.done():
            self._warm = asyncio.create_task(self._warm_up())

    async def _warm_up(self) -> None:
        with responsive_imports():
            try:
                worker = await asyncio.to_thread(self.model_worker)
                await asyncio.to_thread(worker.start)  # litellm imports in the worker process meanwhile
                await self.engine()
                await asyncio.to_thread(_preload_model_tables, self.require_config())
                await worker.ready()
                await self.engine()  # the configuration changed during the import: build for the newest
            except Exception as err:  # reported again, with context, by the first command that needs it
                log.warning("warm-up failed: %s", err)

    async def engine(self) -> Engine:
        """The engine for the current configuration, built (in a thread) on first use after a change."""
        await self.wait_loaded()
        config = self.require_config()
        async with self._lock:
            if self._engine is None or self._engine_for is not config:
                self._engine = await asyncio.to_thread(self._construct, config)
                self._engine_for = config
            return self._engine

    def model_stack_ready(self) -> bool:
        """The engine is built and the model worker has litellm loaded (the first model call will not wait)."""
        if self.current_engine() is None or self._worker is None:
            return False
        warm = self._warm  # a warm-up under way also loads the tokenizer and price tables: wait for it
        return self._worker.is_ready() and (warm is None or warm.done())

    def current_engine(self) -> Engine | None:
        """The engine if already built (for answers that must come from memory)."""
        return self._engine if self._engine_for is self.config else None

    def _construct(self, config: Config) -> Engine:
        """Worker thread: import the engine and the gateway, wire the ports (the model worker: see warm_up)."""
        with paused_gc():  # the imported modules and the wired engine are long-lived (tierwise.gc_pause)
            return self._wire(config)

    def _wire(self, config: Config) -> Engine:
        from tierwise.gateway import ModelGateway
        from tierwise.headless.wiring import build_engine

        models = ModelGateway(config, self.root, backend=self.model_worker())
        commands = None
        if not self._trusted():
            from tierwise.lsp.trust import RefusingCommands

            commands = RefusingCommands()
        context = self.context_for(config) if self.context_for is not None else None
        engine = build_engine(self.root, config, ui=self._ui, models=models, files=self._files, commands=commands,
                              reload_config=lambda: self.config or config,  # the watcher keeps it current
                              context=context)
        try:
            tier = models.ladder("quickfix")[0]
            self.quick_fix_route = (tier, models.model_for(tier))
        except Exception:  # no usable tier: the label shows the configured one, the call will say why
            self.quick_fix_route = None
        return engine


WARM_UP_SWITCH_INTERVAL_S = 0.0005
"""The interpreter's thread switch interval while the model stack imports (default 5 ms)."""
_lowered = 0  # warm-ups under way
_saved: float | None = None  # the interval before the first of them lowered it


@contextlib.contextmanager
def responsive_imports(interval_s: float = WARM_UP_SWITCH_INTERVAL_S) -> Iterator[None]:
    """Lower ``sys.setswitchinterval`` while the model stack imports on worker threads, then restore it.

    The imports (engine, gateway, pydantic models, context engine) run Python code that holds the GIL;
    a thread waiting for it (the event loop answering ``codeAction``) gets it only when the holder is asked
    to drop it, every switch interval. A shorter interval lets the event loop in sooner; it is restored as
    soon as the last warm-up ends, so normal work pays nothing."""
    global _lowered, _saved
    if _lowered == 0 and sys.getswitchinterval() > interval_s:
        _saved = sys.getswitchinterval()
        sys.setswitchinterval(interval_s)
    _lowered += 1
    try:
        yield
    finally:
        _lowered -= 1
        if _lowered == 0 and _saved is not None:
            if sys.getswitchinterval() == interval_s:  # nobody else changed it meanwhile
                sys.setswitchinterval(_saved)
            _saved = None


def _preload_model_tables(config: Config) -> None:
    """Worker thread: load now what the first model call would otherwise load on the event loop — the
    pinned price table (budget checks use it here). The cl100k tokenizer is not built here: the model worker
    builds it first thing and counts for this process (``tokens.count_elsewhere``)."""
    from tierwise.gateway import pricing

    with paused_gc():  # the price map is long-lived (tierwise.gc_pause)
        for tier in config.tiers.values():
            if tier.model:
                pricing.lookup_model(tier.model)


def _load_config(root: Path, overrides: dict[str, Any], trusted: bool) -> tuple[Config, list[str]]:
    """The configuration and the warnings about where the workspace's file sends keys."""
    from tierwise.config.loader import key_destination_warnings, resolve_config

    resolution = resolve_config(
        root, overrides=overrides or None, overrides_label="editor settings", workspace_file=trusted
    )
    return resolution.config, key_destination_warnings(resolution)

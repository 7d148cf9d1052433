"""The context engine inside the language server: the index is built in a worker thread after the
configuration loads (work-done progress ``tierwise: indexing``), kept up to date from editor buffers
(debounced) and disk changes, shared with the engine, and shown by ``tierwise.showContext``.

Nothing here runs on the event loop for longer than a dictionary lookup: every refresh, parse and pack is
``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from tierwise.config.model import Config
    from tierwise.context.port import WorkspaceContext
    from tierwise.lsp.session import Session

log = logging.getLogger(__name__)
BUFFER_DEBOUNCE_S = 0.4
DISK_DEBOUNCE_S = 1.0


class ContextService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._port: WorkspaceContext | None = None
        self._settings: Any = None
        self._lock = threading.Lock()
        self._indexing: asyncio.Task[None] | None = None
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self.indexed_files = 0

    # -- the port the engine uses (called from the engine host's worker thread) -------------------------
    def port_for(self, config: Config) -> WorkspaceContext | None:
        if not config.context.enabled:
            return None
        with self._lock:
            if self._port is None or self._settings != config.context:
                from tierwise.context.port import WorkspaceContext

                self._port = WorkspaceContext(
                    self.session.require_root(), config, read_text=self._buffer_text
                )
                self._settings = config.context
            else:
                self._port.config = config
            return self._port

    def _open_paths(self) -> list[str]:
        from tierwise.lsp.paths import OutsideWorkspace, relpath_for

        root = self.session.require_root()
        paths = []
        for uri in list(self.session.server.workspace.text_documents):
            try:
                paths.append(relpath_for(root, uri))
            except OutsideWorkspace:
                continue
        return paths

    def _buffer_text(self, path: str) -> str | None:
        files = self.session.files
        doc = files.open_document(path) if files is not None else None
        return doc.source if doc is not None else None

    # -- background indexing ------------------------------------------------------------------------------
    def start(self) -> None:
        """Build or update the index in the background (a running build is not started twice)."""
        if self._indexing is None or self._indexing.done():
            self._indexing = self.session.spawn(self._index(), "context index")

    async def wait(self) -> None:
        if self._indexing is not None:
            await asyncio.shield(self._indexing)

    async def _index(self) -> None:
        host = self.session.host
        config = host.config if host is not None else None
        port = await asyncio.to_thread(self.port_for, config) if config is not None else None
        if port is None:
            return
        token = await self._begin()
        loop = asyncio.get_running_loop()

        def report(done: int, total: int) -> None:
            if token is not None and total:
                percentage = min(99, done * 100 // total)
                loop.call_soon_threadsafe(self._report, token, f"{done}/{total} files", percentage)

        try:
            stats = await asyncio.to_thread(port.refresh_sync, report)
        except Exception as err:  # never fatal: the loop falls back to what the index has
            log.warning("context index failed: %s", err)
            self._end(token, f"indexing failed: {err}")
            return
        self.indexed_files = stats.files
        message = f"indexed {stats.files} files ({stats.parsed} read, {stats.skipped} skipped) in {stats.seconds:.1f}s"
        for note in stats.notes:
            self.session.log("warning", f"tierwise context: {note}")
        self.session.log("info", f"tierwise context: {message}")
        self._end(token, message)

    async def _begin(self) -> str | None:
        ui = self.session.ui
        if ui is None or not ui.supports_progress:
            return None
        server = self.session.server
        token = f"tierwise/context-index/{uuid.uuid4().hex[:8]}"
        try:
            await asyncio.wait_for(server.work_done_progress.create_async(token), timeout=10)
        except Exception as err:  # the client refused or never answered: index without a progress bar
            log.info("no progress for indexing: %s", err)
            return None
        server.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title="tierwise: indexing", cancellable=False, percentage=0)
        )
        return token

    def _report(self, token: str, message: str, percentage: int) -> None:
        self.session.server.work_done_progress.report(
            token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )

    def _end(self, token: str | None, message: str) -> None:
        if token is not None:
            self.session.server.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
            self.session.server.work_done_progress.tokens.pop(token, None)

    # -- changes -----------------------------------------------------------------------------------------
    def buffer_changed(self, path: str) -> None:
        """Re-index an open buffer's text a moment after the typing stops."""
        if self._port is None:
            return
        loop = asyncio.get_running_loop()
        old = self._timers.pop(path, None)
        if old is not None:
            old.cancel()
        self._timers[path] = loop.call_later(BUFFER_DEBOUNCE_S, self._update_buffer, path)

    def _update_buffer(self, path: str) -> None:
        self._timers.pop(path, None)
        text = self._buffer_text(path)
        port = self._port
        if port is None:
            return
        if text is None:  # closed: the disk is the truth again
            port.engine.index.clear_overlay(path)
            self.disk_changed()
            return
        self.session.spawn(asyncio.to_thread(port.update_text, path, text), "context index update")

    def disk_changed(self) -> None:
        """A file changed on disk: a refresh (only changed files are read) shortly after."""
        if self._port is None:
            return
        loop = asyncio.get_running_loop()
        old = self._timers.pop("", None)
        if old is not None:
            old.cancel()
        self._timers[""] = loop.call_later(DISK_DEBOUNCE_S, self.start)


async def show_context(session: Session, args: Any) -> dict[str, Any]:
    """``tierwise.showContext {task, uris?, budgetTokens?}``: what the planner would see, and why."""
    from tierwise.lsp.commands import RequestFailed

    host = session.host
    service: ContextService = session.context  # type: ignore[attr-defined]
    config = host.require_config() if host is not None else None
    port = await asyncio.to_thread(service.port_for, config) if config is not None else None
    if port is None:
        raise RequestFailed("tierwise.showContext: the context engine is off (context.enabled = false)")
    service.start()
    await service.wait()
    paths = [session.relpath(uri) for uri in args.uris]
    budget = args.budget_tokens or port.budget("plan", "plan")
    pack = await asyncio.to_thread(port.engine.plan_pack, args.task, budget_tokens=budget, named_files=paths)
    return {
        "task": args.task,
        "text": pack.text,
        "tokens": pack.tokens,
        "budgetTokens": budget,
        "items": [
            {
                "path": i.path,
                "symbol": i.symbol,
                "kind": i.kind,
                "tokens": i.tokens,
                "why": i.why,
                "lines": list(i.lines) if i.lines else None,
            }
            for i in pack.items
        ],  # fmt: skip
        "skipped": port.engine.skipped(),
        "indexedFiles": len(port.engine.index.stamps),
        "notes": pack.notes,
        "markdown": pack.report(),
    }

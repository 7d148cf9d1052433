"""``WorkspaceContext``: the ``ContextPort`` the loop's engine uses, on top of ``ContextEngine``.

Budgets come from the configuration (``[context]``) and the context window of the model a route's first
tier resolves to (the tier's ``context_window``, else litellm's price map read by the gateway without
importing litellm). Index work runs in a worker thread so that an editor's event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tierwise.context.engine import ContextEngine
from tierwise.context.model import RefreshStats
from tierwise.context.types import Candidate, ContextPack, Pin, Query

if TYPE_CHECKING:
    from tierwise.config.model import Config

MIN_BUDGET_TOKENS = 1000
MAP_SHARE = 0.3  # of the explore budget, for the repo map


def route_window(config: Config, action: str) -> int | None:
    """The prompt token limit of the model the route's first tier names (None when unknown)."""
    try:
        tier = config.tiers[config.route(action).tier]
    except KeyError:
        return None
    deployments = tier.deployments()
    if not deployments:
        return None
    from tierwise.gateway.pricing import context_window_for

    return context_window_for(deployments[0])


class WorkspaceContext:
    def __init__(
        self,
        root: Path,
        config: Config,
        *,
        window_for: Callable[[str], int | None] | None = None,
        read_text: Callable[[str], str | None] | None = None,
        count_tokens: Callable[[str], int] | None = None,
        open_files: Callable[[], list[str]] | None = None,
    ) -> None:
        self.config = config
        settings = config.context
        self.engine = ContextEngine(root, max_files=settings.max_files, max_file_bytes=settings.max_file_bytes,
                                    read_text=read_text, count_tokens=count_tokens)  # fmt: skip
        self._window_for = window_for or (lambda action: route_window(config, action))
        self._refresh_lock = threading.Lock()
        self._open_files = open_files
        self.last_stats: RefreshStats | None = None

    # -- budgets ----------------------------------------------------------------------------------------
    def budget(self, kind: str, action: str) -> int:
        settings = self.config.context
        ceiling = {
            "plan": settings.plan_tokens, "explore": settings.plan_tokens, "implement": settings.implement_tokens,
            "file": settings.file_tokens, "fix": settings.fix_tokens, "review": settings.review_tokens,
        }.get(kind, settings.plan_tokens)  # fmt: skip
        window = self._window_for(action)
        if not window:
            return ceiling
        return max(MIN_BUDGET_TOKENS, min(ceiling, int(window * settings.share)))

    # -- index ------------------------------------------------------------------------------------------
    def refresh_sync(self, progress: Callable[[int, int], None] | None = None) -> RefreshStats:
        with self._refresh_lock:  # one refresh at a time; a second caller waits and finds little to do
            self.last_stats = self.engine.refresh(progress)
            self.engine.retriever()  # search structures built here (in the indexing thread), not per pack
            return self.last_stats

    async def refresh(self) -> None:
        await asyncio.to_thread(self.refresh_sync)

    def update_text(self, path: str, text: str) -> bool:
        return self.engine.update_text(path, text)

    # -- queries ----------------------------------------------------------------------------------------
    def _with_open_files(self, query: Query) -> Query:
        """The editor's open files join the query (they personalise the graph rank)."""
        if self._open_files is None or query.open_files:
            return query
        try:
            opened = tuple(sorted(self._open_files()))
        except Exception:  # noqa: BLE001 - the editor's view is a hint, never a failure
            return query
        return replace(query, open_files=opened)

    async def candidates(self, query: Query, limit: int) -> tuple[str, list[Candidate]]:
        query = self._with_open_files(query)

        def run() -> tuple[str, list[Candidate]]:
            budget = int(self.budget("explore", "explore") * MAP_SHARE)
            return self.engine.repo_map(query, budget), self.engine.candidates(query, limit)

        return await asyncio.to_thread(run)

    async def pack(self, query: Query, *, budget_tokens: int, pins: Sequence[Pin] = ()) -> ContextPack:
        query = self._with_open_files(query)
        return await asyncio.to_thread(self.engine.pack, query, budget_tokens=budget_tokens, pins=pins)

    async def file_view(
        self, path: str, text: str | None, *, focus: Sequence[str], budget_tokens: int, numbers: bool = False
    ) -> str:
        return await asyncio.to_thread(
            self.engine.file_view,
            path,
            focus_symbols=focus,
            budget_tokens=budget_tokens,
            text=text,
            numbers=numbers,
        )

    def indexed_tokens(self) -> int:
        return sum(stamp.size for stamp in self.engine.index.stamps.values()) // 4

    def check_pin(self, path: str, symbol: str | None) -> str | None:
        root = self.engine.root
        try:
            inside = (root / path).resolve().is_relative_to(root) and not Path(path).is_absolute()
        except (OSError, ValueError, RuntimeError):
            inside = False
        if not inside or ".." in Path(path).parts:
            return f"{path} is outside the workspace"
        if self.engine.index.entry(path) is None:
            return f"{path} does not exist in the workspace (or is not indexed)"
        if symbol and not self.engine.symbol_exists(path, symbol):
            return f"{path} has no definition named {symbol}"
        return None

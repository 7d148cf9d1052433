"""Answers of ``tierwise.status`` and ``tierwise.cost``, read from the task store and the cost ledger in a
worker thread (no engine needed, so they answer while the model stack is still loading)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierwise.lsp import task_commands
from tierwise.lsp.trust import NOTE

if TYPE_CHECKING:
    from tierwise.lsp.session import Session

MAX_TASKS = 50


async def status(session: Session, task_id: str | None) -> dict[str, Any]:
    root = session.require_root()
    running = [{"taskId": r.task_id, "phase": r.phase} for r in session.tasks.running()]
    host = session.host
    if host is not None:
        with contextlib.suppress(TimeoutError):
            await host.wait_loaded(timeout_s=10.0)  # the first load takes a fraction of a second
    answer: dict[str, Any] = {
        "running": running,
        "configured": bool(host and host.config is not None),
        "configError": host.config_error if host else None,
        "configGeneration": host.generation if host else 0,
        "configLoadedAt": host.loaded_at if host else 0.0,
        "modelStackReady": bool(host and host.model_stack_ready()),
        "modelWorker": host.model_worker_state() if host else None,
        "watching": session.watch_mode is not None,
        "configWatch": session.watch_mode,
        "trusted": session.trusted,
        "trustNote": None if session.trusted else NOTE,
        "cooldowns": await asyncio.to_thread(_cooldowns, root),
    }
    answer["cache"] = await asyncio.to_thread(_cache, root, task_id)
    config = host.config if host is not None else None
    answer["commands"] = await asyncio.to_thread(
        task_commands.for_status, root, config, task_id, [r["taskId"] for r in running]
    )
    if task_id is not None:
        state = await asyncio.to_thread(_load, root, task_id)
        answer["task"] = state
        answer["lastStatus"] = session.ui.last_status(task_id) if session.ui else None
    else:
        answer["tasks"] = await asyncio.to_thread(_list, root)
    return answer


def _cooldowns(root: Any) -> list[dict[str, Any]]:
    from tierwise.gateway.health import active_cooldowns

    return active_cooldowns(root)


async def latest_task_id(session: Session) -> str | None:
    return await asyncio.to_thread(_latest, session.require_root())


async def cost(session: Session, task_id: str | None) -> dict[str, Any]:
    return await asyncio.to_thread(_cost, session.require_root(), task_id)


def _store(root: Path) -> Any:
    from tierwise.engine.artifacts import TaskStore

    return TaskStore(root)


def _dump(state: Any, exclude: set[str] | None = None) -> dict[str, Any]:
    """A TaskState as JSON, plus ``next_phase`` (the first requested phase not finished yet, or None)."""
    data: dict[str, Any] = state.model_dump(mode="json", exclude=exclude)
    data["next_phase"] = state.next_phase()
    return data


def _load(root: Path, task_id: str) -> dict[str, Any]:
    return _dump(_store(root).load(task_id))


def _list(root: Path) -> list[dict[str, Any]]:
    states = _store(root).list()
    return [_dump(s, {"findings", "written"}) for s in states[-MAX_TASKS:]]


def _latest(root: Path) -> str | None:
    state = _store(root).latest()
    return state.id if state is not None else None


def _cache(root: Path, task_id: str | None) -> dict[str, Any]:
    """Prompt-cache figures of the task (or the whole ledger): hit rate overall and per phase and tier."""
    from tierwise.gateway.costs import summarize
    from tierwise.gateway.ledger import Ledger

    report = summarize(Ledger(root).read(task_id))

    def figures(row: Any) -> dict[str, Any]:
        return {
            "calls": row.calls,
            "promptTokens": row.tokens_in,
            "cachedTokens": row.tokens_cached_read,
            "cacheWriteTokens": row.tokens_cache_write,
            "hitRate": round(row.cache_hit_rate, 4),
            "cacheLossTokens": row.cache_loss_tokens,
            "cacheLossUsd": round(row.cache_loss_usd, 6),
        }

    return {**figures(report.total), "byPhaseTier": {row.key: figures(row) for row in report.phases}}


def _cost(root: Path, task_id: str | None) -> dict[str, Any]:
    from tierwise.gateway.ledger import Ledger

    lines = Ledger(root).read(task_id)
    by_tier: dict[str, dict[str, Any]] = {}
    for line in lines:
        tier = by_tier.setdefault(line.tier, {"calls": 0, "costUsd": 0.0, "frontierCostUsd": 0.0})
        tier["calls"] += 1
        tier["costUsd"] += line.cost_usd
        tier["frontierCostUsd"] += line.frontier_cost_usd
    spent = sum(line.cost_usd for line in lines)
    frontier = sum(line.frontier_cost_usd for line in lines)
    return {
        "taskId": task_id,
        "calls": len(lines),
        "costUsd": round(spent, 6),
        "frontierCostUsd": round(frontier, 6),
        "savedUsd": round(frontier - spent, 6),
        "byTier": {
            name: {k: round(v, 6) if isinstance(v, float) else v for k, v in t.items()}
            for name, t in by_tier.items()
        },
    }

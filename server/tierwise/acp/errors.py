"""Messages for the errors a person can act on, and the /cost text (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from tierwise.engine.state import UsageRecord


def explain(err: BaseException) -> str | None:
    """A one-line message for an expected error; None for an internal one (logged with its traceback)."""
    from tierwise.config.errors import ConfigError
    from tierwise.engine.artifacts import InvalidTaskId, TaskNotFound
    from tierwise.engine.quickfix import QuickFixFailed
    from tierwise.engine.undo import FileChangedSinceTask
    from tierwise.gateway.types import NoModelConfigured
    from tierwise.vcs import UserChangedFile, VcsError

    if isinstance(err, NoModelConfigured):
        return f"{err} — `tierwise doctor` shows which tiers are usable"
    expected = (ConfigError, TaskNotFound, InvalidTaskId, QuickFixFailed, FileChangedSinceTask, UserChangedFile,
                VcsError, ValueError, OSError)
    return str(err) if isinstance(err, expected) else None


def cost_text(records: Sequence[UsageRecord]) -> str:
    if not records:
        return "No model calls yet in this task."
    lines = ["| phase | tier | model | tokens in | tokens out | cost | saved |", "|---|---|---|---|---|---|---|"]
    cost = saved = 0.0
    for rec in records:
        lines.append(f"| {rec.phase} | {rec.tier} | {rec.model} | {rec.tokens_in} | {rec.tokens_out} | "
                     f"${rec.cost_usd:.4f} | ${rec.saved_usd:.4f} |")
        cost += rec.cost_usd
        saved += rec.saved_usd
    lines.append(f"\nTotal ${cost:.4f}; routing saved ${saved:.4f} against running everything on the frontier tier.")
    return "\n".join(lines)

"""``/context``: what the planner would see for a task, as a short Markdown summary."""

from __future__ import annotations

import asyncio
from pathlib import Path

CONTEXT_TOKENS = 8000


def _summary(root: Path, task: str) -> str:
    try:
        from tierwise.context import ContextEngine
    except ImportError:  # the context engine is not part of this build
        from tierwise.engine.context import repo_tree
        from tierwise.workspace_files import list_workspace_files

        return "The planner sees the file tree:\n```\n" + repo_tree(list_workspace_files(root)) + "\n```"
    engine = ContextEngine(root)
    engine.refresh()
    pack = engine.plan_pack(task, budget_tokens=CONTEXT_TOKENS)
    lines = [f"The planner would see {pack.tokens} tokens of context for: {task}", ""]
    for item in pack.items:
        what = f"`{item.path}`" + (f" `{item.symbol}`" if item.symbol else "")
        lines.append(f"- {item.kind}: {what} ({item.tokens} tokens) — {item.why}")
    return "\n".join(lines)


async def context_text(root: Path, task: str) -> str:
    if not task.strip():
        return "/context needs a task: /context fix the median of even lists"
    return await asyncio.to_thread(_summary, root, task)

"""The commit message of a task (route ``commit_message``), for ``tierwise run --commit``."""

from __future__ import annotations

import re

from tierwise.engine.planfile import parse_plan
from tierwise.engine.prompts import render_prompt
from tierwise.engine.review import task_diff
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState

DIFF_MAX_CHARS = 12_000


def diff_stat(diff: str) -> str:
    """``path | +added -removed`` per file of a unified diff."""
    stats: dict[str, list[int]] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = line[4:].strip()
            current = target[2:] if target.startswith("b/") else target
            stats.setdefault(current, [0, 0])
        elif current and line.startswith("+") and not line.startswith("+++"):
            stats[current][0] += 1
        elif current and line.startswith("-") and not line.startswith("---"):
            stats[current][1] += 1
    return "\n".join(f"{path} | +{a} -{r}" for path, (a, r) in stats.items()) or "(no changes)"


def clean_message(text: str, fallback: str) -> str:
    body = text.strip()
    fenced = re.match(r"^(```|~~~)[\w-]*\n(?P<body>.*)\n\1$", body, flags=re.S)
    if fenced:
        body = fenced.group("body").strip()
    body = body.strip("\"'").strip()
    return body or fallback


async def write_commit_message(ctx: PhaseContext, state: TaskState) -> str:
    diff = await task_diff(ctx, state)
    plan_text = ctx.store.read(state.id, "PLAN.md") or ""
    goal = parse_plan(plan_text).goal if plan_text else ""
    messages = render_prompt(
        "commit_message",
        {"task": state.task, "goal": goal or state.task, "diff_stat": diff_stat(diff), "diff": diff[:DIFF_MAX_CHARS]},
        ctx.root,
    )
    reply = await ctx.call(state, "review", "commit/1", "commit_message", messages)
    message = clean_message(reply.text, f"tierwise: {state.task[:60]}")
    ctx.store.write(state.id, "COMMIT_MESSAGE.txt", message + "\n")
    return message

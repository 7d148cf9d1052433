"""Quick fix of one diagnostic: the review's own suggestion when it covers the lines, else the quickfix tier.

A quick fix is a small task (``TaskState.kind == "quickfix"``, id ``quickfix-<hex>``): its model call goes
through ``PhaseContext.call`` like any phase's, so it has the per-task ceiling, a stored reply and its task
id in the ledger. Returns ``FileChange``s without applying them; the driver applies (the editor as a
workspace edit).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from tierwise.edits import parse_reply
from tierwise.edits.text import content_lines
from tierwise.engine.context import file_block, read_conventions
from tierwise.engine.guards import ChangesDoNotApply, standalone_changes
from tierwise.engine.paths import normalize_relpath
from tierwise.engine.ports import FileChange
from tierwise.engine.prompts import EDIT_FORMAT, render_prompt
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import DiagnosticInfo, Finding, TaskState

EXCERPT_RADIUS = 12
QUICKFIX_STEP = "quickfix/1"


def quick_fix_task_id() -> str:
    return f"quickfix-{uuid.uuid4().hex[:8]}"


def quick_fix_task(task_id: str, path: str, diagnostic: DiagnosticInfo) -> TaskState:
    what = " ".join(diagnostic.message.split())[:160]
    return TaskState(
        id=task_id,
        task=f"quick fix of {path}:{diagnostic.start_line}: {what}",
        kind="quickfix",
        phase="quickfix",
        phases=[],
        paths=[path],
    )


class QuickFixFailed(RuntimeError):
    """No usable edit for the diagnostic; the message says why."""


def excerpt(text: str, start: int, end: int, radius: int = EXCERPT_RADIUS) -> str:
    lines = content_lines(text)  # LSP line breaks only, as the diagnostic's lines count them
    first = max(1, start - radius)
    last = min(len(lines), end + radius)
    width = len(str(last))
    return "\n".join(f"{n:>{width}} | {lines[n - 1]}" for n in range(first, last + 1))


def matching_finding(tasks: Sequence[TaskState], path: str, diagnostic: DiagnosticInfo) -> Finding | None:
    """The review finding the diagnostic names (``finding_id``: its lines may have moved since the review),
    else the newest review finding with a suggestion whose lines overlap the diagnostic's."""
    named = _named_finding(tasks, path, diagnostic.finding_id)
    if named is not None:
        return named
    for state in reversed(tasks):
        for finding in state.findings:
            if (
                finding.path == path
                and finding.suggestion
                and finding.line <= diagnostic.end_line
                and diagnostic.start_line <= finding.end_line
                and (finding.message.strip() in diagnostic.message or diagnostic.message in finding.message)
            ):
                return finding
    return None


def _named_finding(tasks: Sequence[TaskState], path: str, finding_id: str | None) -> Finding | None:
    task_id, _, index = (finding_id or "").rpartition(":")
    if not task_id or not index.isdigit():
        return None
    for state in tasks:
        if state.id == task_id and int(index) < len(state.findings):
            finding = state.findings[int(index)]
            return finding if finding.path == path and finding.suggestion else None
    return None


async def _changes_for(ctx: PhaseContext, text: str, path: str) -> list[FileChange]:
    """The changes of a quick-fix answer: one file, applicable as written, and never test infrastructure or
    tierwise's configuration (a quick fix has no plan that could list them; ``engine.guards``)."""
    blocks = [b for b in parse_reply(text)]
    if not blocks:
        raise QuickFixFailed("the answer contained no edit blocks")
    try:
        changes = await standalone_changes(ctx.files, ctx.root, blocks, "quick-fix")
    except ChangesDoNotApply as err:
        stale = f"the fix does not apply to the current text: {err.first}"
        raise QuickFixFailed(stale if err.stale else str(err)) from None
    outside = [c.path for c in changes if c.path != path]
    if outside:
        raise QuickFixFailed(f"the fix edits other files ({', '.join(outside)}); refused")
    return changes


async def run_quick_fix(
    ctx: PhaseContext, state: TaskState, path: str, diagnostic: DiagnosticInfo, tasks: Sequence[TaskState]
) -> list[FileChange]:
    path = normalize_relpath(ctx.root, path)
    finding = matching_finding(tasks, path, diagnostic)
    if finding is not None and finding.suggestion:
        try:
            return await _changes_for(ctx, finding.suggestion, path)
        except QuickFixFailed:
            pass  # the suggestion went stale; ask the model
    doc = await ctx.files.read(path)
    if doc.text is None:
        raise QuickFixFailed(f"{path} does not exist")
    variables = {
        "path": path,
        "file_text": file_block(path, doc.text, max_chars=60_000),
        "excerpt": excerpt(doc.text, diagnostic.start_line, diagnostic.end_line),
        "diagnostic": diagnostic.message,
        "line": diagnostic.start_line,
        "end_line": diagnostic.end_line,
        "severity": diagnostic.severity,
        "source": diagnostic.source or "the editor",
        "code": diagnostic.code or "",
        "conventions": await read_conventions(ctx.files),
        "edit_format": EDIT_FORMAT,
    }
    messages = render_prompt("quickfix", variables, ctx.root)
    reply = await ctx.call(state, "quickfix", QUICKFIX_STEP, "quickfix", messages)
    return await _changes_for(ctx, reply.text, path)

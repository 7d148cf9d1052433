"""Phase 5, review: the strong tier reads the plan, the task's diff and the conventions; writes REVIEW.md.

Findings are parsed into ``Finding``s (file, lines, severity, message, suggested chunked edit). Drivers
show them (diagnostics in the editor, a list headless) and may apply suggestions with ``apply_findings``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from tierwise.engine.changed import changed_lines
from tierwise.engine.context import files_section, plural, read_conventions, read_documents
from tierwise.engine.editing import EditReport
from tierwise.engine.findings import parse_review, review_text
from tierwise.engine.guards import infra_gates
from tierwise.engine.packs import changes_view, compact_views
from tierwise.engine.plan import task_prefix
from tierwise.engine.planfile import parse_plan
from tierwise.engine.prompts import EDIT_FORMAT, render_prompt
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import Finding, TaskState
from tierwise.engine.steps import apply_step

FILES_BUDGET_TOKENS = 8000
DIFF_MAX_CHARS = 40_000


def review_relpath(task_id: str) -> str:
    return f".tierwise/tasks/{task_id}/REVIEW.md"


async def task_diff(ctx: PhaseContext, state: TaskState) -> str:
    """Unified diff of the task's files since their checkpoint."""
    if ctx.checkpoints is not None:
        try:
            return await ctx.checkpoints.diff(state.id)
        except (LookupError, OSError, ValueError) as err:
            ctx.ui.notify("warning", f"checkpoint diff unavailable ({err}); using the engine's copies")
    chunks: list[str] = []
    for path, original in ctx.store.originals(state.id).items():
        current = (await ctx.files.read(path)).text
        if current == original:
            continue
        chunks.extend(
            difflib.unified_diff(
                (original or "").splitlines(keepends=True),
                (current or "").splitlines(keepends=True),
                fromfile=f"a/{path}" if original is not None else "/dev/null",
                tofile=f"b/{path}" if current is not None else "/dev/null",
            )
        )
    return "".join(chunks)


async def run_review(ctx: PhaseContext, state: TaskState, plan_text: str) -> list[Finding]:
    diff = await task_diff(ctx, state)
    if len(diff) > DIFF_MAX_CHARS:
        diff = diff[:DIFF_MAX_CHARS] + "\n... (diff trimmed)\n"
    changed = [p for p in state.touched_files]
    limit = (ctx.context.budget("review", "review") if ctx.context else 0) + DIFF_MAX_CHARS // 4
    changes = await changes_view(ctx, changed, diff, limit) if diff.strip() else None
    if changes is not None:  # the diff with each change's enclosing definition: nothing shown twice
        shown_diff, views = changes, ""
    else:  # no context engine, or changes too large to show in place: the diff, then the files in a budget
        views = await compact_views(ctx, state, changed, changed_lines(diff), [], "review", "review",
                                    why="the definitions this task changed, whole and as they are now")
        if views is None:
            docs = [d for d in await read_documents(ctx.files, changed) if d.text is not None]
            views = files_section(docs, FILES_BUDGET_TOKENS, numbered=True) if docs else "(none)"
        views = "Changed files as they are now (with line numbers, which are not part of the files):\n" + views
        shown_diff = f"```diff\n{diff.strip() or '(no changes recorded for this task)'}\n```"
    variables = {
        "task": state.task,
        "plan": plan_text or "(no plan)",
        "diff": shown_diff,
        "files": views,
        "conventions": await read_conventions(ctx.files),
        "edit_format": EDIT_FORMAT,
    }
    prefix = await task_prefix(ctx, state, plan_text or "(no plan)")
    messages = render_prompt("review", variables, ctx.root, prefix=prefix)
    reply = await ctx.call(state, "review", f"review/{state.run_of('review')}", "review", messages)
    text = review_text(reply.text)
    parsed = parse_review(text, ctx.root)
    ctx.store.write(state.id, "REVIEW.md", text)
    for error in parsed.errors:
        ctx.ui.notify("warning", f"REVIEW.md: {error}")
    state.findings = parsed.findings
    state.review_path = review_relpath(state.id)
    ctx.save(state)
    ctx.progress(state, "review", f"REVIEW.md written: {plural(len(parsed.findings), 'finding')}", kind="end")
    return parsed.findings


async def apply_findings(
    ctx: PhaseContext, state: TaskState, indices: Sequence[int] | None = None
) -> dict[int, EditReport]:
    """Apply the suggestions of the chosen findings (all with a suggestion by default)."""
    chosen = range(len(state.findings)) if indices is None else indices
    reports: dict[int, EditReport] = {}
    plan_text = ctx.store.read(state.id, "PLAN.md")
    plan = parse_plan(plan_text) if plan_text else None  # test infrastructure only where the plan lists it
    for index in chosen:
        if not 0 <= index < len(state.findings):
            raise IndexError(f"no finding {index + 1}; the task has {len(state.findings)}")
        finding = state.findings[index]
        if not finding.suggestion:
            continue
        gate, change_gate = infra_gates(plan, "review-suggestion")
        step = f"review-apply/{state.run_of('review')}/{index}"
        reports[index] = await apply_step(ctx, state, step, finding.suggestion, gate=gate, change_gate=change_gate)
    return reports

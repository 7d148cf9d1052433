"""Phase 3, implement: one fresh model session per plan file, in the plan's order, with chunked edits.

Every per-file call starts with the same bytes (the task's shared prefix, the implement instructions and
the context files, built once per run of the phase), and the file being edited comes after them, so the
calls share one cacheable prefix (docs/prompts.md, "Layout").

Refused blocks go back to the model with the edit engine's explanation, at most
``config.loop.implement_rounds`` times per file. Deletions need no model. Files are checkpointed before
their first edit.
"""

from __future__ import annotations

from tierwise.engine.context import file_block, files_section, plural, read_conventions, read_documents
from tierwise.engine.editing import EditReport, Gate, screen_changes
from tierwise.engine.guards import infra_gates
from tierwise.engine.packs import enabled, file_view, focus_for, implement_shared
from tierwise.engine.plan import current_plan, task_context, task_prefix
from tierwise.engine.planfile import Plan, PlanFile
from tierwise.engine.ports import ApplyOutcome, FileChange
from tierwise.engine.prompts import EDIT_FORMAT, render_prompt
from tierwise.engine.session import PhaseContext
from tierwise.engine.shown import shown_in, without_shown
from tierwise.engine.state import TaskState
from tierwise.engine.steps import apply_step
from tierwise.gateway.types import Message
from tierwise.uninterrupted import uninterrupted

CONTEXT_BUDGET_TOKENS = 6000
FILE_MAX_CHARS = 80_000


def _gate_for(plan: Plan, path: str) -> Gate:
    planned = set(plan.paths())

    def gate(block_path: str) -> str | None:
        if block_path == path or block_path in planned:
            return None
        return f"{block_path} is not in the plan's Files section; edit only `{path}` in this step"

    return gate


async def _edited_view(
    ctx: PhaseContext, path: str, text: str | None, focus: list[str], pack: str = ""
) -> str:
    """The file being edited: whole when it fits, else its outline and the regions the plan names; each
    definition the task prefix's ``pack`` shows unchanged is a pointer to it (``shown.without_shown``)."""
    if not enabled(ctx):
        return file_block(path, text, max_chars=FILE_MAX_CHARS)
    view = await file_view(ctx, path, text, focus, "file", "implement")
    return without_shown(view, path, shown_in(pack, {path: text}), focus) if pack else view


def _unless_shown(view: str, path: str, context_files: str, named_files: str) -> str:
    """The edited file's view, or a pointer to the same bytes already above it (in the shared block, or among
    the user's files of the task prefix): they are sent once, and cached."""
    if view.strip() and view in context_files:
        return f"(unchanged since implementation began: exactly as shown above under `{path}`)"
    if view.strip() and view in named_files:
        return f"(unchanged since the task started: exactly as shown above among the files you named, `{path}`)"
    return view


async def _retry_text(ctx: PhaseContext, report: EditReport, path: str, focus: list[str], pack: str) -> str:
    doc = await ctx.files.read(path)
    current = await _edited_view(ctx, path, doc.text, focus, pack)
    return f"{report.retry_message}\n\nThe current content of `{path}`:\n{current}"


async def implement_context(ctx: PhaseContext, state: TaskState, plan_text: str, plan: Plan) -> str:
    """The context files of every per-file call of this run of the phase: the plan's files as they are when
    the run starts (the user's named files are already in the task prefix). Built once and kept in the
    task folder, so a resumed run sends the same bytes again. With the context engine: outlines and the regions
    that matter (``packs.implement_shared``); without it, the files whole within a budget."""
    snapshot = await task_context(ctx, state)
    shared = await implement_shared(ctx, state, plan_text, plan, snapshot["files"], snapshot["context"])
    if shared is not None:
        return shared
    name = f"implement-context.{state.run_of('implement')}.md"
    stored = ctx.store.read(state.id, name)
    if stored is not None:
        return stored
    named = set(state.paths)
    paths = [p for p in dict.fromkeys(plan.paths(include_deleted=False)) if p not in named]
    docs = [d for d in await read_documents(ctx.files, paths) if d.text is not None]
    text = files_section(docs, CONTEXT_BUDGET_TOKENS) if docs else "(none)"
    ctx.store.write(state.id, name, text)
    return text


async def implement_file(
    ctx: PhaseContext, state: TaskState, plan_text: str, plan: Plan, index: int, item: PlanFile,
    context_files: str | None = None,
) -> bool:
    """Edit one file; True when every block ended applied. ``context_files``: the plan's files as built once
    for this implement run (identical for every file, so a provider's cache can serve it)."""
    doc = await ctx.files.read(item.path)
    if context_files is None:
        context_files = await implement_context(ctx, state, plan_text, plan)
    focus = focus_for(plan_text, item.description or "")
    snapshot = await task_context(ctx, state)
    variables = {
        "task": state.task,
        "plan": plan_text,
        "path": item.path,
        "action": item.action,
        "description": item.description or "(see the plan)",
        "file_text": _unless_shown(await _edited_view(ctx, item.path, doc.text, focus, snapshot["context"]),
                                   item.path, context_files, snapshot["files"]),
        "context_files": context_files,
        "conventions": await read_conventions(ctx.files),
        "edit_format": EDIT_FORMAT,
    }
    prefix = await task_prefix(ctx, state, plan_text)
    conversation: list[Message] = render_prompt("implement", variables, ctx.root, prefix=prefix)
    rounds = ctx.config.loop.implement_rounds
    gate = _gate_for(plan, item.path)
    _infra, change_gate = infra_gates(plan, "implement")  # the plan gate already keeps unlisted files out
    for round_no in range(rounds + 1):
        step = f"implement/{state.run_of('implement')}/{index}/r{round_no}"
        reply = await ctx.call(state, "implement", step, "implement", conversation, round=round_no)
        report = await apply_step(ctx, state, step, reply.text, gate=gate, change_gate=change_gate)
        if report.all_applied:
            ctx.progress(state, "implement", f"{item.path}: {plural(report.blocks, 'block')} applied", round=round_no)
            return True
        what = f"{plural(len(report.refused), 'block')} refused" if report.blocks else "no edit blocks in the answer"
        then = "sending it back" if round_no < rounds else "no rounds left"
        ctx.progress(state, "implement", f"{item.path}: {what}, {then}", round=round_no)
        if round_no == rounds:
            break
        conversation = [
            *conversation,
            Message(role="assistant", content=reply.text),
            Message(role="user", content=await _retry_text(ctx, report, item.path, focus, snapshot["context"])),
        ]
    ctx.ui.notify("warning", f"{item.path}: edit blocks still refused after {rounds + 1} rounds; see the edit report")
    return False


async def delete_file(ctx: PhaseContext, state: TaskState, item: PlanFile) -> None:
    doc = await ctx.files.read(item.path)
    if doc.text is None:
        return
    change = FileChange(path=item.path, base=doc, new_text=None)
    _kept, refused = screen_changes([change], None)  # never tierwise's configuration, even by the plan
    if refused:
        ctx.ui.notify("warning", refused[0])
        return
    await ctx.checkpoint(state, [item.path])

    async def apply_and_record() -> ApplyOutcome:
        outcome = await ctx.files.apply([change])
        if outcome.ok:
            await ctx.record_written(state, [item.path])
        return outcome

    outcome = await uninterrupted(apply_and_record())
    if not outcome.ok:
        ctx.ui.notify("warning", f"{item.path}: not deleted ({outcome.rejected.get(item.path, 'refused')})")


async def run_implement(ctx: PhaseContext, state: TaskState) -> None:
    plan_text, plan = await current_plan(ctx, state)
    total = len(plan.files)
    context_files = await implement_context(ctx, state, plan_text, plan)
    for index, item in enumerate(plan.files):
        if item.path in state.implemented_files:
            continue
        ctx.progress(state, "implement", f"[{index + 1}/{total}] {item.action} {item.path}")
        try:
            if item.action == "delete":
                await delete_file(ctx, state, item)
                ok = True
            else:
                ok = await implement_file(ctx, state, plan_text, plan, index, item, context_files)
        except (OSError, ValueError) as err:  # unreadable, binary or too large: report, go on
            ctx.ui.notify("warning", f"{item.path}: skipped ({err})")
            ok = False
        if not ok and item.path not in state.refused_files:
            state.refused_files.append(item.path)
        state.implemented_files.append(item.path)
        ctx.save(state)
    ctx.progress(state, "implement", f"implemented {plural(total, 'file')}", kind="end")

"""Phase 2, refine: a cheap pass over PLAN.md for edge cases, nullability, compatibility and typing.

The refined plan replaces PLAN.md only when it is valid; an invalid refinement keeps the current plan
(which was valid) and is reported, so a weak refine tier can never break a good plan.

PLAN.md is read as the user sees it (the editor's buffer, unsaved edits included) and the refined plan is
written through the FilesPort against exactly that text: an open PLAN.md gets a versioned edit of its buffer
(saved like every tierwise edit when it had no other unsaved text), never a write behind the buffer. If the
user changed PLAN.md during the model call, their text is kept and the refinement is left in
PLAN.refined.md.
"""

from __future__ import annotations

from tierwise.engine.plan import plan_relpath, read_plan_document, task_prefix, validate_text
from tierwise.engine.planfile import Plan, PlanInvalid, bounded, extract_plan_text, load_valid_plan
from tierwise.engine.ports import FileChange
from tierwise.engine.prompts import render_prompt
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState


async def run_refine(ctx: PhaseContext, state: TaskState) -> Plan:
    base = await read_plan_document(ctx, state)
    plan_text = base.text or ""
    plan = await validate_text(ctx, plan_text, done=frozenset(state.implemented_files))
    prefix = await task_prefix(ctx, state, plan_text)
    messages = render_prompt("refine", prefix, ctx.root, prefix=prefix)
    reply = await ctx.call(state, "refine", f"refine/{state.run_of('refine')}", "refine", messages)
    refined_text = extract_plan_text(reply.text)
    ctx.store.write(state.id, "PLAN.refined.md", bounded(refined_text))
    listed = set(await ctx.files.list_files())
    try:
        refined = load_valid_plan(refined_text, ctx.root, lambda p: p in listed or (ctx.root / p).is_file())
    except PlanInvalid as err:
        ctx.ui.notify(
            "warning",
            "The refined plan was invalid and was not used (kept the previous PLAN.md): " + "; ".join(err.errors),
        )
        return plan
    ctx.store.write(state.id, "PLAN.before-refine.md", plan_text)
    rel = state.plan_path or plan_relpath(state.id)
    if refined_text != plan_text:
        outcome = await ctx.files.apply([FileChange(path=rel, base=base, new_text=refined_text, artifact=True)])
        if not outcome.ok:
            why = "; ".join(outcome.rejected.values())
            ctx.ui.notify(
                "warning",
                f"PLAN.md changed while it was being refined ({why}); kept your PLAN.md, "
                f"the refined plan is in .tierwise/tasks/{state.id}/PLAN.refined.md",
            )
            return plan
    state.plan_path = rel
    ctx.progress(state, "refine", "PLAN.md refined", kind="end")
    return refined

"""Phase 2, refine: a cheap pass over PLAN.md for edge cases, nullability, compatibility and typing.

The refined plan replaces PLAN.md only when it is valid; an invalid refinement keeps the current plan
(which was valid) and is reported, so a weak refine tier can never break a good plan.
"""

from __future__ import annotations

from tierwise.engine.plan import current_plan, plan_relpath, workspace_view
from tierwise.engine.planfile import Plan, PlanInvalid, extract_plan_text, load_valid_plan
from tierwise.engine.prompts import render_prompt
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState


async def run_refine(ctx: PhaseContext, state: TaskState) -> Plan:
    plan_text, plan = await current_plan(ctx, state)
    variables = await workspace_view(ctx, state, "refine")
    variables["plan"] = plan_text
    messages = render_prompt("refine", variables, ctx.root)
    reply = await ctx.call(state, "refine", f"refine/{state.run_of('refine')}", "refine", messages)
    refined_text = extract_plan_text(reply.text)
    ctx.store.write(state.id, "PLAN.refined.md", refined_text)
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
    ctx.store.write(state.id, "PLAN.md", refined_text)
    state.plan_path = plan_relpath(state.id)
    ctx.progress(state, "refine", "PLAN.md refined", kind="end")
    return refined

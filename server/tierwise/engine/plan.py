"""Phase 1, plan: the frontier tier writes PLAN.md (no code); it is parsed, validated, sent back once if bad."""

from __future__ import annotations

from tierwise.engine.context import files_section, plural, read_conventions, read_documents, repo_tree
from tierwise.engine.packs import code_names, files_views, plan_context
from tierwise.engine.planfile import Plan, PlanInvalid, extract_plan_text, load_valid_plan
from tierwise.engine.prompts import render_prompt
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState
from tierwise.gateway.types import Message

TREE_BUDGET_TOKENS = 1500
FILES_BUDGET_TOKENS = 6000


def plan_relpath(task_id: str) -> str:
    """Where PLAN.md lives, relative to the workspace (the user may open and edit it)."""
    return f".tierwise/tasks/{task_id}/PLAN.md"


async def workspace_view(ctx: PhaseContext, state: TaskState, action: str = "plan") -> dict[str, str]:
    """The shared prompt variables: repo tree, named/open files, the context engine's code, conventions."""
    listed = await ctx.files.list_files()
    docs = await read_documents(ctx.files, state.paths)
    views = await files_views(ctx, state.paths, code_names(state.task), "plan", action) if docs else None
    return {
        "task": state.task,
        "workspace": ctx.root.name,
        "repo_tree": repo_tree(listed, TREE_BUDGET_TOKENS),
        "files": views or (files_section(docs, FILES_BUDGET_TOKENS) if docs else "(none)"),
        "context": await plan_context(ctx, state, action, explore=action == "plan"),
        "conventions": await read_conventions(ctx.files),
    }


async def exists_map(ctx: PhaseContext) -> set[str]:
    return set(await ctx.files.list_files())


async def validate_text(ctx: PhaseContext, text: str, *, done: frozenset[str] | None = frozenset()) -> Plan:
    """Parse and validate; ``done`` files (already implemented) skip the existence check, and ``None``
    skips it for every file (phases after implement, when created or deleted files have moved on)."""
    if done is None:
        return load_valid_plan(text, ctx.root, None)
    present = await exists_map(ctx)

    def exists(path: str) -> bool:
        return path in present or path in done or (ctx.root / path).is_file()

    return load_valid_plan(text, ctx.root, exists)


async def run_plan(ctx: PhaseContext, state: TaskState) -> Plan:
    """Write a validated PLAN.md for the task, or raise ``PlanInvalid`` after the resends.

    A PLAN.md already in the task folder that validates (the user fixed a rejected plan, or a resume after
    the plan was written) is kept without a new call."""
    existing = ctx.store.read(state.id, "PLAN.md")
    if existing is not None:
        try:
            plan = await validate_text(ctx, existing)
        except PlanInvalid:
            pass
        else:
            state.plan_path = plan_relpath(state.id)
            ctx.save(state)
            return plan
    variables = await workspace_view(ctx, state)
    conversation: list[Message] = render_prompt("plan", variables, ctx.root)
    resends = ctx.config.loop.plan_resends
    last_error: PlanInvalid | None = None
    for attempt in range(resends + 1):
        reply = await ctx.call(state, "plan", f"plan/{attempt + 1}", "plan", conversation)
        text = extract_plan_text(reply.text)
        ctx.store.write(state.id, f"PLAN.attempt{attempt + 1}.md", text)
        try:
            plan = await validate_text(ctx, text)
        except PlanInvalid as err:
            last_error = err
            ctx.progress(state, "plan", f"the plan is invalid ({len(err.errors)} problems); sending it back")
            conversation = [
                *conversation,
                Message(role="assistant", content=reply.text),
                Message(role="user", content=resend_message(err)),
            ]
            continue
        ctx.store.write(state.id, "PLAN.md", text)
        state.plan_path = plan_relpath(state.id)
        ctx.save(state)
        ctx.progress(state, "plan", f"PLAN.md written: {plural(len(plan.files), 'file')}", kind="end")
        return plan
    assert last_error is not None
    ctx.store.write(state.id, "PLAN.md", text)
    state.plan_path = plan_relpath(state.id)
    raise last_error


def resend_message(err: PlanInvalid) -> str:
    problems = "\n".join(f"- {e}" for e in err.errors)
    return (
        "This PLAN.md cannot be used:\n"
        f"{problems}\n\n"
        "Answer with the complete corrected PLAN.md (all eight sections, files inside the workspace, no code)."
    )


async def read_plan_text(ctx: PhaseContext, state: TaskState) -> str:
    """PLAN.md as it is now: the editor's buffer when open, else the disk (the user may have edited it)."""
    rel = state.plan_path or plan_relpath(state.id)
    doc = await ctx.files.read(rel)
    if doc.text is not None:
        return doc.text
    text = ctx.store.read(state.id, "PLAN.md")
    if text is None:
        raise PlanInvalid([f"{rel} does not exist; run the plan phase first"])
    return text


async def current_plan(ctx: PhaseContext, state: TaskState, *, check_files: bool = True) -> tuple[str, Plan]:
    """Read and re-validate PLAN.md (raises ``PlanInvalid`` naming every problem)."""
    text = await read_plan_text(ctx, state)
    done = frozenset(state.implemented_files) if check_files else None
    return text, await validate_text(ctx, text, done=done)

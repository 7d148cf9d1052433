"""Each phase's context from the ``ContextPort``: the planner's pack, the implementers' shared view of the
plan's files (built once per implement run, byte-identical for every per-file call so providers can cache
it), the edited file's own view, and the views of files for fix and review.

Without a context port (or with ``context.enabled = false``) phases fall back to whole files within fixed
budgets (``tierwise.engine.context.files_section``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tierwise.context.types import ContextPack, Query
from tierwise.engine.context import estimate_tokens, read_documents
from tierwise.engine.explore import run_explore
from tierwise.engine.planfile import Plan
from tierwise.engine.ports import Document
from tierwise.engine.session import PhaseContext
from tierwise.engine.shown import Span, shown_in, without_shown
from tierwise.engine.state import TaskState

_CODE_NAME = re.compile(
    r"`([A-Za-z_][\w.]*)(?:\(\))?`|\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[a-z]+_\w+|[A-Z]\w*[a-z]\w*)\b"
)
_TRACE_FUNC = re.compile(r"\bin ([A-Za-z_]\w*)\b|\bat ([A-Za-z_][\w.]*) \(|([A-Za-z_]\w*)\(\)")
MIN_FILE_TOKENS = 600
SHOWN_ABOVE = "### {path}\n(unchanged since the task started: exactly as shown above among the files you named)"


def enabled(ctx: PhaseContext) -> bool:
    return ctx.context is not None and ctx.config.context.enabled


def code_names(text: str) -> list[str]:
    """Identifiers a plan or task spells as code (backticks, dotted, snake_case, CamelCase), in order."""
    names: list[str] = []
    for match in _CODE_NAME.finditer(text):
        name = match.group(1) or match.group(2)
        for part in [name, *name.split(".")[-1:], *name.split(".")[:1]]:
            if part and part not in names:
                names.append(part)
    return names


async def _refresh(ctx: PhaseContext, notes: list[str]) -> None:
    assert ctx.context is not None
    try:
        await ctx.context.refresh()
    except Exception as err:  # noqa: BLE001 - a broken index must not stop the loop
        notes.append(f"the index could not be refreshed ({type(err).__name__}: {err}); using what it has")


async def plan_context(ctx: PhaseContext, state: TaskState, action: str, *, explore: bool) -> str:
    """The planner's (or refiner's) context text; writes the task folder's ``context.md``."""
    if not enabled(ctx):
        return "(the context engine is off)"
    assert ctx.context is not None
    notes: list[str] = []
    await _refresh(ctx, notes)
    query = Query(task=state.task, named_files=tuple(state.paths), diff_files=tuple(state.touched_files))
    pins = []
    budget = ctx.context.budget("plan", action)
    if explore and ctx.config.context.explore == "on" and ctx.context.indexed_tokens() > budget:
        result = await run_explore(ctx, state, query)
        pins, notes = result.pins, notes + result.notes
        for note in result.notes:
            ctx.progress(state, "plan", note)
    try:
        pack = await ctx.context.pack(query, budget_tokens=budget, pins=pins)
    except Exception as err:  # noqa: BLE001 - a broken context engine must not stop the plan
        ctx.ui.notify(
            "warning", f"the context engine failed ({type(err).__name__}: {err}); planning without it"
        )
        return "(the context engine failed; see the warning)"
    _save_report(ctx, state, pack, notes, "context.md" if action == "plan" else f"context.{action}.md")
    return pack.text or "(no indexed code matched the task)"


def _save_report(ctx: PhaseContext, state: TaskState, pack: ContextPack, notes: list[str], name: str) -> None:
    extra = "".join(f"\n> {n}" for n in notes)
    ctx.store.write(state.id, name, pack.report().replace("\n\n## Items", f"{extra}\n\n## Items", 1))


def focus_for(plan_text: str, description: str) -> list[str]:
    return list(dict.fromkeys([*code_names(description), *code_names(plan_text)]))


async def implement_shared(
    ctx: PhaseContext, state: TaskState, plan_text: str, plan: Plan, shown: str = "", pack: str = ""
) -> str | None:
    """The plan's files (and the user's) as the implementers see them, built once per implement run and kept
    in the task folder, so that every per-file call gets the same bytes. A file whose view the task prefix
    already shows byte for byte (``shown``: the user's files) is a pointer to it, and so is each definition
    the prefix's context ``pack`` shows unchanged (``shown.without_shown``). None without a context port."""
    if not enabled(ctx):
        return None
    assert ctx.context is not None
    name = f"implement-context.{state.run_of('implement')}.md"
    stored = ctx.store.read(state.id, name)
    if stored is not None:
        return stored
    paths = list(dict.fromkeys([*plan.paths(include_deleted=False), *state.paths]))
    descriptions = {item.path: item.description or "" for item in plan.files}
    docs = [d for d in await read_documents(ctx.files, paths) if d.text is not None]
    spans = shown_in(pack, {d.path: d.text for d in docs})
    views = await _shared_views(ctx, plan_text, docs, descriptions, shown, spans)
    text = "\n\n".join(views) if docs else "(none)"
    ctx.store.write(state.id, name, text)
    return text


async def _shared_views(
    ctx: PhaseContext, plan_text: str, docs: Sequence[Document], descriptions: dict[str, str], shown: str = "",
    spans: dict[str, list[Span]] | None = None,
) -> list[str]:
    """Each file as its own implementer sees it (its ``file`` view), smallest first, while they fit within
    ``implement_tokens + file_tokens`` (what one call carried at most when the block and the edited file were
    separate), so the per-file calls need not repeat their file after the block; a file that does not fit
    gets a fair share of what is left (at least ``MIN_FILE_TOKENS``) and its own view again after the block."""
    assert ctx.context is not None
    file_budget = ctx.context.budget("file", "implement")
    left = ctx.context.budget("implement", "implement") + file_budget

    context = ctx.context

    async def view(doc: Document, budget: int) -> str:
        focus = focus_for(plan_text, descriptions.get(doc.path, ""))
        text = await context.file_view(doc.path, doc.text, focus=focus, budget_tokens=budget)
        return without_shown(text, doc.path, spans or {}, focus)

    full = [await view(d, file_budget) for d in docs]
    full = [SHOWN_ABOVE.format(path=d.path) if v.strip() and v in shown else v for d, v in zip(docs, full, strict=True)]
    views: dict[int, str] = {}
    order = sorted(range(len(docs)), key=lambda i: (estimate_tokens(full[i]), i))
    for rank, index in enumerate(order):
        others = len(order) - rank - 1
        if estimate_tokens(full[index]) <= left - MIN_FILE_TOKENS * others:
            views[index] = full[index]
        else:
            views[index] = await view(docs[index], max(MIN_FILE_TOKENS, left // (others + 1)))
        left -= estimate_tokens(views[index])
    return [views[i] for i in range(len(docs))]


async def file_view(
    ctx: PhaseContext,
    path: str,
    text: str | None,
    focus: Sequence[str],
    kind: str,
    action: str,
    *,
    numbers: bool = False,
    budget: int | None = None,
) -> str:
    assert ctx.context is not None
    tokens = budget if budget is not None else ctx.context.budget(kind, action)  # type: ignore[arg-type]
    return await ctx.context.file_view(path, text, focus=list(focus), budget_tokens=tokens, numbers=numbers)


def trace_names(log: str) -> list[str]:
    """Function names a traceback mentions (``in parse``, ``at Foo.bar (``, ``parse()``)."""
    names: list[str] = []
    for match in _TRACE_FUNC.finditer(log):
        name = next(g for g in match.groups() if g)
        if name not in names and name not in ("module", "test"):
            names.append(name)
    return names


async def _budgeted(ctx: PhaseContext, paths: Sequence[str], kind: str, action: str) -> tuple[list[Document], int]:
    """The readable files of ``paths`` and each one's share of the ``kind`` budget."""
    assert ctx.context is not None
    docs = [d for d in await read_documents(ctx.files, paths) if d.text is not None]
    share = max(MIN_FILE_TOKENS, ctx.context.budget(kind, action) // max(1, len(docs)))  # type: ignore[arg-type]
    return docs, share


async def files_views(
    ctx: PhaseContext,
    paths: Sequence[str],
    focus: Sequence[str],
    kind: str,
    action: str,
    *,
    numbers: bool = False,
) -> str | None:
    """Views of several files sharing the ``kind`` budget (None without a context port)."""
    if not enabled(ctx):
        return None
    assert ctx.context is not None
    docs, share = await _budgeted(ctx, paths, kind, action)
    if not docs:
        return "(none)"
    views = [await ctx.context.file_view(d.path, d.text, focus=list(focus), budget_tokens=share, numbers=numbers)
             for d in docs]  # fmt: skip
    return "\n\n".join(views)


async def related_code(
    ctx: PhaseContext,
    state: TaskState,
    action: str,
    *,
    traceback_files: Sequence[str] = (),
    focus: Sequence[str] = (),
    extra: str = "",
) -> str:
    """A retrieval pack for fix: the code around the failure (no explore call)."""
    if not enabled(ctx):
        return "(the context engine is off)"
    assert ctx.context is not None
    notes: list[str] = []
    await _refresh(ctx, notes)
    query = Query(task=f"{state.task}\n{extra}", named_files=tuple(state.paths), diff_files=tuple(state.touched_files),
                  traceback_files=tuple(traceback_files), focus_symbols=tuple(focus))  # fmt: skip
    try:
        pack = await ctx.context.pack(query, budget_tokens=ctx.context.budget("fix", action) // 2)
    except Exception as err:  # noqa: BLE001 - the fix goes on with the files alone
        ctx.ui.notify("warning", f"the context engine failed ({type(err).__name__}: {err})")
        return "(none)"
    return pack.text or "(none)"


WHOLE_TOKENS = 1200
"""A file whose numbered view is at most this is shown whole to review and fix (its regions would not be
much smaller)."""


async def compact_views(
    ctx: PhaseContext,
    state: TaskState,
    paths: Sequence[str],
    marked: dict[str, list[int]],
    focus: Sequence[str],
    kind: str,
    action: str,
    *,
    why: str,
    mark_names: Sequence[str] = (),
    numbers: bool = True,
) -> str | None:
    """Views of several files for review and fix, numbered: a small file whole; a larger one as the
    definitions enclosing its ``marked`` lines (what the task changed, what the failing log points at), each
    whole (``engine.changed``), and the definitions named ``mark_names`` (a traceback's functions); a file with
    nothing marked, or whose regions would not fit its share of the budget, as its usual view around ``focus``.
    A definition the task prefix's pack shows unchanged is a pointer to it. None without a context port."""
    if not enabled(ctx):
        return None
    assert ctx.context is not None
    from tierwise.engine.changed import definitions, regions, render
    from tierwise.engine.plan import task_context

    docs, share = await _budgeted(ctx, paths, kind, action)
    if not docs:
        return "(none)"
    spans = shown_in((await task_context(ctx, state))["context"], {d.path: d.text for d in docs})
    views: list[str] = []
    for doc in docs:
        text = doc.text or ""
        view = await ctx.context.file_view(doc.path, text, focus=list(focus), budget_tokens=share, numbers=numbers)
        whole = "Outline:\n" not in view
        if marked.get(doc.path) or mark_names:
            outline = await ctx.context.file_view(doc.path, text, focus=[], budget_tokens=1, numbers=True)
            lines = text.splitlines()
            defs = definitions(outline, len(lines))
            named = [d.start for d in defs if d.name and d.name in mark_names]
            marks = [*marked.get(doc.path, []), *named]
        else:
            marks = []
        if marks and not (whole and estimate_tokens(view) <= WHOLE_TOKENS):
            compact = render(doc.path, lines, regions(lines, defs, marks), why)
            if estimate_tokens(compact) <= share:
                view = compact
        views.append(without_shown(view, doc.path, spans, focus))
    return "\n\n".join(views)


CHANGES_NOTE = (
    "Each change within its enclosing definition, as the file is now (`N | ` an unchanged line, `N + ` a line "
    "the task added or changed, `  - ` a line it removed; numbers and marks are not part of the file):"
)


async def changes_view(ctx: PhaseContext, paths: Sequence[str], diff: str, max_tokens: int) -> str | None:
    """The task's changes for review: per changed file, each definition enclosing a change, whole, numbered
    as the file is now, with the added lines marked and the removed ones in place (``changed.render_changes``);
    a small file whole. A file that no longer exists keeps its part of the unified diff. None without a
    context port, when the diff names no file, or when it all takes more than ``max_tokens`` (the caller
    then shows the diff and the files within their budgets)."""
    if not enabled(ctx):
        return None
    assert ctx.context is not None
    from tierwise.engine.changed import definitions, diff_marks, file_diffs, regions, render_changes

    marks = diff_marks(diff)
    docs = {d.path: d.text for d in await read_documents(ctx.files, paths)}
    parts: list[str] = []
    for path, (added, removed) in marks.items():
        text = docs.get(path)
        if text is None:
            continue
        lines = text.splitlines()
        if estimate_tokens(text) + 2 * len(lines) <= WHOLE_TOKENS:
            spans = [(1, len(lines), "the whole file")] if lines else []
        else:
            outline = await ctx.context.file_view(path, text, focus=[], budget_tokens=1, numbers=True)
            spans = regions(lines, definitions(outline, len(lines)), [*added, *removed])
        parts.append(render_changes(path, lines, spans, added, removed))
    for path, deleted, chunk in file_diffs(diff):  # deleted, or not readable now: its part of the diff
        if deleted or docs.get(path) is None:
            mark = "````" if "```" in chunk else "```"
            parts.append(f"### {path} ({'deleted' if deleted else 'its diff'})\n{mark}diff\n{chunk.strip()}\n{mark}")
    text = CHANGES_NOTE + "\n" + "\n\n".join(parts)
    return text if parts and estimate_tokens(text) <= max_tokens else None

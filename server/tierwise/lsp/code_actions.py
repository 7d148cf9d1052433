"""Code actions, built from memory (no model call, no disk access) so ``textDocument/codeAction`` stays fast.

- every diagnostic in the range, from any source → quick fix "Fix with tierwise (TIER: MODEL)". With
  ``codeAction/resolve`` support for ``edit`` the action carries only ``data`` and the model call happens on
  resolve; otherwise it carries the ``tierwise.quickFix`` command.
- tierwise review diagnostics with a suggestion → "Apply reviewer's suggestion" (no model call), resolved
  the same way or through the ``tierwise.applyFinding`` command.
- source actions: plan a task from the selection, or from a TODO/FIXME comment in the range.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from tierwise.lsp.findings import finding_id_of

QUICKFIX = types.CodeActionKind.QuickFix
SOURCE_PLAN = "source.tierwise.plan"
KIND_QUICKFIX = "tierwise.quickfix"
KIND_FINDING = "tierwise.finding"
_TODO = re.compile(r"(?:#|//|/\*|--|;|<!--|\*)\s*(TODO|FIXME|XXX)\b[:\s-]*(?P<text>.*?)(?:\*/|-->)?\s*$")
MAX_TASK_CHARS = 4000


def wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Whether ``kind`` passes the client's ``context.only`` filter (prefix match per the spec)."""
    if not only:
        return True
    return any(kind == prefix or kind.startswith(f"{prefix}.") for prefix in only)


def quick_fix_label(tier: str, model: str | None) -> str:
    return f"Fix with tierwise ({tier}: {model or 'no model configured'})"


def quick_fix_actions(
    uri: str,
    version: int | None,
    diagnostics: Sequence[types.Diagnostic],
    label: str,
    *,
    lazy: bool,
    unstructure: Any,
) -> list[types.CodeAction]:
    """One quick fix per diagnostic; ``lazy`` for clients that resolve ``edit``."""
    actions = []
    for diagnostic in diagnostics:
        if lazy:
            actions.append(
                types.CodeAction(
                    title=label,
                    kind=QUICKFIX,
                    diagnostics=[diagnostic],
                    data={"kind": KIND_QUICKFIX, "uri": uri, "version": version},
                )
            )
            continue
        arguments = [{"uri": uri, "diagnostic": unstructure(diagnostic)}]
        actions.append(
            types.CodeAction(
                title=label,
                kind=QUICKFIX,
                diagnostics=[diagnostic],
                command=types.Command(title=label, command="tierwise.quickFix", arguments=arguments),
            )
        )
    return actions


def finding_actions(
    uri: str, diagnostics: Sequence[types.Diagnostic], *, lazy: bool
) -> list[types.CodeAction]:
    """ "Apply reviewer's suggestion" for tierwise diagnostics whose finding carries a suggested edit."""
    actions = []
    for diagnostic in diagnostics:
        finding_id = finding_id_of(diagnostic)
        if finding_id is None or not (
            isinstance(diagnostic.data, dict) and diagnostic.data.get("hasSuggestion")
        ):
            continue
        title = "Apply reviewer's suggestion (tierwise)"
        data = {"kind": KIND_FINDING, "uri": uri, "findingId": finding_id}
        if lazy:
            actions.append(
                types.CodeAction(
                    title=title, kind=QUICKFIX, diagnostics=[diagnostic], is_preferred=True, data=data
                )
            )
        else:
            arguments = [{"uri": uri, "findingId": finding_id}]
            command = types.Command(title=title, command="tierwise.applyFinding", arguments=arguments)
            actions.append(
                types.CodeAction(
                    title=title, kind=QUICKFIX, diagnostics=[diagnostic], is_preferred=True, command=command
                )
            )
    return actions


def todo_comment(lines: Sequence[str]) -> tuple[int, str] | None:
    """The first TODO/FIXME comment in ``lines``: (index, text)."""
    for index, line in enumerate(lines):
        if "TODO" not in line and "FIXME" not in line and "XXX" not in line:
            continue
        match = _TODO.search(line)
        if match and match.group("text").strip():
            return index, match.group("text").strip()
    return None


def source_actions(uri: str, relpath: str, source: str, selection: types.Range) -> list[types.CodeAction]:
    """ "plan a task from this selection / TODO comment" (commands, so they work in every client)."""
    actions = []
    lines = source.splitlines()
    first, last = selection.start.line, min(selection.end.line, max(len(lines) - 1, 0))
    selected_lines = lines[first : last + 1]
    has_selection = (selection.start.line, selection.start.character) != (
        selection.end.line,
        selection.end.character,
    )
    if has_selection and selected_lines:
        text = "\n".join(selected_lines).strip()
        if text:
            task = f"{text[:MAX_TASK_CHARS]}\n\n(selected in {relpath}, lines {first + 1}-{last + 1})"
            actions.append(_plan_action("tierwise: plan a task from this selection", task, uri))
    todo = todo_comment(selected_lines)
    if todo is not None:
        index, text = todo
        task = f"{text[:MAX_TASK_CHARS]}\n\n(TODO comment at {relpath}:{first + index + 1})"
        actions.append(_plan_action("tierwise: plan a task from this TODO comment", task, uri))
    return actions


def _plan_action(title: str, task: str, uri: str) -> types.CodeAction:
    command = types.Command(title=title, command="tierwise.plan", arguments=[{"task": task, "uris": [uri]}])
    return types.CodeAction(title=title, kind=SOURCE_PLAN, command=command)


def resolve_support(caps: types.ClientCapabilities | None) -> bool:
    """The client resolves ``edit`` lazily (``textDocument.codeAction.resolveSupport.properties``)."""
    code_action = caps.text_document.code_action if caps and caps.text_document else None
    support = code_action.resolve_support if code_action else None
    return bool(support and "edit" in (support.properties or []))

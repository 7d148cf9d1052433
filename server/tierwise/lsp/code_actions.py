"""Code actions, built from memory (no model call, no disk access) so ``textDocument/codeAction`` stays fast.

- every diagnostic in the range, from any source → quick fix "Fix with tierwise (TIER: MODEL)". With
  ``codeAction/resolve`` support for ``edit`` the action carries ``data`` and the model call happens on
  resolve; otherwise it carries the ``tierwise.quickFix`` command.
- a lazy action carries the command ``tierwise.applyCodeAction {actionId}``: resolve prepares the change
  (and answers without an ``edit``), the command applies it through ``workspace/applyEdit`` like every
  other tierwise edit (versioned, saved when the file had no unsaved changes) — see ``client_edits.py``.
- tierwise review diagnostics with a suggestion → "Apply reviewer's suggestion" (no model call), resolved
  the same way or through the ``tierwise.applyFinding`` command.
- source actions: plan a task from the selection, or from a TODO/FIXME comment in the range.

The request is handled as plain JSON (see ``protocol.py``): the client's diagnostics are echoed back as it
sent them and the answer is serialized without a typed round trip, which keeps a 200-diagnostic request
within a few milliseconds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from tierwise.lsp.findings import SOURCE

QUICKFIX = str(types.CodeActionKind.QuickFix.value)
SOURCE_PLAN = "source.tierwise.plan"
KIND_QUICKFIX = "tierwise.quickfix"
KIND_FINDING = "tierwise.finding"
_TODO = re.compile(r"(?:#|//|/\*|--|;|<!--|\*)\s*(TODO|FIXME|XXX)\b[:\s-]*(?P<text>.*?)(?:\*/|-->)?\s*$")
MAX_TASK_CHARS = 4000
APPLY_CODE_ACTION = "tierwise.applyCodeAction"
Json = dict[str, Any]
_action_ids = itertools.count(1)


def _apply_command(title: str) -> tuple[str, Json]:
    """A fresh action id and the ``tierwise.applyCodeAction`` command that applies what resolve prepared."""
    action_id = f"a{next(_action_ids)}"
    return action_id, {"title": title, "command": APPLY_CODE_ACTION, "arguments": [{"actionId": action_id}]}


def wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Whether ``kind`` passes the client's ``context.only`` filter (prefix match per the spec)."""
    if not only:
        return True
    return any(kind == prefix or kind.startswith(f"{prefix}.") for prefix in only)


def quick_fix_label(tier: str, model: str | None) -> str:
    return f"Fix with tierwise ({tier}: {model or 'no model configured'})"


def quick_fix_actions(
    uri: str, version: int | None, diagnostics: Sequence[Json], label: str, *, lazy: bool
) -> list[Json]:
    """One quick fix per diagnostic; ``lazy`` for clients that resolve ``edit``."""
    if lazy:
        actions = []
        for d in diagnostics:
            action_id, command = _apply_command(label)
            data = {"kind": KIND_QUICKFIX, "uri": uri, "version": version, "actionId": action_id}
            actions.append({"title": label, "kind": QUICKFIX, "diagnostics": [d], "data": data, "command": command})
        return actions
    return [
        {
            "title": label,
            "kind": QUICKFIX,
            "diagnostics": [d],
            "command": {
                "title": label,
                "command": "tierwise.quickFix",
                "arguments": [{"uri": uri, "diagnostic": d}],
            },
        }
        for d in diagnostics
    ]


def finding_id_of(diagnostic: Json) -> str | None:
    """The finding id a tierwise review diagnostic carries, when it has a suggested edit."""
    data = diagnostic.get("data")
    if diagnostic.get("source") != SOURCE or not isinstance(data, dict) or not data.get("hasSuggestion"):
        return None
    value = data.get("findingId")
    return value if isinstance(value, str) else None


def finding_actions(uri: str, diagnostics: Sequence[Json], *, lazy: bool) -> list[Json]:
    """ "Apply reviewer's suggestion" for tierwise diagnostics whose finding carries a suggested edit."""
    actions = []
    title = "Apply reviewer's suggestion (tierwise)"
    for diagnostic in diagnostics:
        finding_id = finding_id_of(diagnostic)
        if finding_id is None:
            continue
        action: Json = {"title": title, "kind": QUICKFIX, "diagnostics": [diagnostic], "isPreferred": True}
        if lazy:
            action_id, action["command"] = _apply_command(title)
            action["data"] = {"kind": KIND_FINDING, "uri": uri, "findingId": finding_id, "actionId": action_id}
        else:
            arguments = [{"uri": uri, "findingId": finding_id}]
            action["command"] = {"title": title, "command": "tierwise.applyFinding", "arguments": arguments}
        actions.append(action)
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


def source_actions(uri: str, relpath: str, lines: Sequence[str], selection: Json) -> list[Json]:
    """ "plan a task from this selection / TODO comment" (commands, so they work in every client)."""
    actions = []
    start, end = selection["start"], selection["end"]
    first, last = start["line"], min(end["line"], max(len(lines) - 1, 0))
    selected = [line.rstrip("\r\n") for line in lines[first : last + 1]]
    has_selection = (start["line"], start["character"]) != (end["line"], end["character"])
    if has_selection and selected:
        text = "\n".join(selected).strip()
        if text:
            task = f"{text[:MAX_TASK_CHARS]}\n\n(selected in {relpath}, lines {first + 1}-{last + 1})"
            actions.append(_plan_action("tierwise: plan a task from this selection", task, uri))
    todo = todo_comment(selected)
    if todo is not None:
        index, text = todo
        task = f"{text[:MAX_TASK_CHARS]}\n\n(TODO comment at {relpath}:{first + index + 1})"
        actions.append(_plan_action("tierwise: plan a task from this TODO comment", task, uri))
    return actions


def _plan_action(title: str, task: str, uri: str) -> Json:
    command = {"title": title, "command": "tierwise.plan", "arguments": [{"task": task, "uris": [uri]}]}
    return {"title": title, "kind": SOURCE_PLAN, "command": command}


def resolve_support(caps: types.ClientCapabilities | None) -> bool:
    """The client resolves ``edit`` lazily (``textDocument.codeAction.resolveSupport.properties``)."""
    code_action = caps.text_document.code_action if caps and caps.text_document else None
    support = code_action.resolve_support if code_action else None
    return bool(support and "edit" in (support.properties or []))


# -- the raw request ------------------------------------------------------------------------------------
def _is_position(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("line"), int)
        and isinstance(value.get("character"), int)
        and value["line"] >= 0
        and value["character"] >= 0
    )


def _is_range(value: Any) -> bool:
    return isinstance(value, dict) and _is_position(value.get("start")) and _is_position(value.get("end"))


def valid_params(params: Any) -> bool:
    """The shape ``textDocument/codeAction`` needs; anything else goes through full (typed) validation,
    which answers ``InvalidParams`` with the reason."""
    if not isinstance(params, dict) or not _is_range(params.get("range")):
        return False
    document, context = params.get("textDocument"), params.get("context")
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("uri"), str)
        or not isinstance(context, dict)
    ):
        return False
    diagnostics, only = context.get("diagnostics"), context.get("only")
    if not isinstance(diagnostics, list) or not (
        only is None or (isinstance(only, list) and all(isinstance(k, str) for k in only))
    ):
        return False
    return all(
        isinstance(d, dict) and _is_range(d.get("range")) and isinstance(d.get("message"), str)
        for d in diagnostics
    )

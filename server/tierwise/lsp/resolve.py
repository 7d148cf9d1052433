"""``codeAction/resolve``: the model call of a quick fix (or the location of a reviewer's suggestion) happens
here, when the user picks the action. The changes are kept for the action's ``tierwise.applyCodeAction``
command, which applies them through ``workspace/applyEdit`` with the version the engine read — so a buffer
that moved meanwhile refuses the edit instead of losing what was typed, and the file is saved afterwards
like after every tierwise edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tierwise.lsp import workspace_edit as wse
from tierwise.lsp.code_actions import KIND_FINDING

if TYPE_CHECKING:
    from tierwise.engine.ports import FileChange
    from tierwise.lsp.session import Session


class ResolveFailed(JsonRpcException):
    CODE = -32803  # RequestFailed


async def resolve_action(session: Session, action: types.CodeAction, data: dict[str, Any]) -> types.CodeAction:
    """Make the model call (or locate the suggestion) now. An action with an ``actionId`` keeps its
    ``tierwise.applyCodeAction`` command and gets no ``edit``: the command applies the prepared changes through
    ``workspace/applyEdit`` (see ``client_edits.py``). Older actions without one get the ``edit``."""
    action_id = data.get("actionId")
    try:
        changes = await _changes_for(session, action, data)
    except ResolveFailed as err:
        if isinstance(action_id, str):
            session.client_edits.failed(action_id, str(err.message))
        raise
    if isinstance(action_id, str):
        finding_id = str(data["findingId"]) if data["kind"] == KIND_FINDING else None
        session.client_edits.remember(action_id, changes, finding_id=finding_id)
        return action
    action.edit = workspace_edit(session, changes)
    return action


async def _changes_for(session: Session, action: types.CodeAction, data: dict[str, Any]) -> list[FileChange]:
    if data["kind"] == KIND_FINDING:
        changes = await _suggestion_changes(session, str(data["findingId"]))
    else:
        changes = await _quick_fix_changes(session, action, str(data["uri"]))
    if not changes:
        raise ResolveFailed("tierwise found nothing to change for this diagnostic")
    return changes


async def _quick_fix_changes(session: Session, action: types.CodeAction, uri: str) -> list[FileChange]:
    from tierwise.lsp.engine_host import EngineUnavailable
    from tierwise.lsp.long_tasks import diagnostic_info

    if not action.diagnostics:
        raise ResolveFailed("the code action lost its diagnostic; ask for code actions again")
    path = session.relpath(uri)
    diagnostic = session.server.protocol._converter.unstructure(action.diagnostics[0])
    info = await diagnostic_info(diagnostic)
    try:
        engine = await session.host.engine()  # type: ignore[union-attr]
        return list(await engine.quick_fix(path, info))
    except EngineUnavailable as err:
        raise ResolveFailed(str(err)) from None
    except Exception as err:  # a gateway error (no key, budget) or a refused answer: tell the user why
        from tierwise.gateway.types import GatewayError

        if isinstance(err, GatewayError):
            session.report("error", f"tierwise quick fix: {err}")
        raise ResolveFailed(f"tierwise quick fix failed: {err}") from None


async def _suggestion_changes(session: Session, finding_id: str) -> list[FileChange]:
    from tierwise.lsp.suggestions import SuggestionDoesNotApply, changes_for_suggestion

    finding = session.findings.get(finding_id)
    if finding is None or not finding.suggestion:
        raise ResolveFailed("this review finding is gone (the code changed or a new review ran)")
    try:
        return await changes_for_suggestion(session.files, session.require_root(), finding.suggestion)  # type: ignore[arg-type]
    except SuggestionDoesNotApply as err:
        raise ResolveFailed(f"the reviewer's suggestion no longer applies: {err}") from None


def workspace_edit(session: Session, changes: list[FileChange]) -> types.WorkspaceEdit:
    """All changes as one edit for the client; new and deleted files need its resource operations."""
    support = session.edit_support()
    edits = []
    for change in changes:
        uri = session.uri(change.path)
        if change.new_text is None:
            _require(support, wse.DELETE, change.path)
            edits.append(wse.delete_edit(uri))
        elif change.base.text is None:
            _require(support, wse.CREATE, change.path)
            edits.append(wse.create_edit(uri, change.new_text))
        else:
            edits.append(
                wse.modify_edit(uri, change.base.version, change.base.text, change.new_text, support)
            )
    return wse.merge(edits)


def _require(support: wse.ClientEditSupport, operation: str, path: str) -> None:
    if not support.supports(operation):
        raise ResolveFailed(f"the fix would {operation} {path}, which this editor cannot do in a code action")

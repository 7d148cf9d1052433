"""A client without codeAction/resolve and without resource operations: quick fixes run as commands
(tierwise.quickFix, tierwise.applyFinding) and new/deleted files are written on disk, atomically."""

from __future__ import annotations

import lsp_scripts as s
import pytest
from lsp_helpers import code_actions, execute, wait_for
from lsp_loop import Loop, open_calc_with_lint_finding
from lsprotocol import types

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK = "Fix add() in calc.py: it subtracts"


def _calc(mini: Loop) -> str:
    return (mini.root / "calc.py").read_text(encoding="utf-8")


async def test_files_are_created_and_deleted_on_disk(mini: Loop):
    implement = [s.rule("mid", s.IMPLEMENT_MARK, s.IMPLEMENT), s.rule("mid", s.IMPLEMENT_MARK, s.CREATE_SUB)]
    await mini.use(s.loop_script(plan=s.PLAN_CREATE, implement=implement))
    calc = mini.uri("calc.py")
    mini.editor.open(calc, _calc(mini))
    _, final = await mini.run("run", {"task": TASK, "phases": ["plan", "implement"], "approve": False})
    assert final["state"] == "done", final
    operations = [type(c).__name__ for e in mini.editor.edits for c in (e.edit.document_changes or [])]
    assert "CreateFile" not in operations and "DeleteFile" not in operations
    assert operations == ["TextDocumentEdit"]  # only the open calc.py went through the editor
    assert (mini.root / "sub.py").read_text() == "def sub(a, b):\n    return a - b\n"
    assert not (mini.root / "notes.txt").exists()
    assert "return a + b" in mini.editor.text(calc) and "return a + b" in _calc(mini)


async def test_quick_fix_runs_as_a_command_and_applies_through_apply_edit(mini: Loop):
    await mini.use({"rules": [s.rule("light", s.QUICKFIX_MARK, s.QUICK_FIX)]})
    calc, params = open_calc_with_lint_finding(mini)
    (action,) = [a for a in await code_actions(mini.client, params) if a["kind"] == "quickfix"]
    command = action["command"]
    task_id = await mini.start(command["command"][len("tierwise.") :], command["arguments"][0])
    final = await mini.finished(task_id)
    assert final["state"] == "done" and final["message"] == "applied the quick fix to calc.py"
    assert "return a + b" in mini.editor.text(calc)
    (edit,) = mini.editor.edits
    assert edit.edit.document_changes[0].text_document.version == 1


async def test_review_finding_applies_with_the_apply_finding_command(mini: Loop):
    await mini.use(s.loop_script())
    task_id, final = await mini.run("run", {"task": TASK, "approve": False})
    assert final["state"] == "done", final
    calc = mini.uri("calc.py")
    (diag,) = await wait_for(lambda: mini.client.diagnostics.get(calc))
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=calc),
        range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag]),
    )
    actions = await code_actions(mini.client, params)
    apply = next(a for a in actions if a["title"] == "Apply reviewer's suggestion (tierwise)")
    assert apply["command"]["command"] == "tierwise.applyFinding"
    calls = len(mini.requests())
    side_task = await mini.start("applyFinding", apply["command"]["arguments"][0])
    assert (await mini.finished(side_task))["state"] == "done"
    assert len(mini.requests()) == calls  # no model call
    assert '"""Sum of a and b."""' in _calc(mini)  # calc.py is closed: written on disk
    await wait_for(lambda: len(mini.client.diagnostics[calc]) == 0)
    # the finding is gone: applying it again is a clear error
    from pygls.exceptions import JsonRpcException

    with pytest.raises(JsonRpcException) as caught:
        await execute(mini.client, "tierwise.applyFinding", apply["command"]["arguments"][0])
    assert caught.value.code == -32602 and "no review finding" in str(caught.value)
    assert (await execute(mini.client, "tierwise.status", {"taskId": task_id}))["task"]["status"] == "done"

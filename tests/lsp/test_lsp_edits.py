"""Edits through the editor: a buffer that moved under an edit (nothing typed is lost), a client that refuses
edits, a file changed on disk during a task, a quick fix resolved lazily, and resource operations."""

from __future__ import annotations

import lsp_scripts as s
import pytest
from lsp_helpers import code_actions, execute, wait_for
from lsp_loop import Loop, open_calc_with_lint_finding
from lsprotocol import types

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK = "Fix add() in calc.py: it subtracts"
PLAN_AND_IMPLEMENT = {"task": TASK, "phases": ["plan", "implement"], "approve": False}


def _calc(lp: Loop) -> str:
    return (lp.root / "calc.py").read_text(encoding="utf-8")


async def test_user_types_while_the_edit_arrives_nothing_is_lost(lp: Loop):
    await lp.use(s.loop_script())
    calc = lp.uri("calc.py")
    original = _calc(lp)
    lp.editor.open(calc, original)
    # the user types a comment on top just as the first edit reaches the editor
    lp.editor.before_apply = lambda _params: lp.editor.type_text(calc, 0, 0, "# typed by the user\n")
    task_id, final = await lp.run("run", PLAN_AND_IMPLEMENT)
    assert final["state"] == "done", final
    text = lp.editor.text(calc)
    assert text.startswith("# typed by the user\n") and "return a + b" in text
    first, second = [e for e in lp.editor.edits if e.label == "tierwise: edit calc.py"]
    assert first.edit.document_changes[0].text_document.version == 1  # refused: the buffer was at 2
    assert second.edit.document_changes[0].text_document.version == 2  # recomputed on the new text
    # the buffer holds unsaved typing, so write-through leaves the saved file alone (the user saves)
    assert _calc(lp) == original


async def test_a_client_that_refuses_edits_keeps_its_text(lp: Loop):
    await lp.use(s.loop_script(implement=[s.rule("mid", s.IMPLEMENT_MARK, s.IMPLEMENT, times=0)]))
    calc = lp.uri("calc.py")
    original = _calc(lp)
    lp.editor.open(calc, original)
    lp.editor.reject_count = 100
    task_id, final = await lp.run("run", PLAN_AND_IMPLEMENT)
    assert lp.editor.text(calc) == original and _calc(lp) == original
    refused = [e for e in lp.editor.edits if e.label == "tierwise: edit calc.py"]
    assert len(refused) >= 2  # the engine recomputed at least once before giving up
    task = (await execute(lp.client, "tierwise.status", {"taskId": task_id}))["task"]
    assert task["refused_files"] == ["calc.py"] or final["state"] == "failed"
    assert (await execute(lp.client, "tierwise.status"))["running"] == []


async def test_a_file_changed_on_disk_during_the_task_is_reread(lp: Loop):
    implement = s.hang(s.rule("mid", s.IMPLEMENT_MARK, s.IMPLEMENT), seconds=3)
    await lp.use(s.loop_script(implement=[implement]))
    task_id = await lp.start("run", PLAN_AND_IMPLEMENT)
    await wait_for(
        lambda: any(
            st["taskId"] == task_id and "asking mid" in (st.get("message") or "") for st in lp.editor.status
        )
    )
    (lp.root / "calc.py").write_text("# changed outside the editor\n" + _calc(lp), encoding="utf-8")
    final = await lp.finished(task_id)
    assert final["state"] == "done", final
    assert _calc(lp).startswith("# changed outside the editor\n") and "return a + b" in _calc(lp)


async def test_quick_fix_resolves_with_a_model_call(lp: Loop):
    await lp.use({"rules": [s.rule("light", s.QUICKFIX_MARK, s.QUICK_FIX)]})
    calc, params = open_calc_with_lint_finding(lp)
    actions = await code_actions(lp.client, params)
    assert lp.requests() == []  # codeAction itself never calls a model
    (action,) = [a for a in actions if a["title"].startswith("Fix with tierwise")]
    resolved = await lp.client.code_action_resolve_async(
        lp.client.protocol._converter.structure(action, types.CodeAction)
    )
    (request,) = lp.requests()
    assert request["model"] == "replay-light"
    prompt = "\n".join(m["content"] for m in request["messages"])
    assert "add() subtracts its arguments" in prompt and "def add(a, b):" in prompt
    # no edit for the client to apply on its own: the action's command applies it through applyEdit
    assert resolved.edit is None and resolved.command.command == "tierwise.applyCodeAction"
    assert lp.editor.edits == []
    answer = await execute(lp.client, resolved.command.command, resolved.command.arguments[0])
    assert answer["applied"] is True
    (params,) = lp.editor.edits
    assert params.edit.document_changes[0].text_document.version == 1  # the version resolve read
    assert "return a + b" in lp.editor.text(calc)
    # the buffer had no unsaved changes: the edit ends saved (written through for a plugin-less client)
    assert _calc(lp) == lp.editor.text(calc)
    # ... and the plugin-less client is told so (LSP cannot clear its buffer's modified mark; issue #12)
    await wait_for(lambda: [m for m in lp.client.messages if "tierwise saved its edit of calc.py" in m.message])
    with pytest.raises(Exception, match="expired or was already applied"):  # one action, one edit
        await execute(lp.client, resolved.command.command, resolved.command.arguments[0])
    assert len(lp.editor.edits) == 1


async def test_new_and_deleted_files_use_resource_operations(lp: Loop):
    implement = [s.rule("mid", s.IMPLEMENT_MARK, s.IMPLEMENT), s.rule("mid", s.IMPLEMENT_MARK, s.CREATE_SUB)]
    await lp.use(s.loop_script(plan=s.PLAN_CREATE, implement=implement))
    task_id, final = await lp.run("run", PLAN_AND_IMPLEMENT)
    assert final["state"] == "done", final
    operations = [type(c).__name__ for e in lp.editor.edits for c in (e.edit.document_changes or [])]
    assert "CreateFile" in operations and "DeleteFile" in operations
    assert (lp.root / "sub.py").read_text() == "def sub(a, b):\n    return a - b\n"  # written through
    assert not (lp.root / "notes.txt").exists()
    assert "return a + b" in _calc(lp)  # calc.py was closed: written atomically, no applyEdit
    assert not [e for e in lp.editor.edits if e.label == "tierwise: edit calc.py"]

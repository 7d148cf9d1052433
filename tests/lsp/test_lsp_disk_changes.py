"""The saved file changed by another program while its buffer is open: refine's write-through of PLAN.md does
not overwrite it, and a plugin-less client is told the buffer and the saved file differ (not that the buffer
had unsaved changes: saving it would lose the other program's change)."""

from __future__ import annotations

import lsp_scripts as s
import pytest
from lsp_helpers import code_actions, execute, wait_for
from lsp_loop import Loop, open_calc_with_lint_finding
from lsprotocol import types

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK = "Fix add() in calc.py: it subtracts"
REFINED = s.PLAN.replace("## Constraints\n", "## Constraints\nAdd a docstring to add().\n")
OTHER = "- Written in PLAN.md by another program while it was open in the editor."
SAVED = "- Typed and saved by the user."


async def _planned(lp: Loop) -> tuple[str, str]:
    await lp.use({"rules": [s.rule("frontier", s.PLAN_MARK, s.PLAN), s.rule("light", s.REFINE_MARK, REFINED)]})
    task_id, final = await lp.run("plan", {"task": TASK})
    assert final["state"] == "ready", final
    return task_id, f".tierwise/tasks/{task_id}/PLAN.md"


async def test_refine_leaves_a_plan_changed_on_disk_by_another_program(lp: Loop):
    task_id, rel = await _planned(lp)
    plan = lp.root / rel
    lp.editor.open(lp.uri(rel), plan.read_text(encoding="utf-8"), language="markdown")  # a clean buffer
    plan.write_text(s.PLAN.replace("## Constraints\n", f"## Constraints\n{OTHER}\n"), encoding="utf-8")
    _, final = await lp.run("refine", {"taskId": task_id})
    assert final["state"] == "ready", final
    assert lp.editor.text(lp.uri(rel)) == REFINED  # the refinement is in the buffer
    assert OTHER in plan.read_text(encoding="utf-8")  # the other program's change is still on disk
    await wait_for(lambda: [m for m in lp.client.messages if f"{rel} is in your editor but not on disk" in m.message])


async def test_refine_saves_over_what_the_user_saved_from_the_buffer(lp: Loop):
    task_id, rel = await _planned(lp)
    plan, uri = lp.root / rel, lp.uri(rel)
    lp.editor.open(uri, plan.read_text(encoding="utf-8"), language="markdown")
    index = lp.editor.text(uri).splitlines().index("## Constraints")
    lp.editor.type_text(uri, index + 1, 0, SAVED + "\n")
    plan.write_text(lp.editor.text(uri), encoding="utf-8")  # :w
    lp.client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    lp.editor.type_text(uri, 0, 0, "<!-- unsaved -->\n")
    _, final = await lp.run("refine", {"taskId": task_id})
    assert final["state"] == "ready", final
    assert plan.read_text(encoding="utf-8") == lp.editor.text(uri) == REFINED  # saved: it was made from all of it


async def test_a_clean_buffer_behind_a_changed_file_is_not_called_unsaved(lp: Loop):
    await lp.use({"rules": [s.rule("light", s.QUICKFIX_MARK, s.QUICK_FIX)]})
    calc, params = open_calc_with_lint_finding(lp)
    other = "# written by another program\n" + (lp.root / "calc.py").read_text(encoding="utf-8")
    (lp.root / "calc.py").write_text(other, encoding="utf-8")
    mark = len(lp.client.messages)
    actions = await code_actions(lp.client, params)
    (action,) = [a for a in actions if a["title"].startswith("Fix with tierwise")]
    resolved = await lp.client.code_action_resolve_async(
        lp.client.protocol._converter.structure(action, types.CodeAction)
    )
    assert (await execute(lp.client, resolved.command.command, resolved.command.arguments[0]))["applied"] is True
    assert (lp.root / "calc.py").read_text(encoding="utf-8") == other  # left alone
    (shown,) = await wait_for(lambda: [m.message for m in lp.client.messages[mark:] if "calc.py" in m.message])
    assert "the buffer and the saved file differed" in shown and "unsaved changes" in shown
    assert "the buffer had unsaved changes" not in shown and "check the file on disk" in shown

"""Open buffers stay the truth (issue #12, items 5–7): refine edits an open PLAN.md through its buffer and keeps
what the user typed there, undo restores open buffers through ``workspace/applyEdit`` and refuses when the
user changed them since the task, and a buffer opened at version 0 (Neovim) gets versioned edits from the
first one."""

from __future__ import annotations

import re

import lsp_scripts as s
import pytest
from lsp_helpers import execute
from lsp_loop import Loop

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK = "Fix add() in calc.py: it subtracts"
USER_NOTE = "- Keep mul() exactly as it is (note typed by the user, unsaved)."
REFINED = s.PLAN.replace("## Constraints\n", f"## Constraints\n{USER_NOTE}\nAdd a docstring to add().\n")


def _disk(lp: Loop, rel: str) -> str:
    return (lp.root / rel).read_text(encoding="utf-8")


def _insert_after(lp: Loop, uri: str, heading: str, line_text: str) -> None:
    """The user types ``line_text`` on the line after ``heading`` (an incremental didChange, not saved)."""
    index = lp.editor.text(uri).splitlines().index(heading)
    lp.editor.type_text(uri, index + 1, 0, line_text + "\n")


async def test_refine_edits_the_open_plan_in_its_buffer_and_keeps_the_users_unsaved_text(lp: Loop):
    # only if it read the note (the plan, note included, is in the shared prefix, before refine's instructions)
    refine = s.rule("light", f"(?s)^(?=.*{s.REFINE_MARK})(?=.*{re.escape(USER_NOTE)})", REFINED)
    await lp.use({"rules": [s.rule("frontier", s.PLAN_MARK, s.PLAN), refine]})
    task_id, final = await lp.run("plan", {"task": TASK})
    assert final["state"] == "ready", final
    plan_rel = f".tierwise/tasks/{task_id}/PLAN.md"
    plan_uri = lp.uri(plan_rel)
    lp.editor.open(plan_uri, _disk(lp, plan_rel), language="markdown", version=0)  # as Neovim opens it
    _insert_after(lp, plan_uri, "## Constraints", USER_NOTE)
    assert USER_NOTE not in _disk(lp, plan_rel)

    _, final = await lp.run("refine", {"taskId": task_id})
    assert final["state"] == "ready", final
    (edit,) = [e for e in lp.editor.edits if e.label == f"tierwise: edit {plan_rel}"]
    assert edit.edit.document_changes[0].text_document.version == 1  # against the buffer the user typed in
    assert lp.editor.text(plan_uri) == REFINED  # the refined plan, with the user's note in it
    assert _disk(lp, plan_rel) == REFINED  # saved: it holds everything the buffer held


async def test_refine_keeps_a_plan_the_user_changes_during_the_model_call(lp: Loop):
    refine = s.hang(s.rule("light", s.REFINE_MARK, REFINED), seconds=2)
    await lp.use({"rules": [s.rule("frontier", s.PLAN_MARK, s.PLAN), refine]})
    task_id, _ = await lp.run("plan", {"task": TASK})
    plan_rel = f".tierwise/tasks/{task_id}/PLAN.md"
    plan_uri = lp.uri(plan_rel)
    lp.editor.open(plan_uri, _disk(lp, plan_rel), language="markdown")
    mark = len(lp.editor.status)
    await execute(lp.client, "tierwise.refine", {"taskId": task_id})
    await lp.editor.wait_status(task_id, ("running",), since=mark)
    _insert_after(lp, plan_uri, "## Constraints", "- typed while refine runs")
    final = await lp.finished(task_id, since=mark)
    assert final["state"] == "ready", final
    assert "- typed while refine runs" in lp.editor.text(plan_uri)  # nothing typed is lost
    assert "Add a docstring to add()." not in lp.editor.text(plan_uri)
    assert _disk(lp, plan_rel) == s.PLAN
    assert any("PLAN.refined.md" in m.message for m in lp.client.messages)


async def _implemented_with_calc_open(lp: Loop, version: int = 1) -> tuple[str, str, str]:
    await lp.use(s.loop_script())
    calc = lp.uri("calc.py")
    original = _disk(lp, "calc.py")
    lp.editor.open(calc, original, version=version)
    task_id, final = await lp.run("run", {"task": TASK, "phases": ["plan", "implement"], "approve": False})
    assert final["state"] == "done", final
    assert "return a + b" in lp.editor.text(calc) and _disk(lp, "calc.py") == lp.editor.text(calc)
    return task_id, calc, original


async def test_undo_restores_an_open_buffer_through_apply_edit(lp: Loop):
    task_id, calc, original = await _implemented_with_calc_open(lp, version=0)
    (first,) = [e for e in lp.editor.edits if e.label == "tierwise: edit calc.py"]
    assert first.edit.document_changes[0].text_document.version == 0  # a real version from the first edit
    lp.editor.edits.clear()
    undone = await execute(lp.client, "tierwise.undo", {"taskId": task_id})
    assert undone["restored"] == ["calc.py"]
    (edit,) = lp.editor.edits  # the buffer, not the disk behind it
    assert edit.edit.document_changes[0].text_document.version == 1
    assert lp.editor.text(calc) == original and _disk(lp, "calc.py") == original


async def test_undo_refuses_when_the_user_changed_the_buffer_since_the_task(lp: Loop):
    task_id, calc, _ = await _implemented_with_calc_open(lp)
    lp.editor.type_text(calc, 0, 0, "# unsaved note\n")
    typed, saved = lp.editor.text(calc), _disk(lp, "calc.py")
    lp.editor.edits.clear()
    with pytest.raises(Exception, match="calc.py was changed after the task edited it"):
        await execute(lp.client, "tierwise.undo", {"taskId": task_id})
    assert lp.editor.edits == [] and lp.editor.text(calc) == typed and _disk(lp, "calc.py") == saved


PLAN_TWO_FILES = s.PLAN.replace(
    "- modify `calc.py`: in `add()`, return `a + b` instead of `a - b`.",
    "- modify `calc.py`: in `add()`, return `a + b` instead of `a - b`.\n- modify `notes.txt`: mark the TODO done.",
)
NOTES_DONE = """notes.txt
<<<<<<< SEARCH
# TODO: add a subtract function to calc.py
=======
# DONE: add a subtract function to calc.py
>>>>>>> REPLACE
"""


async def _implemented_two_files(lp: Loop) -> tuple[str, str]:
    """calc.py (open in the editor) and notes.txt (not open) edited by one task."""
    implement = [
        s.rule("mid", r"Your file: `calc\.py`", s.IMPLEMENT),
        s.rule("mid", r"Your file: `notes\.txt`", NOTES_DONE),
    ]
    await lp.use(s.loop_script(plan=PLAN_TWO_FILES, implement=implement))
    calc = lp.uri("calc.py")
    lp.editor.open(calc, _disk(lp, "calc.py"))
    task_id, final = await lp.run("run", {"task": TASK, "phases": ["plan", "implement"], "approve": False})
    assert final["state"] == "done", final
    assert "# DONE" in _disk(lp, "notes.txt") and "a + b" in lp.editor.text(calc)
    return task_id, calc


@pytest.mark.parametrize("how", ["the editor declines", "the user types meanwhile"])
async def test_a_refused_buffer_restore_leaves_the_closed_files_alone(lp: Loop, how: str):
    task_id, calc = await _implemented_two_files(lp)
    if how == "the editor declines":
        lp.editor.reject_next = "the user declined"
    else:
        lp.editor.before_apply = lambda _p: lp.editor.type_text(calc, 5, 0, "# typed during undo\n")
    with pytest.raises(Exception, match=r"undo stopped: calc.py could not be restored in the editor .*; "
                       "nothing was restored"):
        await execute(lp.client, "tierwise.undo", {"taskId": task_id})
    assert "# DONE" in _disk(lp, "notes.txt")  # not restored behind the refusal
    assert "a + b" in _disk(lp, "calc.py")
    lp.editor.before_apply = None
    undone = await execute(lp.client, "tierwise.undo", {"taskId": task_id, "force": True})  # still undoable
    assert "notes.txt" in undone["restored"] and "# TODO" in _disk(lp, "notes.txt")


async def test_undo_refuses_before_anything_when_a_closed_file_changed(lp: Loop):
    task_id, calc = await _implemented_two_files(lp)
    (lp.root / "notes.txt").write_text("# DONE, and more notes\n", encoding="utf-8")
    lp.editor.edits.clear()
    with pytest.raises(Exception, match=r"notes.txt (was )?changed after the task"):
        await execute(lp.client, "tierwise.undo", {"taskId": task_id})
    assert lp.editor.edits == [] and "a + b" in lp.editor.text(calc)  # the open buffer was not restored first

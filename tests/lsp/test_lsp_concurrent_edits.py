"""Two tierwise edits of one file at once (two reviewer's suggestions, a task and a quick fix) are applied one
after the other, each on the other's result; a task cancelled while its edit is with the editor records it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import lsp_scripts as s
import pytest
import pytest_asyncio
from lsp_helpers import capabilities, execute, wait_for
from lsp_loop import Loop, _open_loop

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK = "Fix add() in calc.py: it subtracts"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def plain(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Loop]:
    """A client without ``documentChanges``: its edits carry no version, nothing refuses a stale one."""
    caps = capabilities("visual-studio-code", resolve=False, resource_ops=False)
    caps.workspace.workspace_edit.document_changes = False  # type: ignore[union-attr]
    loop = await _open_loop(tmp_path_factory, "plain", caps)
    yield loop
    await loop.stop()
    await loop.client.shutdown_session()


def _disk(lp: Loop) -> str:
    return (lp.root / "calc.py").read_text(encoding="utf-8")


async def _two_findings(lp: Loop) -> list[str]:
    await lp.use(s.two_findings_script())
    _, final = await lp.run("run", {"task": TASK, "approve": False})
    assert final["state"] == "done", final
    calc = lp.uri("calc.py")
    diags = await wait_for(lambda: (d := lp.client.diagnostics.get(calc)) and len(d) == 2 and d)
    return [d.data["findingId"] for d in diags]


async def _apply_both(lp: Loop, ids: list[str]) -> list[dict]:
    calc = lp.uri("calc.py")
    answers = await asyncio.gather(
        *[execute(lp.client, "tierwise.applyFinding", {"uri": calc, "findingId": i}) for i in ids]
    )
    return [await lp.finished(a["taskId"], since=0) for a in answers]


async def test_two_suggestions_on_one_buffer_while_the_first_edit_is_in_flight(plain: Loop):
    lp = plain
    ids = await _two_findings(lp)
    calc = lp.uri("calc.py")
    lp.editor.open(calc, _disk(lp))

    async def hold(_params):  # the editor sits on the first edit until the second arrives (or 2 s pass)
        with contextlib.suppress(TimeoutError):
            await wait_for(lambda: len(lp.editor.edits) >= 2, timeout=2)

    lp.editor.before_apply = hold
    finals = await _apply_both(lp, ids)
    assert [f["state"] for f in finals] == ["done", "done"], finals
    await wait_for(lambda: lp.editor.text(calc) == s.BOTH_DOCSTRINGS, timeout=5)
    assert _disk(lp) == s.BOTH_DOCSTRINGS


async def test_two_suggestions_on_one_closed_file_both_land(lp: Loop):
    for _ in range(3):  # a race on disk: without serializing, one write clobbers the other most runs
        ids = await _two_findings(lp)
        finals = await _apply_both(lp, ids)
        assert [f["state"] for f in finals] == ["done", "done"], finals
        assert _disk(lp) == s.BOTH_DOCSTRINGS


async def test_cancel_while_the_edit_is_with_the_editor_records_it(lp: Loop):
    await lp.use(s.loop_script())
    calc = lp.uri("calc.py")
    lp.editor.open(calc, _disk(lp))
    started: dict[str, str] = {}

    async def cancel_now(_params):  # the user hits Cancel while the editor holds the edit
        await execute(lp.client, "tierwise.cancel", {"taskId": started["id"]})
        await asyncio.sleep(0.3)

    lp.editor.before_apply = cancel_now
    started["id"] = task_id = await lp.start(
        "run", {"task": TASK, "phases": ["plan", "implement"], "approve": False}
    )
    final = await lp.finished(task_id)
    assert final["state"] in ("cancelled", "resumable"), final
    assert lp.editor.text(calc) == s.FIXED_CALC
    await wait_for(lambda: _disk(lp) == s.FIXED_CALC, timeout=5)  # written through like any applied edit
    task = (await execute(lp.client, "tierwise.status", {"taskId": task_id}))["task"]
    assert "calc.py" in task["written"]
    answer = await execute(lp.client, "tierwise.undo", {"taskId": task_id})
    assert answer["restored"] == ["calc.py"]
    await wait_for(lambda: lp.editor.text(calc) == s.CALC_FILES["calc.py"], timeout=5)

"""Review diagnostics stay on their text: they move when tierwise writes a file that is not open and when the
user presses Enter at the start of a flagged line, and "Fix with tierwise" on a moved one still uses the
reviewer's suggestion (no model call)."""

from __future__ import annotations

import lsp_scripts as s
import pytest
from lsp_helpers import code_actions, execute, wait_for
from lsp_loop import Loop
from lsprotocol import types

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK = "Fix add() in calc.py: it subtracts"


def _disk(lp: Loop) -> str:
    return (lp.root / "calc.py").read_text(encoding="utf-8")


async def _reviewed(lp: Loop) -> tuple[str, dict[str, types.Diagnostic]]:
    await lp.use(s.two_findings_script())
    _, final = await lp.run("run", {"task": TASK, "approve": False})
    assert final["state"] == "done", final
    calc = lp.uri("calc.py")
    diags = await wait_for(lambda: (d := lp.client.diagnostics.get(calc)) and len(d) == 2 and d)
    return calc, {d.message.split("(")[0]: d for d in diags}


def _mul_line(lp: Loop, calc: str) -> int | None:
    mul = [d for d in lp.client.diagnostics.get(calc) or [] if d.message.startswith("mul()")]
    return mul[0].range.start.line if mul else None


async def test_findings_move_when_tierwise_writes_a_file_that_is_not_open(lp: Loop):
    calc, diags = await _reviewed(lp)
    assert diags["add"].range.start.line == 0 and diags["mul"].range.start.line == 4
    answer = await execute(lp.client, "tierwise.applyFinding", {"uri": calc, "findingId": diags["add"].data["findingId"]})
    assert (await lp.finished(answer["taskId"], since=0))["state"] == "done"
    assert '"""Sum of a and b."""' in _disk(lp)  # written on disk: calc.py is not open
    await wait_for(lambda: len(lp.client.diagnostics.get(calc) or []) == 1)
    assert _mul_line(lp, calc) == 5  # one line down, still on `def mul(a, b):`
    assert _disk(lp).splitlines()[5] == "def mul(a, b):"


async def test_enter_at_the_start_of_a_flagged_line_moves_its_finding(lp: Loop):
    calc, _ = await _reviewed(lp)
    lp.editor.open(calc, _disk(lp))
    lp.editor.type_text(calc, 4, 0, "\n")  # Enter at column 0 of `def mul(a, b):`
    await wait_for(lambda: _mul_line(lp, calc) == 5)
    lp.editor.type_text(calc, 5, 0, "# note")  # typing on the flagged line itself still drops it
    await wait_for(lambda: _mul_line(lp, calc) is None)


async def test_fix_with_tierwise_on_a_moved_review_diagnostic_uses_the_suggestion(lp: Loop):
    calc, _ = await _reviewed(lp)
    lp.editor.open(calc, _disk(lp))
    lp.editor.type_text(calc, 2, 0, "X = 1\nY = 2\nZ = 3\n")  # lines above mul()
    await wait_for(lambda: _mul_line(lp, calc) == 7)
    (diag,) = [d for d in lp.client.diagnostics[calc] if d.message.startswith("mul()")]
    calls = len(lp.requests())
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=calc),
        range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag]),
    )
    actions = await code_actions(lp.client, params)
    (action,) = [a for a in actions if a["title"].startswith("Fix with tierwise")]
    resolved = await lp.client.code_action_resolve_async(
        lp.client.protocol._converter.structure(action, types.CodeAction)
    )
    answer = await execute(lp.client, resolved.command.command, resolved.command.arguments[0])
    assert answer["applied"] is True
    assert len(lp.requests()) == calls  # no model call: the reviewer's suggestion was the fix
    assert 'def mul(a, b):\n    """Product of a and b."""\n' in lp.editor.text(calc)

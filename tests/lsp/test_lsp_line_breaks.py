"""Only ``\\n``, ``\\r\\n`` and ``\\r`` break lines, as in LSP: a form feed (a Python page break) or U+2028 in a
buffer must not shift the server's copy of it, or the next tierwise edit garbles the buffer."""

from __future__ import annotations

import lsp_scripts as s
import pytest
from lsp_helpers import code_actions, execute
from lsp_loop import Loop
from lsprotocol import types

from tierwise.lsp.documents import LspTextDocument

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


def _lint_params(uri: str, line: int) -> types.CodeActionParams:
    diag = types.Diagnostic(
        range=types.Range(start=types.Position(line=line, character=4), end=types.Position(line=line, character=16)),
        message="add() subtracts its arguments",
        source="mylinter",
    )
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag]),
    )


@pytest.mark.parametrize("brk", ["\x0c", "\u2028", "\x1e\x85"])
async def test_typing_after_a_page_break_then_a_quick_fix(lp: Loop, brk: str):
    text = f"# page one\n{brk}\ndef add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
    await lp.use({"rules": [s.rule("light", s.QUICKFIX_MARK, s.QUICK_FIX)]})
    (lp.root / "calc.py").write_text(text, encoding="utf-8")
    doc = lp.uri("calc.py")
    lp.editor.open(doc, text)
    lp.editor.type_text(doc, 4, 0, "    # checked\n")  # a line under `return a - b` (incremental didChange)
    before = lp.editor.text(doc)
    actions = await code_actions(lp.client, _lint_params(doc, 3))
    (action,) = [a for a in actions if a["title"].startswith("Fix with tierwise")]
    resolved = await lp.client.code_action_resolve_async(
        lp.client.protocol._converter.structure(action, types.CodeAction)
    )
    prompt = "\n".join(m["content"] for m in lp.requests()[-1]["messages"])
    assert "    return a - b\n    # checked\n" in prompt  # the model saw the buffer the user sees
    answer = await execute(lp.client, resolved.command.command, resolved.command.arguments[0])
    assert answer["applied"] is True
    assert lp.editor.text(doc) == before.replace("a - b", "a + b")


async def test_document_lines_and_incremental_changes_follow_lsp_line_breaks() -> None:
    doc = LspTextDocument("file:///x.py", source="a\x0cb\r\nc\u2028d\re\n")
    assert doc.lines == ("a\x0cb\r\n", "c\u2028d\r", "e\n")
    doc.apply_change(
        types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=2, character=0), end=types.Position(line=2, character=1)),
            text="E",
        )
    )
    assert doc.source == "a\x0cb\r\nc\u2028d\rE\n"
    assert doc.offset_at_position(types.Position(line=1, character=2)) == len("a\x0cb\r\nc\u2028")

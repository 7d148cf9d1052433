"""Code actions answered from memory: lazy quick fixes (resolve) or command quick fixes, source actions."""

from __future__ import annotations

import pytest
from lsp_helpers import capabilities, code_actions, execute, start_client, uri
from lsprotocol import types

pytestmark = pytest.mark.slow  # each test starts `tierwise serve`


def _diag(line: int, message: str, source: str = "pyright") -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=line, character=4), end=types.Position(line=line, character=9)
        ),
        message=message,
        severity=types.DiagnosticSeverity.Error,
        source=source,
        code="reportGeneralTypeIssues",
    )


def _params(doc_uri: str, diagnostics: list[types.Diagnostic], rng: types.Range | None = None, only=None):
    rng = rng or types.Range(
        start=types.Position(line=1, character=0), end=types.Position(line=1, character=0)
    )
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc_uri),
        range=rng,
        context=types.CodeActionContext(diagnostics=diagnostics, only=only),
    )


async def test_quick_fix_per_diagnostic_is_lazy_with_resolve_support(lsp):
    client, editor = lsp
    doc = uri(editor.root, "calc.py")
    editor.open(doc, (editor.root / "calc.py").read_text())
    diagnostics = [_diag(1, "wrong operator"), _diag(4, "unused", source="ruff")]
    actions = await code_actions(client, _params(doc, diagnostics))
    quick = [a for a in actions if a["kind"] == "quickfix"]
    assert [a["title"] for a in quick] == ["Fix with tierwise (light: openai/replay-light)"] * 2
    for action, diagnostic in zip(quick, diagnostics, strict=True):
        assert "edit" not in action  # the model call waits for resolve
        action_id = action["data"]["actionId"]
        assert action["data"] == {"kind": "tierwise.quickfix", "uri": doc, "version": 1, "actionId": action_id}
        # resolve prepares the change; this command applies it through workspace/applyEdit (then saved)
        assert action["command"]["command"] == "tierwise.applyCodeAction"
        assert action["command"]["arguments"] == [{"actionId": action_id}]
        assert action["diagnostics"][0]["message"] == diagnostic.message


async def test_quick_fix_carries_a_command_without_resolve_support(workspace, client_name):
    from lsp_helpers import write_config

    from tierwise.replay.fixtures import replay_tier_config

    write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
    client, editor, _ = await start_client(
        workspace,
        capabilities(client_name, resolve=False),
        init_options={"tierwise": {"lsp": {"warmUp": False}}},
    )
    try:
        await execute(client, "tierwise.status")
        doc = uri(workspace, "calc.py")
        editor.open(doc, (workspace / "calc.py").read_text())
        actions = await code_actions(client, _params(doc, [_diag(1, "wrong operator")]))
        (action,) = [a for a in actions if a["kind"] == "quickfix"]
        assert "data" not in action and action["command"]["command"] == "tierwise.quickFix"
        (argument,) = action["command"]["arguments"]
        assert argument["uri"] == doc
        assert argument["diagnostic"]["message"] == "wrong operator"
        assert argument["diagnostic"]["range"]["start"] == {"line": 1, "character": 4}
    finally:
        await client.shutdown_session()


async def test_source_actions_plan_from_selection_and_todo(lsp):
    client, editor = lsp
    doc = uri(editor.root, "notes.txt")
    editor.open(doc, (editor.root / "notes.txt").read_text(), language="plaintext")
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=44))
    actions = await code_actions(client, _params(doc, [], whole, only=["source"]))
    titles = {a["title"]: a for a in actions}
    assert set(titles) == {
        "tierwise: plan a task from this selection",
        "tierwise: plan a task from this TODO comment",
    }
    todo = titles["tierwise: plan a task from this TODO comment"]
    assert todo["kind"] == "source.tierwise.plan" and todo["command"]["command"] == "tierwise.plan"
    (argument,) = todo["command"]["arguments"]
    assert argument["task"].startswith("add a subtract function to calc.py")
    assert "notes.txt:1" in argument["task"] and argument["uris"] == [doc]
    # a cursor (empty range) on the TODO line offers only the TODO action; quickfix-only asks get none
    cursor = types.Range(start=types.Position(line=0, character=3), end=types.Position(line=0, character=3))
    actions = await code_actions(client, _params(doc, [], cursor))
    assert [a["title"] for a in actions] == ["tierwise: plan a task from this TODO comment"]
    assert await code_actions(client, _params(doc, [], cursor, only=["quickfix"])) == []


async def test_code_action_label_follows_the_quickfix_route_from_init_options(workspace, client_name):
    from lsp_helpers import write_config

    from tierwise.replay.fixtures import replay_tier_config

    write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
    options = {"tierwise": {"lsp": {"warmUp": False}, "routes": {"quickfix": "mid"}}}
    client, editor, _ = await start_client(workspace, capabilities(client_name), init_options=options)
    try:
        await execute(client, "tierwise.status")
        doc = uri(workspace, "calc.py")
        editor.open(doc, (workspace / "calc.py").read_text())
        actions = await code_actions(client, _params(doc, [_diag(1, "x")]))
        assert actions[0]["title"] == "Fix with tierwise (mid: openai/replay-mid)"
    finally:
        await client.shutdown_session()

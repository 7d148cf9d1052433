"""Start-up answer, command validation and malformed input: the server answers errors and stays up."""

from __future__ import annotations

import pytest
from lsp_helpers import execute, send_raw_notification, send_raw_request
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.slow  # each test starts `tierwise serve`

COMMANDS = {
    "tierwise.plan",
    "tierwise.refine",
    "tierwise.implement",
    "tierwise.testFix",
    "tierwise.review",
    "tierwise.run",
    "tierwise.cancel",
    "tierwise.undo",
    "tierwise.quickFix",
    "tierwise.status",
    "tierwise.cost",
    "tierwise.applyFinding",
    "tierwise.showContext",
}


async def test_initialize_advertises_commands_code_actions_and_encoding(lsp, client_name):
    client, editor = lsp
    caps = editor.result.capabilities
    assert set(caps.execute_command_provider.commands) == COMMANDS
    assert caps.code_action_provider.resolve_provider is True
    assert types.CodeActionKind.QuickFix in caps.code_action_provider.code_action_kinds
    sync = caps.text_document_sync
    assert sync.change == types.TextDocumentSyncKind.Incremental
    # Neovim prefers utf-8, VS Code announces nothing (utf-16 default)
    expected = "utf-8" if client_name == "neovim" else "utf-16"
    assert str(getattr(caps.position_encoding, "value", caps.position_encoding)) == expected


async def test_status_and_cost_answer_before_any_task(lsp):
    client, _ = lsp
    status = await execute(client, "tierwise.status")
    assert status["running"] == [] and status["tasks"] == []
    assert status["configured"] is True and status["configError"] is None
    cost = await execute(client, "tierwise.cost", {})
    assert cost["calls"] == 0 and cost["costUsd"] == 0


@pytest.mark.parametrize(
    ("command", "args", "needle"),
    [
        ("tierwise.plan", None, "task: Field required"),
        ("tierwise.plan", {"task": "   "}, "task must not be blank"),
        ("tierwise.plan", {"task": "x", "bogus": 1}, "bogus: unknown field"),
        ("tierwise.refine", {"taskId": 42}, "taskId"),
        ("tierwise.cancel", "not-an-object", "expects an object"),
        ("tierwise.quickFix", {"uri": "file:///x.py", "diagnostic": {"message": "m"}}, "diagnostic.range"),
        ("tierwise.plan", {"task": "t", "uris": ["file:///etc/passwd"]}, "outside the workspace"),
    ],
)
async def test_bad_arguments_are_invalid_params(lsp, command, args, needle):
    client, _ = lsp
    with pytest.raises(JsonRpcException) as caught:
        await execute(client, command, args)
    assert caught.value.code == -32602
    assert needle in str(caught.value)
    assert (await execute(client, "tierwise.status"))["running"] == []  # still answering


async def test_unknown_command_and_garbage_params_get_errors(lsp):
    client, editor = lsp
    with pytest.raises(JsonRpcException) as caught:
        await execute(client, "tierwise.bogus", {})
    assert caught.value.code == -32602 and "tierwise.bogus" in str(caught.value)

    with pytest.raises(JsonRpcException) as caught:
        await send_raw_request(client, "textDocument/codeAction", {"garbage": True})
    assert caught.value.code == -32602 and "textDocument/codeAction" in str(caught.value)

    with pytest.raises(JsonRpcException) as caught:
        await client.protocol.send_request_async("tierwise/noSuchMethod", {})
    assert caught.value.code == -32601

    # a broken notification is ignored, the server keeps answering
    send_raw_notification(client, "textDocument/didChange", {"textDocument": 5})
    with pytest.raises(JsonRpcException):
        await execute(client, "tierwise.cancel", [])  # type: ignore[arg-type]
    assert (await execute(client, "tierwise.cancel", {"taskId": "nope"}))["cancelled"] is False


async def test_user_errors_are_logged_in_one_line_without_a_traceback(workspace, tmp_path):
    from lsp_helpers import capabilities, start_client, write_config

    from tierwise.replay.fixtures import replay_tier_config

    write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
    log = tmp_path / "server.log"
    client, _, _ = await start_client(
        workspace, capabilities("neovim"), init_options={"tierwise": {"lsp": {"warmUp": False}}},
        server_args=["--log-file", str(log), "--log-level", "info"],
    )
    try:
        for command, args in (
            ("tierwise.plan", {"bogus": 1}),  # payload validation: InvalidParams
            ("tierwise.bogus", {}),  # unknown command: InvalidParams
            ("tierwise.status", {"taskId": "no-such-task"}),  # a task that is not there: RequestFailed
        ):
            with pytest.raises(JsonRpcException):
                await execute(client, command, args)
    finally:
        await client.shutdown_session()
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    errors = [line for line in text.splitlines() if "answered with error" in line]
    assert len(errors) == 3, errors
    assert "workspace/executeCommand request" in errors[0] and "-32602" in errors[0] and "bogus: unknown field" in errors[0]
    assert "'tierwise.bogus' is not defined" in errors[1]
    assert "-32803" in errors[2] and "no-such-task" in errors[2]


async def test_a_file_outside_the_workspace_gets_no_actions(lsp, tmp_path):
    client, _ = lsp
    outside = (tmp_path / "elsewhere.py").as_uri()
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=outside),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[]),
    )
    assert await client.text_document_code_action_async(params) is None

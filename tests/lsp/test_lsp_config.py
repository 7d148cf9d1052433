"""Configuration: initializationOptions, didChangeConfiguration (push and pull), .tierwise.toml changes on
disk, and a bad configuration (error shown, server up)."""

from __future__ import annotations

import pytest
from lsp_helpers import capabilities, code_actions, execute, start_client, uri, wait_for, write_config
from lsprotocol import types

from tierwise.replay.fixtures import replay_tier_config

pytestmark = pytest.mark.slow  # each test starts `tierwise serve`

NO_WARMUP = {"lsp": {"warmUp": False}}


async def _title(client, editor, root) -> str:
    doc = uri(root, "calc.py")
    if doc not in editor.buffers:
        editor.open(doc, (root / "calc.py").read_text())
    diag = types.Diagnostic(
        range=types.Range(start=types.Position(line=1, character=0), end=types.Position(line=1, character=3)),
        message="m",
    )
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc),
        range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag], only=["quickfix"]),
    )
    (action,) = await code_actions(client, params)
    return action["title"]


async def _generation(client) -> int:
    return (await execute(client, "tierwise.status"))["configGeneration"]


async def test_did_change_configuration_push_and_pull(workspace, client_name):
    write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
    client, editor, _ = await start_client(
        workspace, capabilities(client_name), init_options={"tierwise": NO_WARMUP}
    )
    try:
        first = await _generation(client)
        assert await _title(client, editor, workspace) == "Fix with tierwise (light: openai/replay-light)"
        first = await _generation(client)
        # pushed settings (Neovim style: the settings ride in the notification)
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"tierwise": {"routes": {"quickfix": "frontier"}}})
        )
        await wait_for(lambda: _newer(client, first))
        assert (
            await _title(client, editor, workspace) == "Fix with tierwise (frontier: openai/replay-frontier)"
        )
        # pulled settings (VS Code style: settings null, the server asks workspace/configuration) win
        second = await _generation(client)
        client.set_configuration({"routes": {"quickfix": "mid"}}, section="tierwise")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await wait_for(lambda: _newer(client, second))
        assert await _title(client, editor, workspace) == "Fix with tierwise (mid: openai/replay-mid)"
    finally:
        await client.shutdown_session()


async def _newer(client, generation: int) -> bool:
    return await _generation(client) > generation


async def test_bad_config_shows_an_error_and_the_server_stays_up(workspace, client_name):
    (workspace / ".tierwise.toml").write_text('[routes]\nquickfix = "nosuchtier"\n', encoding="utf-8")
    client, editor, _ = await start_client(
        workspace, capabilities(client_name), init_options={"tierwise": NO_WARMUP}
    )
    try:
        status = await execute(client, "tierwise.status")
        assert status["configured"] is False
        assert "nosuchtier" in status["configError"]
        await wait_for(lambda: any("nosuchtier" in m.message for m in client.messages))
        error = next(m for m in client.messages if "nosuchtier" in m.message)
        assert error.type == types.MessageType.Error and ".tierwise.toml" in error.message
        # commands that need the engine say why they cannot run
        result = await execute(client, "tierwise.plan", {"task": "anything"})
        await editor.wait_status(result["taskId"], ("failed",))
        assert any("not configured" in m.message for m in client.messages)
        # fixing the file on disk reloads the configuration (watchdog)
        write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
        await wait_for(lambda: _configured(client), timeout=20)
        assert await _title(client, editor, workspace) == "Fix with tierwise (light: openai/replay-light)"
    finally:
        await client.shutdown_session()


async def _configured(client) -> bool:
    return (await execute(client, "tierwise.status"))["configured"]


async def test_unknown_lsp_option_is_reported_not_fatal(workspace, client_name):
    write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
    options = {"tierwise": {"lsp": {"warmUp": False, "writeThru": True}}}
    client, _, _ = await start_client(workspace, capabilities(client_name), init_options=options)
    try:
        await wait_for(lambda: any("writeThru" in m.message for m in client.messages))
        assert (await execute(client, "tierwise.status"))["configured"] is True
    finally:
        await client.shutdown_session()

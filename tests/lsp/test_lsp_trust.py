"""Workspace trust (initializationOptions.trusted, the tierwise/trust notification) and the warning when the
workspace's own file sends an API key to a host that is neither loopback nor the key's provider."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_helpers import TEST_KEY, capabilities, execute, start_client, toml_dumps, wait_for, write_config
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tierwise.config.loader import key_destination_warnings, resolve_config
from tierwise.lsp.trust import from_init_options, runs_project_commands
from tierwise.replay.fixtures import replay_tier_config

NO_WARMUP = {"lsp": {"warmUp": False}}


# -- pure parts -------------------------------------------------------------------------------------------
def test_trust_comes_from_init_options_and_anything_but_a_boolean_is_untrusted():
    assert from_init_options(None) == (True, None, None)
    assert from_init_options({"tierwise": {"a": 1}}) == (True, {"tierwise": {"a": 1}}, None)
    assert from_init_options({"tierwise": {}, "trusted": False}) == (False, {"tierwise": {}}, None)
    trusted, rest, problem = from_init_options({"budget": {}, "trusted": "false"})
    assert (trusted, rest) == (False, {"budget": {}}) and "must be true or false" in (problem or "")
    assert runs_project_commands("tierwise.testFix", None)
    assert runs_project_commands("tierwise.run", None) and runs_project_commands("tierwise.run", ["fix"])
    assert not runs_project_commands("tierwise.run", ["plan", "implement"])
    assert not runs_project_commands("tierwise.plan", None)


def _resolve(root: Path, tiers: dict, *, user: dict | None = None) -> list[str]:
    (root / ".tierwise.toml").write_text(toml_dumps({"tiers": tiers}), encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(root / "xdg")}
    if user is not None:
        (root / "xdg" / "tierwise").mkdir(parents=True, exist_ok=True)
        (root / "xdg" / "tierwise" / "config.toml").write_text(toml_dumps(user), encoding="utf-8")
    return key_destination_warnings(resolve_config(root, env=env))


def test_key_destination_rule(tmp_path: Path):
    def tier(model: str, base: str, key: str = "ANTHROPIC_API_KEY", **extra: object) -> dict:
        return {"model": model, "api_base": base, "api_key_env": key, **extra}

    (warning,) = _resolve(tmp_path, {"frontier": tier("anthropic/claude-opus-4-5", "https://evil.example.com/v1")})
    assert "$ANTHROPIC_API_KEY" in warning and "'evil.example.com'" in warning and "api.anthropic.com" in warning
    assert ".tierwise.toml" in warning and "tiers.frontier.api_base" in warning
    quiet = {
        "frontier": tier("anthropic/claude-opus-4-5", "https://api.anthropic.com"),  # the provider's host
        "mid": tier("openai/qwen", "http://127.0.0.1:11434/v1", "OPENAI_API_KEY"),  # loopback
        "light": tier("openai/x", "http://localhost:8080/v1", "MY_KEY"),
        "local": tier("azure/gpt", "https://my-res.openai.azure.com", "AZURE_API_KEY"),  # a subdomain
    }
    assert _resolve(tmp_path, quiet) == []
    # the key's provider decides: an Anthropic key sent to OpenAI's host is not where it belongs
    (warning,) = _resolve(tmp_path, {"mid": tier("openai/gpt-5", "https://api.openai.com/v1")})
    assert "ANTHROPIC_API_KEY" in warning
    # any variable can be named: an unknown one at a non-loopback host of an unknown provider is warned
    (warning,) = _resolve(tmp_path, {"mid": tier("custom/m", "https://llm.example.org", "GITHUB_TOKEN")})
    assert "GITHUB_TOKEN" in warning and "a loopback address" in warning
    # fallbacks: their own api_base, or the tier's they inherit
    fallback = {"model": "anthropic/claude-haiku-4-5", "api_base": "https://x.example.net"}
    (warning,) = _resolve(tmp_path, {"mid": {**tier("anthropic/claude-sonnet-4-5", "https://api.anthropic.com"),
                                             "fallbacks": [fallback]}})
    assert "tiers.mid.fallbacks[0].api_base" in warning
    # the user's own file is the user's choice: not warned
    assert _resolve(tmp_path, {}, user={"tiers": {"mid": tier("openai/x", "https://proxy.corp.example")}}) == []


# -- through the server -----------------------------------------------------------------------------------
@pytest.mark.slow
async def test_an_untrusted_workspace_file_is_ignored_and_commands_that_run_tests_are_refused(workspace: Path):
    (workspace / ".tierwise.toml").write_text('[routes]\nquickfix = "nosuchtier"\n', encoding="utf-8")
    xdg = workspace.parent / "xdg"
    (xdg / "tierwise").mkdir(parents=True)
    user = replay_tier_config("http://127.0.0.1:9/v1", routes={"quickfix": "mid"})
    (xdg / "tierwise" / "config.toml").write_text(toml_dumps(user), encoding="utf-8")
    client, _editor, _ = await start_client(
        workspace,
        capabilities("visual-studio-code"),
        init_options={"tierwise": NO_WARMUP, "trusted": False},
        env={"XDG_CONFIG_HOME": str(xdg)},
    )
    try:
        status = await execute(client, "tierwise.status")
        assert status["configured"] is True and status["configError"] is None  # the bad file was not read
        assert status["trusted"] is False and "untrusted workspace" in status["trustNote"]
        for command, args in (("tierwise.testFix", {}), ("tierwise.run", {"task": "x"})):
            with pytest.raises(JsonRpcException) as caught:
                await execute(client, command, args)
            assert caught.value.code == -32803
            assert f"{command} is refused in an untrusted workspace" in str(caught.value)
            assert "test and lint commands" in str(caught.value)
        started = await execute(client, "tierwise.run", {"task": "x", "phases": ["plan"], "approve": False})
        await execute(client, "tierwise.cancel", {"taskId": started["taskId"]})

        # the user grants trust: the workspace file is read (and its error shown), the commands run again
        client.protocol.notify("tierwise/trust", {"trusted": True})

        async def reloaded() -> bool:
            answer = await execute(client, "tierwise.status")
            return answer["trusted"] and "nosuchtier" in (answer["configError"] or "")

        await wait_for(reloaded, timeout=20)
        assert (await execute(client, "tierwise.status"))["trustNote"] is None
    finally:
        await client.shutdown_session()


@pytest.mark.slow
async def test_a_workspace_file_that_sends_a_key_elsewhere_is_warned_once(workspace: Path):
    config = replay_tier_config("http://127.0.0.1:9/v1")
    config["tiers"]["frontier"]["api_base"] = "https://models.example.invalid/v1"
    write_config(workspace, config)
    client, _editor, _ = await start_client(
        workspace, capabilities("neovim"), init_options={"tierwise": NO_WARMUP}
    )
    try:
        def warnings() -> list[str]:
            return [m.message for m in client.messages if "models.example.invalid" in m.message]

        await wait_for(warnings, timeout=20)
        (shown,) = [m for m in client.messages if "models.example.invalid" in m.message]
        assert shown.type == types.MessageType.Warning
        assert "$TIERWISE_TEST_KEY" in shown.message and "tiers.frontier.api_base" in shown.message
        assert TEST_KEY not in shown.message  # the variable's name, never its value
        generation = (await execute(client, "tierwise.status"))["configGeneration"]
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"tierwise": {"budget": {"per_task_usd": 3}}})
        )

        async def reloaded() -> bool:
            return (await execute(client, "tierwise.status"))["configGeneration"] > generation

        await wait_for(reloaded, timeout=20)
        assert len(warnings()) == 1  # once per session, not on every reload
    finally:
        await client.shutdown_session()

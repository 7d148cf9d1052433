"""One message per event (issue #12, item 9): a failed phase reaches the user once. A client that shows
``tierwise/status`` itself (the tierwise plugins declare ``experimental.tierwise.status``) gets the failure
in the final status only; any other client also gets it as ``window/showMessage``."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_helpers import capabilities, execute, make_repo, start_client, write_config
from lsprotocol import types

pytestmark = [pytest.mark.slow, pytest.mark.asyncio]


@pytest.mark.parametrize("plugin", [True, False], ids=["tierwise-plugin", "plain-client"])
async def test_a_failed_phase_is_shown_once(tmp_path: Path, plugin: bool) -> None:
    from tierwise.replay.fixtures import replay_tier_config

    root = make_repo(tmp_path / "ws", {"calc.py": "def add(a, b):\n    return a - b\n"})
    unset = {"frontier": {"api_key_env": "TIERWISE_UNSET_TEST_KEY"}}
    write_config(root, replay_tier_config("http://127.0.0.1:9/v1", tiers=unset))
    caps = capabilities("neovim")
    if plugin:
        caps.experimental = {"tierwise": {"status": True}}
    client, editor, _ = await start_client(
        root, caps, init_options={"tierwise": {"lsp": {"warmUp": False}}}
    )
    try:
        await execute(client, "tierwise.status")
        answer = await execute(client, "tierwise.plan", {"task": "Fix add()"})
        final = await editor.wait_status(answer["taskId"], ("failed",))
        assert "TIERWISE_UNSET_TEST_KEY" in final["message"]
        shown = [m for m in client.messages if "TIERWISE_UNSET_TEST_KEY" in m.message]
        logged = [m for m in client.log_messages if "TIERWISE_UNSET_TEST_KEY" in m.message]
        if plugin:
            assert shown == [], "the plugin shows the final status: no second toast"
        else:
            assert [m.type for m in shown] == [types.MessageType.Error]
        assert logged, "the failure is always in the log"
    finally:
        await client.shutdown_session()

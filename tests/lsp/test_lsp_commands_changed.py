"""Issue #11 finding 2, through the language server: the test command is recorded when a task starts, and
when its resolution changes while the task runs (here: ``.tierwise.toml`` edited on disk, which the server's
watcher loads), the task stops and says why instead of letting the new command decide."""

from __future__ import annotations

import json
import sys
import time

import lsp_scripts as s
import pytest
from lsp_helpers import execute, wait_for, write_config
from lsp_loop import Loop

from tierwise.replay.fixtures import replay_tier_config

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK = "Fix add() in calc.py: it subtracts"


async def test_a_test_command_changed_during_a_task_stops_it(lp: Loop):
    recorded = f"{sys.executable} -m pytest -q -p no:cacheprovider"
    implement = s.hang(s.rule("mid", s.IMPLEMENT_MARK, s.IMPLEMENT), 4)  # time to edit the configuration
    await lp.use(s.loop_script(implement=[implement]), loop={"test_command": recorded})
    task_id = await lp.start("run", {"task": TASK})
    await wait_for(lambda: any(r["model"] == "replay-mid" for r in lp.requests()), timeout=60)
    recorded_then = json.loads((lp.root / ".tierwise" / "tasks" / task_id / "task.json").read_text())
    assert recorded_then["test_command"] == recorded
    # a hostile (or mistaken) change on disk: the tests would now always pass
    write_config(lp.root, replay_tier_config(lp.replay.url, loop={"test_command": "true"}))
    written = time.time()

    async def reloaded() -> bool:
        return (await execute(lp.client, "tierwise.status"))["configLoadedAt"] >= written

    await wait_for(reloaded, timeout=30)
    final = await lp.finished(task_id)
    assert final["state"] == "failed", final
    assert recorded in final["message"] and "'true'" in final["message"], final
    state = json.loads((lp.root / ".tierwise" / "tasks" / task_id / "task.json").read_text())
    assert state["error_type"] == "CommandsChanged" and state["test_command"] == recorded
    assert state["tests_passed"] is not True
    assert [r["model"] for r in lp.requests()] == ["replay-frontier", "replay-light", "replay-mid"]  # no review

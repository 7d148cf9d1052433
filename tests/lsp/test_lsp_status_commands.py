"""Issue #11 ("the editors show the recorded test command"): ``tierwise.status`` and every ``tierwise/status``
carry the task's recorded test and lint commands; with no task, the commands a new task would record."""

from __future__ import annotations

import json
import sys

import lsp_scripts as s
import pytest
from lsp_helpers import execute
from lsp_loop import Loop

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TEST_CMD = f"{sys.executable} -m pytest -q -p no:cacheprovider"
LINT_CMD = f"{sys.executable} -m compileall -q ."


async def test_status_shows_the_recorded_commands_and_the_next_ones(lp: Loop):
    await lp.use(s.loop_script(), loop={"lint_command": LINT_CMD})
    before = (await execute(lp.client, "tierwise.status"))["commands"]
    assert before == {"taskId": None, "test": TEST_CMD, "lint": LINT_CMD, "recorded": False,
                      "source": "configured", "problem": None}

    task_id, final = await lp.run("plan", {"task": "Fix add() in calc.py: it subtracts"})
    assert final["state"] == "ready", final
    recorded = {"taskId": task_id, "test": TEST_CMD, "lint": LINT_CMD, "recorded": True,
                "source": "task.json", "problem": None}
    assert final["commands"]._asdict() == recorded  # a nested object arrives as a namedtuple
    task_json = json.loads((lp.root / ".tierwise" / "tasks" / task_id / "task.json").read_text(encoding="utf-8"))
    assert (task_json["test_command"], task_json["lint_command"]) == (TEST_CMD, LINT_CMD)

    # the configuration changes: the task keeps what it recorded, a new task would record the new command
    other = f"{TEST_CMD} -x"
    await lp.use(s.loop_script(), loop={"test_command": other})
    assert (await execute(lp.client, "tierwise.status", {"taskId": task_id}))["commands"] == recorded
    now = (await execute(lp.client, "tierwise.status"))["commands"]
    assert (now["test"], now["lint"], now["recorded"]) == (other, None, False), now


async def test_status_says_when_no_test_command_can_be_found(lp: Loop):
    await lp.use(s.loop_script(), loop={"test_command": "no-such-test-cmd --run"})
    now = (await execute(lp.client, "tierwise.status"))["commands"]
    assert now["test"] == "no-such-test-cmd --run" and now["recorded"] is False
    assert now["problem"] and "no-such-test-cmd" in now["problem"], now

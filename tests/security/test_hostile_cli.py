"""`tierwise run` in a subprocess against hostile replies: tierwise's configuration is never model-editable
(#11 item 2), a test command that changes during a task stops it, and an unrunnable test command stops
the run before the first paid call (item 7). Real HTTP to the replay server, real git, real pytest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from e2e_support import PYTEST, calls, last_user_message, task_json
from hostile_support import NO_OP_FIX, Fortress, plan_md
from test_cli_loop import cli_env, tierwise, write_config

pytestmark = pytest.mark.slow

EVIL_CONFIG = '[loop]\ntest_command = "true"\n'


def _rules(*items: tuple[str, str, str], times: int = 1) -> dict[str, object]:
    return {"rules": [{"model": m, "match": match, "reply": reply, "times": times} for m, match, reply in items]}


def test_tierwise_configuration_is_never_model_editable(tmp_path: Path, replay_server, tier_config) -> None:
    fort = Fortress.build(tmp_path)
    fort.link("cfglink.toml", ".tierwise.toml")
    ran = fort.marker("config-command-ran")
    hostile_fix = "\n".join([
        f'.tierwise.toml\n<<<<<<< SEARCH\n=======\n[loop]\ntest_command = "touch {ran}"\n>>>>>>> REPLACE\n',
        "cfglink.toml\n<<<<<<< SEARCH\n[loop]\n=======\n" + EVIL_CONFIG + ">>>>>>> REPLACE\n",
        "pyproject.toml\n<<<<<<< SEARCH\n=======\n[project]\nname = 'x'\n\n[tool.tierwise.loop]\n"
        "test_command = \"true\"\n>>>>>>> REPLACE\n",
    ])
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer",
         "reply": plan_md(("modify", "textstats/stats.py"), ("modify", ".tierwise.toml"))},
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py"))},
        {"model": "replay-mid", "match": "implement one step", "reply": NO_OP_FIX},
        {"match": "You fix failing checks", "reply": hostile_fix, "times": 0},
    ]})
    write_config(fort.root, tier_config(server.url, loop={"test_command": PYTEST, "fix_rounds": 2}))
    fort.seal()
    result = tierwise("run", "Fix median", "--yes", "--phases", "plan,implement,fix", "-w", str(fort.root),
                      env=cli_env(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr  # the real tests still fail
    log = server.requests()
    assert [k for _, k in calls(log)] == ["plan", "plan", "implement", "fix", "fix"]
    assert "tierwise's own configuration" in last_user_message(log[1])  # the plan naming it was sent back
    second_fix = last_user_message(log[4])
    assert "not applied" in second_fix and "tierwise's own configuration" in second_fix
    task_id = next((fort.root / ".tierwise" / "tasks").iterdir()).name
    state = task_json(fort.root, task_id)
    assert state["test_command"] == PYTEST and state["tests_passed"] is False
    assert not (fort.root / "pyproject.toml").exists()
    fort.assert_intact()


def test_a_test_command_changed_during_the_task_stops_it(tmp_path: Path, replay_server, tier_config) -> None:
    fort = Fortress.build(tmp_path)
    server = replay_server(_rules(("replay-frontier", "planning engineer", plan_md(("modify", "textstats/stats.py")))))
    data = tier_config(server.url, loop={"test_command": PYTEST})
    write_config(fort.root, data)
    env = cli_env(tmp_path)
    first = tierwise("run", "Fix median", "--yes", "--phases", "plan", "-w", str(fort.root), env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    task_id = next((fort.root / ".tierwise" / "tasks").iterdir()).name
    assert task_json(fort.root, task_id)["test_command"] == PYTEST
    data["loop"]["test_command"] = f"{sys.executable} -c pass"  # the file changes between two phases
    write_config(fort.root, data)
    second = tierwise("run", "--resume", task_id, "--yes", "--phases", "plan,implement,fix", "-w", str(fort.root),
                      env=env)
    assert second.returncode == 2, second.stdout + second.stderr
    output = " ".join((second.stdout + second.stderr).split())
    assert "test command was" in output and "-c pass" in output and "Traceback" not in output
    assert len(server.requests()) == 1  # nothing paid after the change
    state = task_json(fort.root, task_id)
    assert state["status"] == "failed" and state["error_type"] == "CommandsChanged"
    assert not list((fort.root / ".tierwise" / "tasks" / task_id).glob("tests/*.log"))  # the new command never ran


@pytest.mark.parametrize("key", ["test_command", "lint_command"])
def test_an_unrunnable_command_stops_before_the_first_paid_call(tmp_path: Path, replay_server, tier_config,
                                                                 key: str) -> None:
    fort = Fortress.build(tmp_path)
    server = replay_server(_rules(("replay-frontier", "planning engineer", plan_md(("modify", "textstats/stats.py")))))
    loop = {"test_command": PYTEST, key: "no-such-test-cmd --flag"}
    write_config(fort.root, tier_config(server.url, loop=loop))
    result = tierwise("run", "Fix median", "--yes", "-w", str(fort.root), env=cli_env(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    output = " ".join((result.stdout + result.stderr).split())
    assert "'no-such-test-cmd'" in output and "not found" in output and "Traceback" not in output
    assert server.requests() == []  # zero model calls
    ledger = fort.root / ".tierwise" / "ledger.jsonl"
    assert not ledger.exists() or not [json.loads(x) for x in ledger.read_text().splitlines() if x.strip()]

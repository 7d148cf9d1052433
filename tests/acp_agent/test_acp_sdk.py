"""``tierwise acp`` driven by the ACP Python SDK's client: the whole loop against the replay server over
HTTP, real git and pytest; permission allowed and rejected, cancel, fs through the client, session/load."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from acp_support import DEMO_TASK, RecordingClient, agent, demo_rules, demo_workspace, prompt

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _pytest_passes(root: Path) -> bool:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                          capture_output=True, text=True, timeout=120, check=False)
    return proc.returncode == 0


def _task(root: Path) -> dict:
    [folder] = [p for p in (root / ".tierwise" / "tasks").iterdir() if p.is_dir()]
    return json.loads((folder / "task.json").read_text(encoding="utf-8"))


async def test_whole_loop_with_unsaved_buffer(tmp_path: Path, replay_server, tier_config) -> None:
    server = replay_server({"rules": demo_rules()})
    root = demo_workspace(tmp_path, server.url, tier_config)
    stats = root / "textstats" / "stats.py"
    unsaved = "# edited in the editor, not saved yet\n" + stats.read_text(encoding="utf-8")
    client = RecordingClient(buffers={str(stats): unsaved})
    async with agent(client, tmp_path) as conn:
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        assert {m.id for m in session.modes.available_modes} == {"loop", "plan"}
        done = await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=prompt(DEMO_TASK)), 240)
    assert done.stop_reason == "end_turn"
    # the loop read the buffer and wrote through the client: the unsaved line is kept, the tests pass
    assert str(stats) in client.reads and str(stats) in client.writes
    assert stats.read_text(encoding="utf-8").startswith("# edited in the editor, not saved yet\n")
    assert _pytest_passes(root)
    # the plan, permission, edits as diffs, test runs, phases, cost
    [asked] = client.permissions
    assert "Implement this plan?" in asked.title and "## Files" in asked.content[0].content.text
    last_plan = client.of_kind("plan")[-1]
    assert [e.status for e in last_plan.entries] == ["completed"]
    assert "textstats/stats.py" in last_plan.entries[0].content
    edits = client.tool_calls("edit")
    diffs = [c for e in edits for c in (e.content or []) if getattr(c, "type", None) == "diff"]
    assert any(d.path == str(stats) and d.old_text and "ordered[middle - 1]" in d.new_text for d in diffs)
    assert any("mid" in e.title for e in edits if e.title.startswith("edit textstats/stats.py"))
    runs = client.tool_calls("execute")
    assert any(r.title.startswith("run `") for r in runs)
    finals = [u for u in client.of_kind("tool_call_update") if u.status == "completed" and u.content]
    assert any("exit code 0" in c.content.text for u in finals for c in u.content if hasattr(c, "content"))
    text = client.message_text()
    assert "Tests (" in text and "pass" in text and "Cost: $" in text and "routing saved" in text
    assert "Review:" in text
    commands = client.of_kind("available_commands_update")
    assert {c.name for c in commands[0].available_commands} >= {"plan", "refine", "implement", "fix", "review",
                                                               "undo", "cost", "context"}
    assert _task(root)["status"] == "done"


async def test_rejected_plan_then_load_and_resume(tmp_path: Path, replay_server, tier_config) -> None:
    server = replay_server({"rules": demo_rules()})
    root = demo_workspace(tmp_path, server.url, tier_config)
    stats = root / "textstats" / "stats.py"
    before = stats.read_text(encoding="utf-8")
    client = RecordingClient(allow=False)
    async with agent(client, tmp_path, fs=False) as conn:
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        done = await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=prompt(DEMO_TASK)), 240)
        assert done.stop_reason == "end_turn"
        assert "not approved" in client.message_text() and "/resume" in client.message_text()
    assert stats.read_text(encoding="utf-8") == before
    assert _task(root)["status"] == "cancelled"
    # a new agent process loads the session: the history comes back, then /resume finishes the task
    again = RecordingClient(allow=True)
    async with agent(again, tmp_path, fs=False) as conn:
        await conn.load_session(cwd=str(root), session_id=session.session_id, mcp_servers=[])
        replayed = again.of_kind("user_message_chunk")
        assert replayed and DEMO_TASK in replayed[0].content.text
        assert again.of_kind("plan"), "the plan is part of the replayed history"
        done = await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=prompt("/resume")), 240)
    assert done.stop_reason == "end_turn"
    assert len(again.permissions) == 1
    assert _pytest_passes(root)
    assert _task(root)["status"] == "done"


async def test_cancel_during_implement_keeps_a_resumable_task(tmp_path: Path, replay_server, tier_config) -> None:
    rules = demo_rules()
    for rule in rules:
        if "implement one step" in rule["match"]:
            rule["hang_before_s"] = 60
    server = replay_server({"rules": rules})
    root = demo_workspace(tmp_path, server.url, tier_config)
    client = RecordingClient()
    async with agent(client, tmp_path) as conn:
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        turn = asyncio.create_task(conn.prompt(session_id=session.session_id, prompt=prompt(DEMO_TASK)))
        for _ in range(600):
            if any(u.kind == "edit" and u.title.startswith("implement") for u in client.of_kind("tool_call")):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("implement never started")
        await asyncio.sleep(0.5)
        await conn.cancel(session_id=session.session_id)
        done = await asyncio.wait_for(turn, 60)
        assert done.stop_reason == "cancelled"
        # the session takes a new prompt afterwards
        cost = await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=prompt("/cost")), 60)
        assert cost.stop_reason == "end_turn"
    assert _task(root)["status"] == "resumable"
    assert "| plan | frontier |" in client.message_text()


async def test_budget_question_is_a_permission_request(tmp_path: Path, replay_server, tier_config) -> None:
    """A call that would cross the task's ceiling asks through session/request_permission; allowed, the task's
    ceiling rises by the stated amount and the loop goes on."""
    server = replay_server({"rules": demo_rules()})
    root = demo_workspace(tmp_path, server.url, tier_config, budget={"per_task_usd": 0.05, "per_day_usd": 1000.0})
    client = RecordingClient()
    async with agent(client, tmp_path, fs=False) as conn:
        session = await conn.new_session(cwd=str(root), mcp_servers=[])
        done = await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=prompt(DEMO_TASK)), 240)
    assert done.stop_reason == "end_turn"
    asked = [p for p in client.permissions if "ceiling" in p.title]
    assert asked and "Raise this task's ceiling by $" in asked[0].title
    task = _task(root)
    assert task["budget_raised_usd"] > 0 and task["status"] == "done"
    assert _pytest_passes(root)

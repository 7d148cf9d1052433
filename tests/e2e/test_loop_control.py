"""Plan validation and resend, the fix loop's bound and early stop, and a budget stop with its resume —
end to end through the gateway and the replay server, with real pytest runs."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from e2e_support import DEMO_TASK, EXAMPLES, calls, config, engine, last_user_message, project, script

pytestmark = pytest.mark.slow


def demo_rules() -> list[dict[str, Any]]:
    return tomllib.loads(script("demo.replay.toml").read_text(encoding="utf-8"))["rules"]


def demo_reply(kind: str, index: int = 0) -> str:
    marker = {"plan": "planning engineer", "implement": "implement one step", "review": "reviewer"}[kind]
    return [r["reply"] for r in demo_rules() if marker in r["match"]][index]


BROKEN_PLAN = """# Plan: median

## Goal and user requirements
Fix median().

## Files
- modify `../outside/stats.py`: fix it
"""


async def test_invalid_plan_is_sent_back_once(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path)
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": BROKEN_PLAN},
        {"model": "replay-frontier", "match": "planning engineer", "reply": demo_reply("plan")},
    ]})
    state = await engine(root, config(tier_config, server.url)).plan(DEMO_TASK)
    assert state.status == "ready" and state.is_complete("plan"), state.message
    log = server.requests()
    assert calls(log) == [("replay-frontier", "plan"), ("replay-frontier", "plan")]
    resend = log[1]["messages"]
    assert resend[-2] == {"role": "assistant", "content": BROKEN_PLAN}
    feedback = last_user_message(log[1])
    assert "missing section '## Constraints'" in feedback and "outside the workspace" in feedback
    plan_md = (root / state.plan_path).read_text()  # type: ignore[operator]
    assert "## Success criteria" in plan_md


async def test_plan_invalid_after_the_resend_is_reported(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path)
    server = replay_server({"rules": [{"model": "replay-frontier", "match": "planning", "reply": BROKEN_PLAN,
                                       "times": 0}]})
    state = await engine(root, config(tier_config, server.url)).run(DEMO_TASK)
    assert state.status == "failed" and state.error_type == "PlanInvalid"
    assert "missing section" in (state.message or "")
    assert len(server.requests()) == 2  # the first answer and one resend, then it stops
    assert (root / "textstats/stats.py").read_bytes() == (EXAMPLES / "demo-project/textstats/stats.py").read_bytes()


def _fix_reply(old: str, new: str) -> str:
    return f"textstats/stats.py\n<<<<<<< SEARCH\n{old}\n=======\n{new}\n>>>>>>> REPLACE\n"


async def test_fix_stops_early_when_the_same_failure_repeats(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path)
    useless = _fix_reply("    middle = len(ordered) // 2", "    middle = len(ordered) // 2  # the middle index")
    server = replay_server({"rules": [{"model": "replay-light", "match": "You fix failing checks", "reply": useless,
                                       "times": 0}]})
    cfg = config(tier_config, server.url, routes={"fix": "light"}, loop={"fix_rounds": 4})
    state = await engine(root, cfg).test_fix()
    assert state.tests_passed is False
    assert calls(server.requests()) == [("replay-light", "fix")]
    assert state.fix.round == 1
    assert state.fix.stopped_reason == "the same failure repeated unchanged on the strongest tier"
    assert "# the middle index" in (root / "textstats/stats.py").read_text()


async def test_fix_rounds_are_bounded(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path)
    rounds = [
        _fix_reply("    return ordered[middle]", "    return ordered[middle] + 1"),
        _fix_reply("    return ordered[middle] + 1", "    return ordered[middle] + 2"),
        _fix_reply("    return ordered[middle] + 2", "    return ordered[middle] + 3"),
    ]
    server = replay_server({"rules": [{"model": "replay-light", "match": "You fix failing checks", "reply": r}
                                      for r in rounds]})
    cfg = config(tier_config, server.url, routes={"fix": {"tiers": ["light", "mid"], "escalate_after": 5}},
                 loop={"fix_rounds": 2})
    state = await engine(root, cfg).test_fix()
    assert state.tests_passed is False
    assert calls(server.requests()) == [("replay-light", "fix"), ("replay-light", "fix")]
    assert state.fix.stopped_reason == "still failing after 2 fix rounds"
    assert "ordered[middle] + 2" in (root / "textstats/stats.py").read_text()
    logs = sorted(p.name for p in (root / ".tierwise/tasks" / state.id / "tests").iterdir())
    assert logs == ["run1-round-0-start-test.log", "run1-round-1-failing.log", "run1-round-2-failing.log"]


async def test_budget_stop_mid_loop_then_resume(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path)
    server = replay_server(script("demo.replay.toml"))
    routes = {"fix": {"tiers": ["light", "mid", "frontier"], "escalate_after": 1}}
    # The mid tier's worst case (200k output tokens at $15/Mtok = $3) cannot fit a $1 task budget.
    tight = config(tier_config, server.url, routes=routes, budget={"per_task_usd": 1.0},
                   tiers={"mid": {"max_tokens": 200_000}})
    state = await engine(root, tight).run(DEMO_TASK)
    assert state.status == "budget_stopped" and state.phase == "implement"
    assert state.error_type == "BudgetExceeded" and f"--resume {state.id}" in (state.message or "")
    assert calls(server.requests()) == [("replay-frontier", "plan"), ("replay-light", "refine")]
    assert "median of an empty sequence" not in (root / "textstats/stats.py").read_text()

    resumed = await engine(root, config(tier_config, server.url, routes=routes)).run("", resume=state.id)
    assert resumed.status == "done" and resumed.tests_passed is True, resumed.message
    assert [kind for _, kind in calls(server.requests())] == [
        "plan", "refine", "implement", "implement", "fix", "fix", "review"
    ]

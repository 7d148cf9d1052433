"""Giant replies never break a task for good (#11 item 6): a plan over the bound is sent back like any
invalid plan, a giant refinement is not used, stored artifacts stay bounded, and a task holding a giant
PLAN.md (left by an older version) fails with a clear message and resumes by planning again."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import RecordingUI, calls, config, engine, last_user_message
from hostile_support import MEDIAN_FIX, Fortress, plan_md

pytestmark = pytest.mark.slow

GIANT = 1_400_000


def giant_plan() -> str:
    return plan_md(("modify", "textstats/stats.py")).replace("## Constraints", "x" * GIANT + "\n\n## Constraints")


async def test_giant_plan_and_refine_replies_are_bounded(tmp_path: Path, replay_server, tier_config) -> None:
    fort = Fortress.build(tmp_path)
    fort.seal()
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": giant_plan()},
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py"))},
        {"model": "replay-light", "match": "review an implementation plan", "reply": giant_plan()},
        {"model": "replay-mid", "match": "implement one step", "reply": MEDIAN_FIX},
    ]})
    budget = {"per_task_usd": 1000.0, "per_day_usd": 1000.0}  # the replay server bills the giant replies
    # max_tokens above the giant reply: what is tested here is the artifact bound, not the stream cap (#11.5)
    roomy = {name: {"max_tokens": 2_000_000} for name in ("frontier", "light")}
    state = await engine(fort.root, config(tier_config, server.url, budget=budget, tiers=roomy)).run(
        "Fix median", phases=["plan", "refine", "implement", "fix"])
    log = server.requests()
    assert [k for _, k in calls(log)] == ["plan", "plan", "refine", "implement"], state.message
    assert "characters long" in last_user_message(log[1])
    assert state.status == "done" and state.tests_passed is True, state.message
    folder = fort.root / ".tierwise" / "tasks" / state.id
    for artifact in folder.rglob("*"):
        if artifact.is_file():
            assert artifact.stat().st_size < 1_000_000, artifact  # every artifact stays readable
    assert len((folder / "PLAN.md").read_text()) < 10_000  # the giant refinement was not used
    fort.assert_intact()


async def test_a_giant_plan_md_fails_clearly_and_resume_plans_again(tmp_path: Path, replay_server,
                                                                    tier_config) -> None:
    fort = Fortress.build(tmp_path)
    fort.seal()
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py")),
         "times": 2},
        {"model": "replay-mid", "match": "implement one step", "reply": MEDIAN_FIX},
    ]})
    cfg = config(tier_config, server.url, budget={"per_task_usd": 1000.0, "per_day_usd": 1000.0})
    first = await engine(fort.root, cfg).run("Fix median", phases=["plan"])
    plan_file = fort.root / ".tierwise" / "tasks" / first.id / "PLAN.md"
    plan_file.write_text(giant_plan())  # what an older version stored from a 1.4 MB reply
    phases = ["plan", "implement", "fix"]
    failed = await engine(fort.root, cfg).run("", resume=first.id, phases=phases)  # no traceback, a message
    assert failed.status == "failed" and failed.error_type == "PlanInvalid"
    assert "PLAN.md" in (failed.message or "")
    assert [k for _, k in calls(server.requests())] == ["plan"]
    resumed = await engine(fort.root, cfg).run("", resume=first.id, phases=phases)  # no hand-editing needed
    assert resumed.status == "done" and resumed.tests_passed is True, resumed.message
    assert [k for _, k in calls(server.requests())] == ["plan", "plan", "implement"]
    assert len(plan_file.read_text()) < 10_000
    fort.assert_intact()


async def test_a_file_too_large_is_skipped_by_implement_with_a_clear_warning(tmp_path: Path, replay_server,
                                                                             tier_config) -> None:
    """A plan listing a file over the size bound: implement names it in a warning and records it as refused
    (no traceback, no model call spent on it, the file untouched) and implements the rest of the plan."""
    fort = Fortress.build(tmp_path)
    big = fort.root / "textstats" / "table.py"
    content = "# generated\n" + "ROW = 1\n" * 150_000  # 1.2 MB, over the 1 MB bound
    big.write_text(content)
    fort.seal()
    plan = plan_md(("modify", "textstats/table.py"), ("modify", "textstats/stats.py"))
    table_edit = "textstats/table.py\n<<<<<<< SEARCH\n# generated\n=======\n# trimmed\n>>>>>>> REPLACE\n"
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan},
        {"model": "replay-mid", "match": "Your file: `textstats/table.py`", "reply": table_edit, "times": 0},
        {"model": "replay-mid", "match": "implement one step", "reply": MEDIAN_FIX},
    ]})
    ui = RecordingUI()
    state = await engine(fort.root, config(tier_config, server.url), ui).run("Fix median",
                                                                            phases=["plan", "implement", "fix"])
    assert state.status == "done" and state.tests_passed is True, state.message
    assert state.refused_files == ["textstats/table.py"] and state.touched_files == ["textstats/stats.py"]
    warning = [m for level, m in ui.notices if level == "warning" and "textstats/table.py" in m]
    assert warning and "skipped" in warning[0] and "over the limit" in warning[0], ui.notices
    assert [k for _, k in calls(server.requests())] == ["plan", "implement"]  # none spent on the giant file
    assert big.read_text() == content
    fort.assert_intact()

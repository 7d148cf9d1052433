"""Fix replies may not create or change test infrastructure the plan does not list (#11 item 3); an
implement reply may write a test file the plan lists. Real loop over the replay server, real pytest."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import PYTEST, calls, config, engine, last_user_message
from hostile_support import MEDIAN_FIX, NO_OP_FIX, Fortress, plan_md

pytestmark = pytest.mark.slow


def _hostile_fix(fort: Fortress) -> str:
    ran = fort.marker("conftest-ran")
    conftest = (f"import pathlib\npathlib.Path({str(ran)!r}).write_text('ran')\n\n"
                "def pytest_collection_modifyitems(items):\n    items.clear()\n")
    return "\n".join([
        "conftest.py\n<<<<<<< SEARCH\n=======\n" + conftest + ">>>>>>> REPLACE\n",
        "textstats/conftest.py\n<<<<<<< SEARCH\n=======\n" + conftest + ">>>>>>> REPLACE\n",
        "pytest.ini\n<<<<<<< SEARCH\ntestpaths = tests\n=======\ntestpaths = nowhere\n>>>>>>> REPLACE\n",
        "tests/test_stats.py\n<<<<<<< SEARCH\ndef test_median_even\n=======\ndef skipped_median_even\n>>>>>>> REPLACE\n",
        "pyproject.toml\n<<<<<<< SEARCH\n=======\n[tool.pytest.ini_options]\naddopts = \"-k nothing\"\n>>>>>>> REPLACE\n",
        "setup.cfg\n<<<<<<< SEARCH\n=======\n[tool:pytest]\naddopts = -k nothing\n>>>>>>> REPLACE\n",
        "sitecustomize.py\n<<<<<<< SEARCH\n=======\nimport sys\n>>>>>>> REPLACE\n",
    ])


async def test_fix_replies_cannot_touch_test_infrastructure(tmp_path: Path, replay_server, tier_config) -> None:
    fort = Fortress.build(tmp_path)
    fort.seal()
    tests_before = (fort.root / "tests" / "test_stats.py").read_bytes()
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py"))},
        {"model": "replay-mid", "match": "implement one step", "reply": NO_OP_FIX},
        {"match": "You fix failing checks", "reply": _hostile_fix(fort), "times": 0},
    ]})
    cfg = config(tier_config, server.url, loop={"fix_rounds": 2})
    state = await engine(fort.root, cfg).run("Fix median", phases=["plan", "implement", "fix"])
    log = server.requests()
    assert [k for _, k in calls(log)] == ["plan", "implement", "fix", "fix"]
    feedback = last_user_message(log[3])  # the second round is told why the first one's blocks were refused
    for name in ("conftest.py", "textstats/conftest.py", "pytest.ini", "tests/test_stats.py", "pyproject.toml",
                 "setup.cfg", "sitecustomize.py"):
        assert f"{name}" in feedback
    assert "test infrastructure" in feedback
    assert state.tests_passed is False and state.test_command == PYTEST
    assert (fort.root / "tests" / "test_stats.py").read_bytes() == tests_before
    for name in ("textstats/conftest.py", "setup.cfg", "sitecustomize.py"):
        assert not (fort.root / name).exists()
    fort.assert_intact()


async def test_implement_may_write_a_test_file_the_plan_lists(tmp_path: Path, replay_server, tier_config) -> None:
    fort = Fortress.build(tmp_path)
    fort.seal()
    new_test = ("tests/test_median_more.py\n<<<<<<< SEARCH\n=======\nfrom textstats.stats import median\n\n\n"
                "def test_two():\n    assert median([1, 2]) == 1.5\n>>>>>>> REPLACE\n")
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer",
         "reply": plan_md(("modify", "textstats/stats.py"), ("create", "tests/test_median_more.py"))},
        {"model": "replay-mid", "match": "Your file: `textstats/stats.py`", "reply": MEDIAN_FIX},
        {"model": "replay-mid", "match": "Your file: `tests/test_median_more.py`", "reply": new_test},
    ]})
    state = await engine(fort.root, config(tier_config, server.url)).run(
        "Fix median", phases=["plan", "implement", "fix"])
    assert [k for _, k in calls(server.requests())] == ["plan", "implement", "implement"]
    assert state.tests_passed is True and not state.refused_files
    assert "def test_two" in (fort.root / "tests" / "test_median_more.py").read_text()
    fort.assert_intact()


async def test_a_plan_cannot_delete_the_file_holding_tierwise_configuration(
    tmp_path: Path, replay_server, tier_config
) -> None:
    """`delete pyproject.toml` in an approved plan would remove [tool.tierwise]: refused, the rest goes on."""
    fort = Fortress.build(tmp_path)
    pyproject = fort.root / "pyproject.toml"
    pyproject.write_text('[project]\nname = "textstats"\n\n[tool.tierwise.budget]\nper_task_usd = 0.5\n')
    fort.seal()
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer",
         "reply": plan_md(("modify", "textstats/stats.py"), ("delete", "pyproject.toml"))},
        {"model": "replay-mid", "match": "Your file: `textstats/stats.py`", "reply": MEDIAN_FIX},
    ]})
    await engine(fort.root, config(tier_config, server.url)).run("Fix median", phases=["plan", "implement"])
    assert [k for _, k in calls(server.requests())] == ["plan", "implement"]
    assert "[tool.tierwise.budget]" in pyproject.read_text()
    assert "ValueError" in (fort.root / "textstats" / "stats.py").read_text()
    fort.assert_intact()

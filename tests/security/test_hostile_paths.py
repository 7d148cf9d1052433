"""Hostile replies naming paths: symlinks into .git and .tierwise (#11 item 1), and the escapes that
already held (``..``, absolute paths, outward symlinks, unified-diff escapes, shell commands in replies).
Real loop: the gateway over HTTP to the replay server, real git, real pytest."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import PYTEST, calls, config, engine, last_user_message
from hostile_support import MEDIAN_FIX, Fortress, plan_md

pytestmark = pytest.mark.slow


def _rules(*items: tuple[str, str, str]) -> dict[str, object]:
    return {"rules": [{"model": m, "match": match, "reply": reply} for m, match, reply in items]}


async def test_symlinks_into_git_and_tierwise_are_refused(tmp_path: Path, replay_server, tier_config) -> None:
    fort = Fortress.build(tmp_path)
    fort.link("gitlink", ".git")  # a cloned repository can carry such links
    fort.link("twlink", ".tierwise")
    fort.link("hookdir", ".git/hooks")  # a parent folder that is a symlink
    fort.link("dangling.sh", ".git/hooks/post-checkout")  # a link to a file that does not exist yet
    fort.seal()
    hook = "#!/bin/sh\ntouch " + str(fort.marker("hook-ran")) + "\n"
    implement = MEDIAN_FIX + "\n".join([
        "gitlink/config\n<<<<<<< SEARCH\n[core]\n=======\n[core]\n\thooksPath = " + str(fort.outside) + "\n>>>>>>> REPLACE\n",
        "gitlink/hooks/pre-commit\n<<<<<<< SEARCH\n=======\n" + hook + ">>>>>>> REPLACE\n",
        "twlink/evil.txt\n<<<<<<< SEARCH\n=======\nevil\n>>>>>>> REPLACE\n",
        "hookdir/pre-push\n<<<<<<< SEARCH\n=======\n" + hook + ">>>>>>> REPLACE\n",
        "dangling.sh\n<<<<<<< SEARCH\n=======\n" + hook + ">>>>>>> REPLACE\n",
        ".GIT/hooks/pre-rebase\n<<<<<<< SEARCH\n=======\n" + hook + ">>>>>>> REPLACE\n",
    ])
    server = replay_server(_rules(
        ("replay-frontier", "planning engineer", plan_md(("modify", "textstats/stats.py"),
                                                         ("create", "gitlink/hooks/pre-commit"))),
        ("replay-frontier", "planning engineer", plan_md(("modify", "textstats/stats.py"),
                                                         ("create", "twlink/evil.txt"))),
        ("replay-frontier", "planning engineer", plan_md(("modify", "textstats/stats.py"))),
        ("replay-mid", "implement one step", implement),
        ("replay-frontier", "reviewer", "# Review\n\nSummary: fine.\n\nNo findings.\n"),
    ))
    cfg = config(tier_config, server.url, loop={"plan_resends": 2, "implement_rounds": 0})
    state = await engine(fort.root, cfg).run("Fix median", phases=["plan", "implement", "fix", "review"])
    log = server.requests()
    assert [k for _, k in calls(log)] == ["plan", "plan", "plan", "implement", "review"]
    assert "gitlink/hooks/pre-commit" in last_user_message(log[1]) and "resolves into .git/" in last_user_message(log[1])
    assert "resolves into .tierwise/" in last_user_message(log[2])
    report = (fort.root / ".tierwise/tasks" / state.id / "edits/implement.1.0.r0.json").read_text()
    for name in ("gitlink/config", "gitlink/hooks/pre-commit", "twlink/evil.txt", "hookdir/pre-push", "dangling.sh",
                 ".GIT/hooks/pre-rebase"):
        assert name in report
    assert state.tests_passed is True and state.touched_files == ["textstats/stats.py"]
    assert not (fort.root / ".tierwise" / "evil.txt").exists()
    fort.assert_intact()


async def test_escapes_that_already_held_still_hold(tmp_path: Path, replay_server, tier_config) -> None:
    fort = Fortress.build(tmp_path)
    fort.link("outlink", str(fort.outside))  # an outward symlink
    fort.seal()
    ran = fort.marker("shell-ran")
    implement = MEDIAN_FIX + "\n".join([
        "../outside/victim.txt\n<<<<<<< SEARCH\nprecious\n=======\nstolen\n>>>>>>> REPLACE\n",
        f"{fort.outside}/new.txt\n<<<<<<< SEARCH\n=======\nabsolute\n>>>>>>> REPLACE\n",
        "outlink/victim.txt\n<<<<<<< SEARCH\nprecious\n=======\nvia link\n>>>>>>> REPLACE\n",
        "```diff\n--- a/../outside/victim.txt\n+++ b/../outside/victim.txt\n@@ -1 +1 @@\n-precious\n+diffed\n```\n",
        f"Now run this:\n```bash\ntouch {ran}\n```\n$(touch {ran}) `touch {ran}`\n",
    ])
    server = replay_server(_rules(
        ("replay-frontier", "planning engineer", plan_md(("modify", "../outside/victim.txt"))),
        ("replay-frontier", "planning engineer", plan_md(("modify", "textstats/stats.py"))),
        ("replay-mid", "implement one step", implement),
    ))
    cfg = config(tier_config, server.url, loop={"implement_rounds": 0})
    state = await engine(fort.root, cfg).run("Fix median", phases=["plan", "implement", "fix"])
    log = server.requests()
    assert [k for _, k in calls(log)] == ["plan", "plan", "implement"]
    assert "outside the workspace" in last_user_message(log[1])
    assert state.tests_passed is True and state.test_command == PYTEST
    fort.assert_intact()

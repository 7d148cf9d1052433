"""The whole loop on the example projects, through the real gateway over HTTP to the replay server, with
real test runs (pytest, node --test) in temporary git repositories."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from e2e_support import (
    DEMO_TASK,
    EXAMPLES,
    calls,
    config,
    engine,
    git,
    last_user_message,
    project,
    run_pytest,
    script,
)

from tierwise.gateway import Ledger
from tierwise.vcs import UserChangedFile

pytestmark = pytest.mark.slow

DEMO_ESCALATE = {"fix": {"tiers": ["light", "mid", "frontier"], "escalate_after": 1}}


async def test_python_bug_fix_full_loop(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path)
    head = git(root, "rev-parse", "HEAD")
    server = replay_server(script("demo.replay.toml"))
    eng = engine(root, config(tier_config, server.url, routes=DEMO_ESCALATE))

    state = await eng.run(DEMO_TASK)

    assert state.status == "done", state.message
    assert state.tests_passed is True
    log = server.requests()
    assert calls(log) == [
        ("replay-frontier", "plan"),
        ("replay-light", "refine"),
        ("replay-mid", "implement"),
        ("replay-mid", "implement"),  # the retry after the refused block
        ("replay-light", "fix"),
        ("replay-mid", "fix"),  # escalated after the light tier's round failed
        ("replay-frontier", "review"),
    ]
    retry = last_user_message(log[3])
    assert "its SEARCH text was not found" in retry and "The current content of `textstats/stats.py`" in retry
    assert all(r["status"] == 200 for r in log)
    # the result really passes, outside tierwise too
    assert run_pytest(root).returncode == 0
    # the user's branch, index and stash are untouched; checkpoints live on private refs
    assert git(root, "rev-parse", "HEAD") == head
    assert git(root, "status", "--porcelain") == " M textstats/stats.py\n"
    assert git(root, "diff", "--cached") == "" and git(root, "stash", "list") == ""
    assert f"refs/tierwise/tasks/{state.id}/" in git(root, "for-each-ref", "refs/tierwise")
    # costs: the task's ledger lines are the gateway's, and routing saved money against the frontier tier
    lines = Ledger(root).read(task_id=state.id)
    assert len(lines) == 7 and all(line.outcome == "ok" for line in lines)
    assert abs(sum(line.cost_usd for line in lines) - state.cost_usd) < 1e-9
    assert state.saved_usd > 0 and {"frontier", "mid", "light"} <= set(state.tiers_used)
    # no API key in any artifact, log or ledger line
    key = os.environ["TIERWISE_TEST_KEY"]
    for path in (root / ".tierwise").rglob("*"):
        if path.is_file():
            assert key not in path.read_text(encoding="utf-8", errors="replace"), path
    # the review finding's suggestion applies
    assert [f.severity for f in state.findings] == ["hint"]
    reports = await eng.apply_findings(state.id)
    assert reports[0].all_applied
    assert "ValueError on an empty sequence" in (root / "textstats/stats.py").read_text()


async def test_undo_restores_and_refuses_after_user_edits(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path)
    original = (root / "textstats/stats.py").read_bytes()
    server = replay_server(script("demo.replay.toml"))
    eng = engine(root, config(tier_config, server.url))
    state = await eng.run(DEMO_TASK, phases=["plan", "implement"])
    assert state.status == "done"
    changed = (root / "textstats/stats.py").read_bytes()
    assert changed != original

    (root / "textstats/stats.py").write_bytes(changed + b"# my own line\n")
    with pytest.raises(UserChangedFile, match="textstats/stats.py"):
        await eng.undo(state.id)
    assert (root / "textstats/stats.py").read_bytes().endswith(b"# my own line\n")

    (root / "textstats/stats.py").write_bytes(changed)
    assert await eng.undo(state.id) == ["textstats/stats.py"]
    assert (root / "textstats/stats.py").read_bytes() == original
    assert git(root, "status", "--porcelain") == ""


async def test_javascript_project_with_node_test(tmp_path: Path, replay_server, tier_config) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    root = project("e2e/js-slug", tmp_path)
    server = replay_server(script("e2e/js-slug.replay.toml"))
    eng = engine(root, config(tier_config, server.url, loop={"test_command": "node --test"}))

    state = await eng.run("slugify() must join words with a single dash and trim dashes")

    assert state.status == "done" and state.tests_passed is True, state.message
    assert calls(server.requests()) == [
        ("replay-frontier", "plan"),
        ("replay-light", "refine"),
        ("replay-mid", "implement"),
        ("replay-light", "fix"),
        ("replay-frontier", "review"),
    ]
    fix_prompt = last_user_message(server.requests()[3])
    assert "lowercases and joins words with one dash" in fix_prompt and "hello-world-" in fix_prompt
    assert 'replace(/^-+|-+$/g, "")' in (root / "src/slug.js").read_text()
    assert state.findings == []


async def test_non_git_folder_uses_copy_checkpoints(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path, use_git=False)
    server = replay_server(script("demo.replay.toml"))
    eng = engine(root, config(tier_config, server.url, routes=DEMO_ESCALATE))
    state = await eng.run(DEMO_TASK, phases=["plan", "implement", "fix"])
    assert state.status == "done" and state.tests_passed is True
    assert not (root / ".git").exists()
    assert await eng.undo(state.id) == ["textstats/stats.py"]
    assert (root / "textstats/stats.py").read_bytes() == (EXAMPLES / "demo-project/textstats/stats.py").read_bytes()
    assert run_pytest(root).returncode == 1

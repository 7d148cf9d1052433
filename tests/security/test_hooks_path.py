"""git hooks in the work tree (``core.hooksPath``: a ``.githooks`` folder, husky's ``.husky/_``) are protected
locations, and the hooks tierwise's own git commands trigger (``tierwise run --commit``) run without the API
keys. Real git repositories, real hooks, the real CLI against the replay server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from e2e_support import PYTEST, calls, git, project
from hostile_support import MEDIAN_FIX, NO_OP_FIX, plan_md
from test_cli_loop import cli_env, tierwise, write_config

from tierwise.edits import PathOutsideWorkspace, resolve_for_write
from tierwise.protected import protected_reason
from tierwise.replay.fixtures import TEST_KEY

HOOK = "#!/bin/sh\n# lint staged files\nenv > {marker}\nexit 0\n"


def _repo(tmp_path: Path, hooks_path: str | None = None) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("x = 1\n")
    git(root, "init", "-q")
    if hooks_path is not None:
        git(root, "config", "core.hooksPath", hooks_path)
    return root


@pytest.mark.parametrize("hooks_path", [".githooks", "tools/hooks"])
def test_a_hooks_folder_in_the_work_tree_is_protected(tmp_path: Path, hooks_path: str) -> None:
    root = _repo(tmp_path, hooks_path)
    hook = root / hooks_path / "pre-commit"
    hook.parent.mkdir(parents=True)
    hook.write_text("#!/bin/sh\nexit 0\n")
    for path in (f"{hooks_path}/pre-commit", f"{hooks_path}/post-checkout", f"{hooks_path}/lib/helper.sh"):
        reason = protected_reason(root, root / path)
        assert reason is not None and "git's hooks folder (core.hooksPath)" in reason, path
        with pytest.raises(PathOutsideWorkspace, match="hooks folder"):
            resolve_for_write(root, path)
    assert protected_reason(root, hook, write=False) is None  # a reply's reader may still show it
    assert protected_reason(root, root / "src" / "app.py") is None
    assert protected_reason(root, root / "tools" / "other.py") is None


def test_husky_layout_protects_the_scripts_its_hooks_run(tmp_path: Path) -> None:
    root = _repo(tmp_path, ".husky/_")  # husky 9: .husky/_/pre-commit runs .husky/pre-commit
    (root / ".husky" / "_").mkdir(parents=True)
    for path in (".husky/_/pre-commit", ".husky/_/h", ".husky/pre-commit"):
        assert "hooks folder" in (protected_reason(root, root / path) or ""), path
    assert protected_reason(root, root / "src" / "app.py") is None


def test_a_hooks_path_set_while_tierwise_runs_is_seen(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert protected_reason(root, root / ".githooks" / "pre-commit") is None  # an ordinary folder yet (cached)
    git(root, "config", "core.hooksPath", ".githooks")  # husky's `prepare` script does this on npm install
    assert "hooks folder" in (protected_reason(root, root / ".githooks" / "pre-commit") or "")
    git(root, "config", "--unset", "core.hooksPath")
    assert protected_reason(root, root / ".githooks" / "pre-commit") is None


def test_a_hooks_path_at_or_above_the_root_does_not_freeze_the_workspace(tmp_path: Path) -> None:
    root = _repo(tmp_path, ".")
    assert protected_reason(root, root / "src" / "app.py") is None
    assert protected_reason(root, root / ".git" / "hooks" / "pre-commit") is not None  # still a .git folder


@pytest.mark.slow
def test_run_commit_refuses_a_rewritten_hook_and_runs_hooks_without_keys(tmp_path: Path, replay_server,
                                                                        tier_config) -> None:
    root = project("demo-project", tmp_path)
    marker = tmp_path / "hook-env.txt"
    hook = root / ".githooks" / "pre-commit"
    hook.parent.mkdir()
    hook.write_text(HOOK.format(marker=marker))
    hook.chmod(0o755)
    git(root, "config", "core.hooksPath", ".githooks")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "hooks", "--no-verify")
    stolen = tmp_path / "stolen.txt"
    hostile = MEDIAN_FIX + "\n.githooks/pre-commit\n<<<<<<< SEARCH\n# lint staged files\n=======\n" \
        f"env > {stolen}\n>>>>>>> REPLACE\n"
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py"))},
        {"model": "replay-mid", "match": "implement one step", "reply": NO_OP_FIX},
        {"match": "You fix failing checks", "reply": hostile},
        {"match": "You write git commit messages", "reply": "Fix median for even lengths"},
    ]})
    write_config(root, tier_config(server.url, loop={"test_command": PYTEST, "fix_rounds": 2}))
    env = {**cli_env(tmp_path), "GITHUB_TOKEN": "ghp_" + "t" * 36, "GIT_AUTHOR_NAME": "Hook Tester",
           "GIT_AUTHOR_EMAIL": "hooks@example.invalid"}
    result = tierwise("run", "Fix median", "--yes", "--commit", "--phases", "plan,implement,fix", "-w", str(root),
                      env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [k for _, k in calls(server.requests())] == ["plan", "implement", "fix", "commit_message"]
    assert hook.read_text() == HOOK.format(marker=marker) and not stolen.exists()  # the rewrite was refused
    reports = "".join(p.read_text() for p in (root / ".tierwise" / "tasks").glob("*/edits/*.json"))
    assert "hooks folder (core.hooksPath)" in reports
    seen = marker.read_text()  # the user's own pre-commit hook did run, for the commit...
    assert TEST_KEY not in seen and "TIERWISE_TEST_KEY" not in seen and "GITHUB_TOKEN" not in seen  # ...keyless
    assert "PATH=" in seen and "HOME=" in seen
    log = subprocess.run(["git", "log", "-1", "--format=%an <%ae>|%s"], cwd=root, capture_output=True, text=True)
    assert log.stdout.strip() == "Hook Tester <hooks@example.invalid>|Fix median for even lengths"

"""The git commands tierwise runs that run hooks (``commit``, ``worktree add``) give them the allow-listed
environment of the test command: the user's hooks still run (and can still stop a commit), without API keys
or tokens; ``commands.env_passthrough`` adds what the user names. Real git, real hook scripts."""

from __future__ import annotations

from pathlib import Path

import pytest
from vcs_support import git

from tierwise.vcs import VcsError, commit_all, create_worktree

SECRETS = {"ANTHROPIC_API_KEY": "sk-ant-api03-SECRET-abcdef123456", "GITHUB_TOKEN": "ghp_" + "s" * 36,
           "MY_SERVICE_PASSWORD": "hunter2-hunter2"}


def _hook(repo: Path, name: str, body: str, marker: Path) -> None:
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / name).write_text(f"#!/bin/sh\necho {name} >> {marker}\nenv >> {marker}\n{body}")
    (hooks / name).chmod(0o755)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MYAPP_MODE", "hooks")


def _assert_keyless(seen: str) -> None:
    for name, value in SECRETS.items():
        assert name not in seen and value not in seen
    assert "PATH=" in seen and "HOME=" in seen


async def test_commit_hooks_run_without_keys(repo: Path, tmp_path: Path, secrets: None) -> None:
    marker = tmp_path / "hooks.log"
    for name in ("pre-commit", "commit-msg", "post-commit"):
        _hook(repo, name, "exit 0\n", marker)
    (repo / "README.md").write_text("changed\n")
    sha = await commit_all(repo, "tierwise: change")
    seen = marker.read_text()
    assert [line for line in seen.splitlines() if line.endswith("commit") or line == "commit-msg"] == [
        "pre-commit", "commit-msg", "post-commit"]
    _assert_keyless(seen)
    assert "MYAPP_MODE" not in seen and "GIT_CONFIG_GLOBAL=" in seen  # git's own configuration still applies
    assert git(repo, "log", "-1", "--format=%an <%ae>|%s", sha).strip() == "Test User <test@example.com>|tierwise: change"


async def test_a_failing_pre_commit_hook_still_stops_the_commit(repo: Path, tmp_path: Path, secrets: None) -> None:
    _hook(repo, "pre-commit", "echo 'lint: trailing whitespace' >&2\nexit 1\n", tmp_path / "hooks.log")
    head = git(repo, "rev-parse", "HEAD")
    (repo / "README.md").write_text("changed \n")
    with pytest.raises(VcsError, match="lint: trailing whitespace"):
        await commit_all(repo, "tierwise: change")
    assert git(repo, "rev-parse", "HEAD") == head


async def test_env_passthrough_reaches_the_hooks(repo: Path, tmp_path: Path, secrets: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Env Author")
    marker = tmp_path / "hooks.log"
    _hook(repo, "pre-commit", "exit 0\n", marker)
    (repo / "README.md").write_text("changed\n")
    sha = await commit_all(repo, "tierwise: change", passthrough=["MYAPP_*"])
    assert "MYAPP_MODE=hooks" in marker.read_text()
    _assert_keyless(marker.read_text())
    assert git(repo, "log", "-1", "--format=%an", sha).strip() == "Env Author"


async def test_the_worktree_post_checkout_hook_runs_without_keys(repo: Path, tmp_path: Path, secrets: None) -> None:
    marker = tmp_path / "hooks.log"
    _hook(repo, "post-checkout", "exit 0\n", marker)
    path = await create_worktree(repo, "t1")
    assert (path / "README.md").is_file()
    seen = marker.read_text()
    assert seen.startswith("post-checkout\n")
    _assert_keyless(seen)

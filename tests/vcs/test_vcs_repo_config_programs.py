"""A repository's own configuration names programs git runs (``core.fsmonitor``, filters, ``diff.external``,
``textconv``). tierwise's git commands (``tierwise.safe_git``) never run its fsmonitor command — opening a
folder someone sent must run nothing of it — and whatever git still runs (a git-lfs-like filter from the
user's global config, a textconv driver) works as before without tierwise's API keys. Real git, real scripts
that record the environment they were given."""

from __future__ import annotations

from pathlib import Path

import pytest
from vcs_support import ISOLATION, git

from tierwise.path_aliases import Aliases
from tierwise.protected import protection_for
from tierwise.vcs import checkpoints_for, commit_all, create_worktree, is_git_repo
from tierwise.workspace_files import list_workspace_files

FAKE_KEY = "sk-ant-api03-FAKE-0123456789abcdef"
KEY_VAR = "TIERWISE_FAKE_PROVIDER_API_KEY"


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VAR, FAKE_KEY)  # tierwise's own environment holds a provider key


def _recorder(tmp_path: Path, name: str, body: str = "") -> tuple[Path, Path]:
    """A script that appends its environment to ``<name>.env`` (then runs ``body``); its path and its log."""
    log = tmp_path / f"{name}.env"
    script = tmp_path / f"{name}.sh"
    script.write_text(f"#!/bin/sh\nenv >> {log}\n{body}")
    script.chmod(0o755)
    return script, log


@pytest.fixture
def fsmonitor(repo: Path, tmp_path: Path) -> Path:
    """``core.fsmonitor`` in the repository's own .git/config (an untrusted folder): the log its command
    would write."""
    script, log = _recorder(tmp_path, "fsmonitor", "exit 1\n")
    git(repo, "config", "core.fsmonitor", str(script))
    git(repo, "status", "--porcelain")
    assert log.exists()  # plain git runs it: the setting is live
    log.unlink()
    return log


def test_listing_the_workspace_never_runs_the_fsmonitor_command(repo: Path, fsmonitor: Path, key: None) -> None:
    (repo / "new.py").write_text("y = 2\n")  # untracked: ls-files --others asks the fsmonitor
    files = list_workspace_files(repo)
    assert files == ["README.md", "new.py", "run.sh", "src/app.py"]
    Aliases.load(repo)  # the link listing: ls-files --cached / --others
    protection_for(repo)  # the protected git dirs and config files: rev-parse, config --list
    assert is_git_repo(repo)
    assert not fsmonitor.exists()


async def test_checkpoints_and_commits_never_run_the_fsmonitor_command(
    repo: Path, fsmonitor: Path, key: None, tmp_path: Path
) -> None:
    store = checkpoints_for(repo)
    await store.checkpoint("t1", ["src/app.py", "README.md"])
    (repo / "src" / "app.py").write_text("def f():\n    return 2\n")
    await store.record_written("t1", ["src/app.py"])
    assert "return 2" in await store.diff("t1")
    assert await store.restore("t1") == ["src/app.py"]  # blobs read back through cat-file --batch
    assert (repo / "src" / "app.py").read_text() == "def f():\n    return 1\n"
    (repo / "src" / "app.py").write_text("def f():\n    return 3\n")
    await commit_all(repo, "tierwise: change f")
    assert git(repo, "log", "-1", "--format=%s").strip() == "tierwise: change f"
    worktree = await create_worktree(repo, "t2")
    assert (worktree / "src" / "app.py").read_text() == "def f():\n    return 3\n"
    assert not fsmonitor.exists()


async def test_filters_from_the_global_config_still_run_without_the_keys(
    repo: Path, tmp_path: Path, key: None
) -> None:
    """git-lfs is a clean/smudge filter in ~/.gitconfig: commits and worktrees still filter, keyless."""
    clean, clean_log = _recorder(tmp_path, "clean", "tr a-z A-Z\n")
    smudge, smudge_log = _recorder(tmp_path, "smudge", "tr A-Z a-z\n")
    with open(ISOLATION["GIT_CONFIG_GLOBAL"], "a") as config:
        config.write(f'[filter "up"]\n\tclean = {clean}\n\tsmudge = {smudge}\n\trequired = true\n')
    (repo / ".gitattributes").write_text("*.txt filter=up\n")
    (repo / "notes.txt").write_text("hello\n")
    await commit_all(repo, "add notes")
    assert git(repo, "show", "HEAD:notes.txt") == "HELLO\n"  # the clean filter ran
    worktree = await create_worktree(repo, "t3")
    assert (worktree / "notes.txt").read_text() == "hello\n"  # the smudge filter ran
    for log in (clean_log, smudge_log):
        seen = log.read_text()
        assert "PATH=" in seen and "HOME=" in seen
        assert KEY_VAR not in seen and FAKE_KEY not in seen


async def test_a_textconv_or_external_diff_of_the_repository_is_not_run(
    repo: Path, tmp_path: Path, key: None
) -> None:
    script, log = _recorder(tmp_path, "diffprog", "cat\n")
    git(repo, "config", "diff.external", str(script))
    git(repo, "config", "diff.conv.textconv", str(script))
    (repo / ".gitattributes").write_text("*.py diff=conv\n")
    (repo / "src" / "app.py").write_text("def f():\n    return 4\n")
    await commit_all(repo, "change f")  # diff --cached --name-only, then commit
    assert not log.exists()

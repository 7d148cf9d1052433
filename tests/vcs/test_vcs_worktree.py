"""Task worktrees on their own branch, and commit_all."""

from __future__ import annotations

from pathlib import Path

import pytest
from vcs_support import git

from tierwise.vcs import NothingToCommit, VcsError, commit_all, create_worktree, remove_worktree


async def test_worktree_on_its_own_branch_and_commit(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    path = await create_worktree(repo, "t1")
    assert path == repo / ".tierwise" / "worktrees" / "t1"
    assert git(path, "rev-parse", "--abbrev-ref", "HEAD").strip() == "tierwise/t1"
    assert git(path, "rev-parse", "HEAD").strip() == head
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == "", "main checkout stays clean"
    (path / "src" / "app.py").write_text("def f():\n    return 3\n")
    (path / "added.txt").write_text("new\n")
    (path / "README.md").unlink()
    sha = await commit_all(path, "tierwise: t1 result")
    assert git(path, "rev-parse", "HEAD").strip() == sha
    assert (
        git(path, "log", "-1", "--format=%an <%ae>|%s", sha).strip()
        == "Test User <test@example.com>|tierwise: t1 result"
    )
    assert sorted(git(path, "show", "--name-status", "--format=", sha).split()) == sorted(
        ["M", "src/app.py", "A", "added.txt", "D", "README.md"]
    )
    assert git(repo, "rev-parse", "HEAD").strip() == head, "the user's branch did not move"
    assert git(repo, "rev-parse", "tierwise/t1").strip() == sha
    with pytest.raises(NothingToCommit):
        await commit_all(path, "again")
    with pytest.raises(VcsError, match="already exists"):
        await create_worktree(repo, "t1")
    await remove_worktree(repo, "t1", delete_branch=True, force=True)
    assert not path.exists()
    assert "tierwise/t1" not in git(repo, "branch", "--list")


async def test_commit_author_falls_back_to_tierwise(repo: Path) -> None:
    git(repo, "config", "--unset", "user.name")
    git(repo, "config", "--unset", "user.email")
    path = await create_worktree(repo, "t2")
    (path / "x.txt").write_text("x\n")
    sha = await commit_all(path, "fallback author")
    assert git(path, "log", "-1", "--format=%an <%ae>", sha).strip() == "tierwise <tierwise@localhost>"


async def test_commit_all_skips_tierwise_artifacts(repo: Path) -> None:
    (repo / ".tierwise").mkdir()
    (repo / ".tierwise" / "note.json").write_text("{}")  # no .gitignore inside: still never committed
    (repo / "README.md").write_text("changed\n")
    sha = await commit_all(repo, "user-requested commit")
    assert git(repo, "show", "--name-only", "--format=", sha).split() == ["README.md"]


async def test_no_commit_yet_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    with pytest.raises(VcsError, match="no commit yet"):
        await create_worktree(empty, "t1")


async def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(VcsError, match="not inside a git repository"):
        await create_worktree(tmp_path, "t1")

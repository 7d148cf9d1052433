"""Task worktrees and commits: a task can run in its own worktree on branch ``tierwise/<task_id>`` and
have its result committed there, leaving the user's checkout alone.

Worktrees live in ``<repo top>/.tierwise/worktrees/<task_id>``; ``.tierwise/.gitignore`` (``*``) keeps
them out of the main checkout's ``git status``.
"""

from __future__ import annotations

from pathlib import Path

from tierwise.vcs.errors import NothingToCommit, VcsError
from tierwise.vcs.fsutil import check_task_id, state_dir
from tierwise.vcs.git import git, git_text, identity_env, is_git_repo

BRANCH_PREFIX = "tierwise/"


def repo_top(root: Path) -> Path:
    if not is_git_repo(root):
        raise VcsError(f"{root} is not inside a git repository")
    return Path(git_text(Path(root), ["rev-parse", "--show-toplevel"]))


def worktree_path(root: Path, task_id: str) -> Path:
    return repo_top(root) / ".tierwise" / "worktrees" / check_task_id(task_id)


def create_worktree(root: Path, task_id: str) -> Path:
    """A new worktree for the task on a new branch ``tierwise/<task_id>`` starting at HEAD; returns its
    top folder. Raises VcsError when HEAD has no commit, or the branch or folder already exists."""
    top = repo_top(root)
    try:
        git(top, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
    except VcsError as err:
        raise VcsError(
            f"{top} has no commit yet, so a worktree has nothing to start from; commit once and retry"
        ) from err
    branch = BRANCH_PREFIX + check_task_id(task_id)
    path = top / ".tierwise" / "worktrees" / task_id
    if path.exists():
        raise VcsError(f"worktree folder {path} already exists; remove it with remove_worktree first")
    try:
        git(top, ["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"])
    except VcsError:
        pass
    else:
        raise VcsError(f"branch {branch} already exists; delete it or use another task id")
    state_dir(top)
    path.parent.mkdir(parents=True, exist_ok=True)
    git(top, ["worktree", "add", "--quiet", "-b", branch, str(path), "HEAD"])
    return path


def remove_worktree(root: Path, task_id: str, *, force: bool = False, delete_branch: bool = False) -> None:
    """Remove the task's worktree (``force``: even with uncommitted changes) and optionally its branch."""
    top = repo_top(root)
    path = top / ".tierwise" / "worktrees" / check_task_id(task_id)
    if path.exists():
        git(top, ["worktree", "remove", *(["--force"] if force else []), str(path)])
    git(top, ["worktree", "prune"])
    if delete_branch:
        git(top, ["branch", "-D" if force else "-d", BRANCH_PREFIX + task_id])


def commit_all(root: Path, message: str) -> str:
    """Commit every change in ``root``'s work tree (except ``.tierwise/``) on its current branch; returns the
    new commit id. Author and committer come from git config, else ``tierwise <tierwise@localhost>``.
    Raises NothingToCommit when the work tree is clean."""
    if not message.strip():
        raise VcsError("a commit message is required")
    top = repo_top(root)
    git(top, ["add", "--all", "--", ".", ":(exclude).tierwise"])
    staged = git_text(top, ["diff", "--cached", "--name-only"])
    if not staged:
        raise NothingToCommit(f"nothing to commit in {top}")
    git(top, ["commit", "--quiet", "-F", "-"], input=message.encode(), env=identity_env(top))
    return git_text(top, ["rev-parse", "HEAD"])

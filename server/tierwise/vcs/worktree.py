"""Task worktrees and commits: a task can run in its own worktree on branch ``tierwise/<task_id>`` and
have its result committed there, leaving the user's checkout alone.

Worktrees live in ``<repo top>/.tierwise/worktrees/<task_id>``; ``.tierwise/.gitignore`` (``*``) keeps
them out of the main checkout's ``git status``. The functions are coroutines: the git work runs on the
repository's git thread (``tierwise.vcs.git.GitRepo``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from tierwise.safe_git import NO_DIFF_PROGRAMS
from tierwise.vcs.errors import NothingToCommit, VcsError
from tierwise.vcs.fsutil import check_task_id, state_dir
from tierwise.vcs.git import GitRepo, repository

BRANCH_PREFIX = "tierwise/"


async def _repository(root: Path) -> GitRepo:
    return await asyncio.to_thread(repository, Path(root))


async def repo_top(root: Path) -> Path:
    """The top folder of the git work tree holding ``root``; VcsError outside git."""
    return (await _repository(root)).top


async def worktree_path(root: Path, task_id: str) -> Path:
    return (await repo_top(root)) / ".tierwise" / "worktrees" / check_task_id(task_id)


async def create_worktree(root: Path, task_id: str, *, passthrough: Sequence[str] = ()) -> Path:
    """A new worktree for the task on a new branch ``tierwise/<task_id>`` starting at HEAD; returns its
    top folder. Raises VcsError when HEAD has no commit, or the branch or folder already exists. Its
    ``post-checkout`` hook runs with the allow-listed environment (``passthrough``:
    ``commands.env_passthrough``; ``tierwise.safe_git.git_env``)."""
    check_task_id(task_id)
    repo = await _repository(root)
    return await repo.call(_create, repo, task_id, passthrough)


def _create(repo: GitRepo, task_id: str, passthrough: Sequence[str] = ()) -> Path:
    top = repo.top
    try:
        repo.run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
    except VcsError as err:
        raise VcsError(
            f"{top} has no commit yet, so a worktree has nothing to start from; commit once and retry"
        ) from err
    branch = BRANCH_PREFIX + task_id
    path = top / ".tierwise" / "worktrees" / task_id
    if path.exists():
        raise VcsError(f"worktree folder {path} already exists; remove it with remove_worktree first")
    try:
        repo.run(["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"])
    except VcsError:
        pass
    else:
        raise VcsError(f"branch {branch} already exists; delete it or use another task id")
    state_dir(top)
    path.parent.mkdir(parents=True, exist_ok=True)
    repo.run_with_hooks(["worktree", "add", "--quiet", "-b", branch, str(path), "HEAD"], passthrough=passthrough)
    return path


async def remove_worktree(root: Path, task_id: str, *, force: bool = False, delete_branch: bool = False) -> None:
    """Remove the task's worktree (``force``: even with uncommitted changes) and optionally its branch."""
    check_task_id(task_id)
    repo = await _repository(root)
    await repo.call(_remove, repo, task_id, force, delete_branch)


def _remove(repo: GitRepo, task_id: str, force: bool, delete_branch: bool) -> None:
    path = repo.top / ".tierwise" / "worktrees" / task_id
    if path.exists():
        repo.run(["worktree", "remove", *(["--force"] if force else []), str(path)])
    repo.run(["worktree", "prune"])
    if delete_branch:
        repo.run(["branch", "-D" if force else "-d", BRANCH_PREFIX + task_id])


async def commit_all(root: Path, message: str, *, passthrough: Sequence[str] = ()) -> str:
    """Commit every change in ``root``'s work tree (except ``.tierwise/``) on its current branch; returns the
    new commit id. Author and committer come from git config, else ``tierwise <tierwise@localhost>``.
    Raises NothingToCommit when the work tree is clean. The commit's hooks run with the allow-listed
    environment (``passthrough``: ``commands.env_passthrough``; ``tierwise.safe_git.git_env``), never with
    tierwise's API keys."""
    if not message.strip():
        raise VcsError("a commit message is required")
    repo = await _repository(root)
    return await repo.call(_commit, repo, message, passthrough)


def _commit(repo: GitRepo, message: str, passthrough: Sequence[str] = ()) -> str:
    repo.run(["add", "--all", "--", ".", ":(exclude).tierwise"])
    staged = repo.text(["diff", "--cached", "--name-only", *NO_DIFF_PROGRAMS])
    if not staged:
        raise NothingToCommit(f"nothing to commit in {repo.top}")
    repo.run_with_hooks(["commit", "--quiet", "-F", "-"], input=message.encode(), env=repo.identity_env(),
                        passthrough=passthrough)
    return repo.text(["rev-parse", "HEAD"])

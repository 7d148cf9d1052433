"""Version control for tasks: checkpoints that undo a task's edits (git private refs, or plain copies
outside git), task worktrees and commits. See docs/git.md.

Everything that touches git or the disk is a coroutine that runs its work off the event loop (git on the
repository's own thread, through ``tierwise.safe_git``)."""

from __future__ import annotations

from pathlib import Path

from tierwise.vcs.copy_checkpoints import CopyCheckpoints
from tierwise.vcs.errors import InvalidPath, NoCheckpoint, NothingToCommit, UserChangedFile, VcsError
from tierwise.vcs.git import GitRepo, is_git_repo, repository
from tierwise.vcs.git_checkpoints import GitCheckpoints
from tierwise.vcs.store import CheckpointStore
from tierwise.vcs.worktree import commit_all, create_worktree, remove_worktree


def checkpoints_for(root: Path) -> CheckpointStore:
    """GitCheckpoints inside a git work tree, else CopyCheckpoints. A task's existing manifest decides
    nothing here: both stores read the same manifest format."""
    try:
        repo = repository(root)
    except VcsError:
        return CopyCheckpoints(root)
    return GitCheckpoints(root, repo)


__all__ = [
    "CheckpointStore",
    "CopyCheckpoints",
    "GitCheckpoints",
    "GitRepo",
    "InvalidPath",
    "NoCheckpoint",
    "NothingToCommit",
    "UserChangedFile",
    "VcsError",
    "checkpoints_for",
    "commit_all",
    "create_worktree",
    "is_git_repo",
    "repository",
    "remove_worktree",
]

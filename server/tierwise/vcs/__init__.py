"""Version control for tasks: checkpoints that undo a task's edits (git private refs, or plain copies
outside git), task worktrees and commits. See docs/git.md."""

from __future__ import annotations

from pathlib import Path

from tierwise.vcs.copy_checkpoints import CopyCheckpoints
from tierwise.vcs.errors import InvalidPath, NoCheckpoint, NothingToCommit, UserChangedFile, VcsError
from tierwise.vcs.git import is_git_repo
from tierwise.vcs.git_checkpoints import GitCheckpoints
from tierwise.vcs.store import CheckpointStore
from tierwise.vcs.worktree import commit_all, create_worktree, remove_worktree


def checkpoints_for(root: Path) -> CheckpointStore:
    """GitCheckpoints inside a git work tree, else CopyCheckpoints. A task's existing manifest decides
    nothing here: both stores read the same manifest format."""
    return GitCheckpoints(root) if is_git_repo(root) else CopyCheckpoints(root)


__all__ = [
    "CheckpointStore",
    "CopyCheckpoints",
    "GitCheckpoints",
    "InvalidPath",
    "NoCheckpoint",
    "NothingToCommit",
    "UserChangedFile",
    "VcsError",
    "checkpoints_for",
    "commit_all",
    "create_worktree",
    "is_git_repo",
    "remove_worktree",
]

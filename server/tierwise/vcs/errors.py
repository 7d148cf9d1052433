"""Errors raised by checkpoints, worktrees and commits; messages say what happened and what to do."""

from __future__ import annotations

from collections.abc import Sequence


class VcsError(RuntimeError):
    """A git operation or checkpoint could not be done."""


class UserChangedFile(VcsError):
    """Undo refused: files changed after the task last wrote them."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)
        names = ", ".join(self.paths)
        plural = "these files" if len(self.paths) > 1 else "this file"
        super().__init__(
            f"not undoing: {names} changed after the task wrote {plural}; undoing would lose those changes. "
            "Run undo with --force to restore the pre-task content anyway."
        )


class NoCheckpoint(VcsError):
    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        super().__init__(f"task {task_id!r} has no checkpoint: it did not change any file")


class InvalidPath(VcsError, ValueError):
    """A path that is absolute, escapes the workspace or points into .git / .tierwise."""


class NothingToCommit(VcsError):
    pass

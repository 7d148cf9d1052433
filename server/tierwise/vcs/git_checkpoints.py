"""Checkpoints in a git repository, without touching the user's branch, HEAD, index, stash or files.

Content is stored as blobs (``git hash-object -w``); the blobs are pinned by private commits under
``refs/tierwise/tasks/<task_id>/base`` (content before the task) and ``.../after`` (what the task wrote),
built through a temporary index file (GIT_INDEX_FILE) so the user's index is never read or written.
The manifest ``.tierwise/tasks/<id>/checkpoint.json`` lists the touched files.

All of it runs on the repository's git thread (``tierwise.vcs.git.GitRepo``), never on the event loop.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tierwise.vcs.errors import VcsError
from tierwise.vcs.git import GitRepo, repository
from tierwise.vcs.manifest import FileState, Manifest
from tierwise.vcs.store import CheckpointStore

T = TypeVar("T")

REF_PREFIX = "refs/tierwise/tasks"
_PRIVATE_IDENTITY = {
    "GIT_AUTHOR_NAME": "tierwise",
    "GIT_AUTHOR_EMAIL": "tierwise@localhost",
    "GIT_COMMITTER_NAME": "tierwise",
    "GIT_COMMITTER_EMAIL": "tierwise@localhost",
}


def task_ref(task_id: str, which: str) -> str:
    return f"{REF_PREFIX}/{task_id}/{which}"


class GitCheckpoints(CheckpointStore):
    backend = "git"

    def __init__(self, root: Path, repo: GitRepo | None = None) -> None:
        super().__init__(root)
        self.git = repo or repository(self.root)

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.git.call(fn, *args, **kwargs)

    def _put(self, task_id: str, data: bytes) -> str:
        return self.git.text(["hash-object", "-w", "--no-filters", "--stdin"], input=data)

    def _get(self, task_id: str, key: str) -> bytes:
        try:
            return self.git.read_blob(key)
        except VcsError as err:
            raise VcsError(f"checkpoint content {key[:12]} is missing from the repository: {err}") from err

    def _persist(self, manifest: Manifest) -> None:
        base = {rel: e.base for rel, e in manifest.entries.items()}
        after = {rel: e.written for rel, e in manifest.entries.items() if e.written is not None}
        self._pin(manifest.task_id, "base", base)
        if after:
            self._pin(manifest.task_id, "after", after)

    def _pin(self, task_id: str, which: str, states: dict[str, FileState]) -> None:
        """Point the private ref at a commit whose tree holds the existing files of ``states``."""
        lines = [
            f"{state.mode or 0o100644:o} {state.key}\t{rel}"
            for rel, state in sorted(states.items())
            if state.exists and state.key
        ]
        with tempfile.TemporaryDirectory(prefix="tierwise-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), **_PRIVATE_IDENTITY}
            if lines:
                info = ("\n".join(lines) + "\n").encode()
                self.git.run(["update-index", "--add", "--index-info"], input=info, env=env)
            tree = self.git.text(["write-tree"], env=env)
            message = f"tierwise checkpoint ({which}) of task {task_id}\n\nPrivate; safe to delete.\n"
            commit = self.git.text(["commit-tree", tree], input=message.encode(), env=env)
        self.git.run(["update-ref", task_ref(task_id, which), commit])

    def _drop(self, task_id: str) -> None:
        for which in ("base", "after"):
            with contextlib.suppress(VcsError):
                self.git.run(["update-ref", "-d", task_ref(task_id, which)])

"""Checkpoints for folders that are not git repositories: copies of the touched files, content-addressed,
in ``.tierwise/tasks/<id>/checkpoint/`` next to the manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

from tierwise.vcs.errors import VcsError
from tierwise.vcs.fsutil import task_dir, write_bytes_atomic
from tierwise.vcs.manifest import sha256
from tierwise.vcs.store import CheckpointStore


class CopyCheckpoints(CheckpointStore):
    backend = "copy"

    def _folder(self, task_id: str) -> Path:
        folder = task_dir(self.root, task_id) / "checkpoint"
        folder.mkdir(exist_ok=True)
        return folder

    def _put(self, task_id: str, data: bytes) -> str:
        key = sha256(data)
        target = self._folder(task_id) / key
        if not target.exists():
            write_bytes_atomic(target, data, 0o100644)
        return key

    def _get(self, task_id: str, key: str) -> bytes:
        try:
            return (self._folder(task_id) / key).read_bytes()
        except OSError as err:
            raise VcsError(f"checkpoint copy {key[:12]} of task {task_id!r} is missing: {err}") from err

    def _drop(self, task_id: str) -> None:
        folder = self.root / ".tierwise" / "tasks" / task_id / "checkpoint"
        shutil.rmtree(folder, ignore_errors=True)

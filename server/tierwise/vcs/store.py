"""The checkpoint logic shared by the git and the copy store: record, record_written, restore, diff.

A subclass only says how to keep bytes (``_put``/``_get``), how to pin them (``_persist``) and where its
blocking work runs (``_call``: the repository's git thread, or a worker thread). The public methods are
coroutines (``CheckpointPort``); the work behind them (reading and hashing files, git, atomic writes) never
runs on the event loop. One store runs one operation at a time (a lock around each), so concurrent calls
cannot interleave their manifest updates."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from tierwise.vcs.diff import file_diff
from tierwise.vcs.errors import NoCheckpoint, UserChangedFile, VcsError
from tierwise.vcs.fsutil import (
    check_task_id,
    clean_path,
    file_mode,
    missing_dirs,
    read_bytes,
    task_dir,
    write_bytes_atomic,
)
from tierwise.vcs.manifest import Entry, FileState, Manifest, now, sha256

MANIFEST_NAME = "checkpoint.json"
T = TypeVar("T")


class CheckpointStore(abc.ABC):
    """``CheckpointPort`` implementation skeleton. Paths are workspace-relative posix strings."""

    backend: str = ""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._mutex = threading.Lock()

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking work off the event loop (a subclass may pick the thread)."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def _locked(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._mutex:
            return fn(*args, **kwargs)

    async def _op(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._call(self._locked, fn, *args, **kwargs)

    # -- storage, per backend ------------------------------------------------------------------------------
    @abc.abstractmethod
    def _put(self, task_id: str, data: bytes) -> str:
        """Keep ``data``; return the key that ``_get`` reads it back with."""

    @abc.abstractmethod
    def _get(self, task_id: str, key: str) -> bytes: ...

    def _persist(self, manifest: Manifest) -> None:  # noqa: B027 - optional hook
        """Pin the stored content (git: private refs) after the manifest changed."""

    def _drop(self, task_id: str) -> None:  # noqa: B027 - optional hook
        """Remove what ``_persist`` pinned."""

    # -- manifest ------------------------------------------------------------------------------------------
    def manifest_path(self, task_id: str) -> Path:
        return self.root / ".tierwise" / "tasks" / check_task_id(task_id) / MANIFEST_NAME

    def load(self, task_id: str) -> Manifest | None:
        path = self.manifest_path(task_id)
        try:
            return Manifest.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (ValidationError, ValueError) as err:
            raise VcsError(
                f"{path} is damaged ({err.__class__.__name__}); the task cannot be undone"
            ) from err

    def _save(self, manifest: Manifest) -> None:
        manifest.updated = now()
        self._persist(manifest)
        task_dir(self.root, manifest.task_id)
        data = json.dumps(manifest.model_dump(mode="json"), indent=2).encode() + b"\n"
        write_bytes_atomic(self.manifest_path(manifest.task_id), data)

    def _state(self, task_id: str, rel: str, *, keep: bool) -> FileState:
        full = self.root / rel
        data = read_bytes(full)
        if data is None:
            return FileState(exists=False, missing_dirs=missing_dirs(self.root, rel))
        key = self._put(task_id, data) if keep else None
        return FileState(exists=True, sha256=sha256(data), key=key, mode=file_mode(full))

    # -- CheckpointPort (coroutines) ------------------------------------------------------------------------
    async def checkpoint(self, task_id: str, paths: Sequence[str]) -> None:
        """Record the content (or absence) of each path the first time the task touches it."""
        await self._op(self._checkpoint, task_id, list(paths))

    async def record_written(self, task_id: str, paths: Sequence[str]) -> None:
        """Record what the task has just written (or deleted), so that undo can tell later user edits apart.

        Call ``checkpoint`` for a path before editing it; a path never checkpointed raises VcsError."""
        await self._op(self._record_written, task_id, list(paths))

    async def touched(self, task_id: str) -> list[str]:
        return await self._op(self._touched, task_id)

    async def changed_by_user(self, task_id: str) -> list[str]:
        """Files whose current content differs from what the task last wrote."""
        return await self._op(self._changed_by_user, task_id)

    async def restore(self, task_id: str, *, force: bool = False, skip: Sequence[str] = ()) -> list[str]:
        """Put every touched file back to its pre-task content (deleting files the task created).

        Raises ``UserChangedFile`` when a file changed after the task wrote it, unless ``force``.
        ``skip``: paths restored by the caller (editor buffers); not checked or written, recorded as restored.
        Returns the paths whose content was changed by restoring."""
        return await self._op(self._restore, task_id, force=force, skip=tuple(skip))

    async def diff(self, task_id: str) -> str:
        """Unified diff (git style) of every touched file from its checkpoint to its current content."""
        return await self._op(self._diff, task_id)

    async def forget(self, task_id: str) -> None:
        """Drop the checkpoint (manifest and pinned content); the task can no longer be undone."""
        await self._op(self._forget, task_id)

    # -- the same, blocking (run through ``_op``) ---------------------------------------------------------
    def _checkpoint(self, task_id: str, paths: Sequence[str]) -> None:
        manifest = self.load(task_id) or Manifest(task_id=check_task_id(task_id), backend=self.backend)
        changed = False
        for path in paths:
            rel = clean_path(self.root, path)
            if rel in manifest.entries:
                continue
            manifest.entries[rel] = Entry(path=rel, base=self._state(task_id, rel, keep=True))
            changed = True
        if changed:
            self._save(manifest)

    def _record_written(self, task_id: str, paths: Sequence[str]) -> None:
        manifest = self.load(task_id)
        if manifest is None:
            raise NoCheckpoint(task_id)
        for path in paths:
            rel = clean_path(self.root, path)
            entry = manifest.entries.get(rel)
            if entry is None:
                raise VcsError(f"{rel} was not checkpointed before task {task_id!r} wrote it")
            entry.written = self._state(task_id, rel, keep=True)
        self._save(manifest)

    def _touched(self, task_id: str) -> list[str]:
        manifest = self.load(task_id)
        return sorted(manifest.entries) if manifest else []

    def _changed_by_user(self, task_id: str) -> list[str]:
        manifest = self.load(task_id)
        if manifest is None:
            return []
        return [rel for rel, entry in sorted(manifest.entries.items()) if self._differs(rel, entry.written)]

    def _differs(self, rel: str, written: FileState | None) -> bool:
        if written is None:  # the task never reported a write: nothing to compare against
            return False
        data = read_bytes(self.root / rel)
        if data is None:
            return written.exists
        return not written.exists or sha256(data) != written.sha256

    def _restore(self, task_id: str, *, force: bool = False, skip: Sequence[str] = ()) -> list[str]:
        manifest = self.load(task_id)
        if manifest is None:
            raise NoCheckpoint(task_id)
        skipped = {clean_path(self.root, path) for path in skip}
        entries = sorted(((r, e) for r, e in manifest.entries.items() if r not in skipped), key=lambda item: item[0])
        conflicts = [rel for rel, e in entries if self._differs(rel, e.written)]
        if conflicts and not force:
            raise UserChangedFile(conflicts)
        restored: list[str] = []
        for rel, entry in entries:
            if self._restore_one(task_id, rel, entry.base):
                restored.append(rel)
        for entry in manifest.entries.values():
            entry.written = entry.base
        manifest.restored = now()
        self._save(manifest)
        return restored

    def _restore_one(self, task_id: str, rel: str, base: FileState) -> bool:
        full = self.root / clean_path(self.root, rel)
        current = read_bytes(full)
        if not base.exists:
            if current is None and not full.is_symlink():
                return False
            full.unlink(missing_ok=True)
            for folder in base.missing_dirs:  # deepest first; only folders the task created, if empty
                with contextlib.suppress(OSError):
                    os.rmdir(self.root / folder)
            return True
        if base.key is None:
            raise VcsError(f"checkpoint of {rel} has no stored content")
        if current is not None and sha256(current) == base.sha256:
            if file_mode(full) != base.mode:
                os.chmod(full, 0o755 if base.mode == 0o100755 else 0o644)
                return True
            return False
        write_bytes_atomic(full, self._get(task_id, base.key), base.mode)
        return True

    def _diff(self, task_id: str) -> str:
        manifest = self.load(task_id)
        if manifest is None:
            return ""
        parts: list[str] = []
        for rel, entry in sorted(manifest.entries.items()):
            before = self._get(task_id, entry.base.key) if entry.base.exists and entry.base.key else None
            full = self.root / rel
            after = read_bytes(full)
            mode = file_mode(full) if after is not None else None
            parts.append(file_diff(rel, before, after, entry.base.mode, mode))
        return "".join(parts)

    def _forget(self, task_id: str) -> None:
        self._drop(check_task_id(task_id))
        self.manifest_path(task_id).unlink(missing_ok=True)

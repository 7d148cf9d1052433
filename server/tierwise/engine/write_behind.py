"""Write-behind for ``task.json``: the engine saves a task's state many times per phase, and each save is an
atomic write with ``fsync`` (milliseconds, far more on a busy disk). ``TaskStore.save`` takes the snapshot
at once (the caller's view of the state is what gets written) and hands it to this writer, which writes it
on one background thread, so a language server's event loop never waits on the disk.

- **Order**: one writer thread; for each file the newest snapshot wins (an older one still waiting is
  dropped: it would be overwritten anyway), so a file never goes back to an older state.
- **Atomicity**: every write is ``tierwise.atomic.write_bytes_atomic`` (temporary file, fsync, rename).
- **Read your writes**: ``flush(path)`` waits until that file's pending snapshot is on disk; ``TaskStore``
  reads flush first, in any ``TaskStore`` of the process (the writer is one per process).
- **Errors** are not lost: a failed write is raised by the next ``save`` or ``flush`` of that file.
- At interpreter exit everything pending is written (``atexit``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path


class WriteBehind:
    def __init__(self, write: Callable[[Path, bytes], None]) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._pending: dict[Path, bytes] = {}
        self._writing: Path | None = None
        self._errors: dict[Path, OSError] = {}
        self._thread: threading.Thread | None = None

    def put(self, path: Path, data: bytes) -> None:
        """Queue ``data`` as the new content of ``path``; raises the previous failed write of ``path``."""
        with self._cond:
            error = self._errors.pop(path, None)
            self._pending.pop(path, None)  # re-queued at the end: writes keep the order of the saves
            self._pending[path] = data
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="tierwise-task-state-writer", daemon=True)
                self._thread.start()
            self._cond.notify_all()
        if error is not None:
            raise error

    def flush(self, path: Path | None = None, timeout_s: float = 60.0) -> None:
        """Wait until ``path`` (None: every file) is written; raises its failed write, if any."""
        with self._cond:
            self._cond.wait_for(lambda: not self._busy(path), timeout=timeout_s)
            error = self._errors.pop(path, None) if path is not None else None
        if error is not None:
            raise error

    def _busy(self, path: Path | None) -> bool:
        if path is None:
            return bool(self._pending) or self._writing is not None
        return path in self._pending or self._writing == path

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending))
                path = next(iter(self._pending))
                data = self._pending.pop(path)
                self._writing = path
            try:
                self._write(path, data)
            except OSError as err:
                with self._cond:
                    self._errors[path] = err
            finally:
                with self._cond:
                    self._writing = None
                    self._cond.notify_all()

"""The cost ledger: ``.tierwise/ledger.jsonl``, one JSON line per model call, append-only.

Appends are one ``os.write`` of a whole line on an ``O_APPEND`` descriptor followed by ``fsync``, under a
thread lock: lines from concurrent threads and processes never interleave. Reads are incremental (only
bytes appended since the last read are parsed), so budget checks before every call stay cheap.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from tierwise.gateway.types import LedgerLine
from tierwise.statedir import STATE_DIR, ensure_state_dir

LEDGER_FILE = "ledger.jsonl"


def utc_day_start(now: datetime | None = None) -> datetime:
    moment = now or datetime.now(UTC)
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class Ledger:
    """Append and read the workspace's ledger. Safe to share between threads."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.path = self.root / STATE_DIR / LEDGER_FILE
        self._lock = threading.Lock()
        self._lines: list[LedgerLine] = []
        self._offset = 0
        self._identity: tuple[int, int] | None = None
        self.skipped = 0  # unparseable lines seen (a torn or hand-edited line never breaks reading)

    def append(self, line: LedgerLine) -> None:
        data = (line.model_dump_json() + "\n").encode("utf-8")
        with self._lock:
            ensure_state_dir(self.root)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, data)
                if written != len(data):  # pragma: no cover - regular files take whole small writes
                    raise OSError(f"short write to {self.path}: {written} of {len(data)} bytes")
                os.fsync(fd)
            finally:
                os.close(fd)

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._lines, self._offset, self._identity = [], 0, None
            return
        identity = (stat.st_dev, stat.st_ino)
        if identity != self._identity or stat.st_size < self._offset:
            self._lines, self._offset, self._identity = [], 0, identity  # replaced or truncated: start over
        if stat.st_size == self._offset:
            return
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
        end = chunk.rfind(b"\n") + 1  # a line still being written (no newline yet) waits for the next read
        self._offset += end
        self._lines.extend(self._parse(chunk[:end].splitlines()))

    def _parse(self, raw_lines: Iterable[bytes]) -> list[LedgerLine]:
        parsed = []
        for raw in raw_lines:
            if not raw.strip():
                continue
            try:
                line = LedgerLine.model_validate(json.loads(raw))
            except (ValueError, ValidationError):
                self.skipped += 1
                continue
            if line.time.tzinfo is None:
                line.time = line.time.replace(tzinfo=UTC)
            parsed.append(line)
        return parsed

    def read(self, task_id: str | None = None, since: datetime | None = None) -> list[LedgerLine]:
        """Lines in file order, optionally only one task's and/or those at or after ``since``."""
        with self._lock:
            self._refresh()
            lines = list(self._lines)
        if task_id is not None:
            lines = [line for line in lines if line.task_id == task_id]
        if since is not None:
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
            lines = [line for line in lines if line.time >= since]
        return lines

    def spent(self, *, task_id: str | None = None, since: datetime | None = None) -> float:
        """USD recorded for a task and/or since a moment."""
        return sum(line.cost_usd for line in self.read(task_id=task_id, since=since))

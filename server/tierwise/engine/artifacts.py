"""Task folders: ``.tierwise/tasks/<id>/`` with task.json, PLAN.md, REVIEW.md, replies, reports and logs.

Every write is atomic (temporary file in the same folder, then ``os.replace``), so a crash never leaves
a half-written artifact. Task ids are checked against a strict pattern before they become paths.
"""

from __future__ import annotations

import atexit
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from tierwise.atomic import write_bytes_atomic
from tierwise.engine.state import TaskState, UsageRecord, utc_now
from tierwise.engine.write_behind import WriteBehind
from tierwise.statedir import STATE_DIR, ensure_state_dir

TASK_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_STEP_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


class TaskNotFound(LookupError):
    """No task with that id (or no task at all) in this workspace."""


class InvalidTaskId(ValueError):
    """A task id that could not be a folder name inside ``.tierwise/tasks``."""


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` atomically, creating parent folders (artifacts are private: 0o600)."""
    write_bytes_atomic(path, text.encode("utf-8"), perms=0o600, make_parents=True)


def _write_private(path: Path, data: bytes) -> None:
    write_bytes_atomic(path, data, perms=0o600, make_parents=True)


STATE_WRITER = WriteBehind(_write_private)
"""Writes every ``task.json`` of the process in the background (``tierwise.engine.write_behind``)."""
atexit.register(STATE_WRITER.flush)


def slugify(text: str, max_len: int = 32) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "task"


def new_task_id(task: str, now: datetime | None = None) -> str:
    """A sortable, readable id: ``20250101-120000-fix-median``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{slugify(task, 24)}"


def check_task_id(task_id: str) -> str:
    if not TASK_ID_PATTERN.match(task_id) or ".." in task_id:
        raise InvalidTaskId(f"invalid task id {task_id!r}: use letters, digits, '.', '_' and '-' only")
    return task_id


def step_file_name(step: str) -> str:
    """A step key (``implement/2/r1``) as a file name (``implement.2.r1``)."""
    name = step.replace("/", ".")
    if not _STEP_PATTERN.match(name):
        raise ValueError(f"invalid step key {step!r}")
    return name


class TaskStore:
    """Reads and writes the artifacts of the tasks of one workspace."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.base = root / STATE_DIR
        self.tasks_dir = self.base / "tasks"

    # -- folders -------------------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create ``.tierwise/`` with a ``.gitignore`` of ``*`` so git never sees task artifacts."""
        ensure_state_dir(self.root)
        self.tasks_dir.mkdir(parents=True, exist_ok=True)

    def task_dir(self, task_id: str) -> Path:
        return self.tasks_dir / check_task_id(task_id)

    def path(self, task_id: str, name: str) -> Path:
        return self.task_dir(task_id) / name

    # -- state ---------------------------------------------------------------------------------------
    def save(self, state: TaskState) -> None:
        """Snapshot ``state`` now; the atomic write happens on the write-behind thread (in order, newest
        wins). Raises the previous failed write of this task's file, if any."""
        self.ensure()
        state.updated = utc_now()
        STATE_WRITER.put(self.path(state.id, "task.json"), (state.model_dump_json(indent=2) + "\n").encode("utf-8"))

    def flush(self) -> None:
        """Wait until every saved state is on disk (the CLI before it exits; tests)."""
        STATE_WRITER.flush()

    def load(self, task_id: str) -> TaskState:
        path = self.path(task_id, "task.json")
        STATE_WRITER.flush(path)  # a save of this process still on its way to disk is read back
        try:
            return TaskState.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TaskNotFound(f"no task {task_id!r} in {self.tasks_dir}") from None
        except (ValidationError, ValueError) as err:
            raise TaskNotFound(f"task {task_id!r} has an unreadable task.json ({path}): {err}") from None

    def exists(self, task_id: str) -> bool:
        path = self.path(task_id, "task.json")
        STATE_WRITER.flush(path)
        return path.is_file()

    def list(self) -> list[TaskState]:
        """All readable tasks, oldest first (unreadable folders are skipped)."""
        STATE_WRITER.flush()
        if not self.tasks_dir.is_dir():
            return []
        states: list[TaskState] = []
        for folder in sorted(self.tasks_dir.iterdir()):
            if folder.is_dir() and TASK_ID_PATTERN.match(folder.name):
                try:
                    states.append(self.load(folder.name))
                except TaskNotFound:
                    continue
        states.sort(key=lambda s: (s.created, s.id))
        return states

    def latest(self) -> TaskState | None:
        """The newest loop task (quick fixes are tasks too, but never "the latest task" to go on with)."""
        states = [s for s in self.list() if s.kind == "loop"]
        return states[-1] if states else None

    def resolve(self, task_id: str | None) -> TaskState:
        """The named task, or the latest one when ``task_id`` is None."""
        if task_id is not None:
            return self.load(task_id)
        latest = self.latest()
        if latest is None:
            raise TaskNotFound(f"no task yet in {self.root}; start one with `tierwise plan \"...\"`")
        return latest

    # -- text artifacts ------------------------------------------------------------------------------
    def write(self, task_id: str, name: str, text: str) -> Path:
        path = self.path(task_id, name)
        atomic_write_text(path, text)
        return path

    def read(self, task_id: str, name: str) -> str | None:
        try:
            return self.path(task_id, name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def write_json(self, task_id: str, name: str, data: object) -> Path:
        return self.write(task_id, name, json.dumps(data, indent=2, default=str) + "\n")

    # -- model replies (resume without paying twice) -------------------------------------------------
    def save_reply(self, task_id: str, step: str, text: str, meta: dict[str, object]) -> None:
        """Persist a model reply before the engine acts on it."""
        name = step_file_name(step)
        self.write(task_id, f"replies/{name}.md", text)
        self.write_json(task_id, f"replies/{name}.json", meta)

    def load_reply(self, task_id: str, step: str) -> tuple[str, dict[str, object]] | None:
        name = step_file_name(step)
        text = self.read(task_id, f"replies/{name}.md")
        meta_text = self.read(task_id, f"replies/{name}.json")
        if text is None or meta_text is None:
            return None
        try:
            meta = json.loads(meta_text)
        except json.JSONDecodeError:
            return None
        return text, meta if isinstance(meta, dict) else {}

    # -- usage copy ----------------------------------------------------------------------------------
    def append_usage(self, task_id: str, record: UsageRecord) -> None:
        path = self.path(task_id, "usage.jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(record.model_dump_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def usage(self, task_id: str) -> list[UsageRecord]:
        text = self.read(task_id, "usage.jsonl") or ""
        records: list[UsageRecord] = []
        for line in text.splitlines():
            if line.strip():
                try:
                    records.append(UsageRecord.model_validate_json(line))
                except ValidationError:
                    continue  # a torn last line after a crash
        return records

    # -- originals (the engine's own record of files before the task edited them) ---------------------
    def save_original(self, task_id: str, path: str, text: str | None) -> None:
        index_name = "originals/index.json"
        index = self._originals_index(task_id)
        if path in index:
            return
        blob = f"originals/{len(index):04d}.txt"
        if text is not None:
            self.write(task_id, blob, text)
        index[path] = blob if text is not None else None
        self.write_json(task_id, index_name, index)

    def originals(self, task_id: str) -> dict[str, str | None]:
        result: dict[str, str | None] = {}
        for path, blob in self._originals_index(task_id).items():
            result[path] = self.read(task_id, blob) if blob else None
        return result

    def _originals_index(self, task_id: str) -> dict[str, str | None]:
        text = self.read(task_id, "originals/index.json")
        if not text:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return {}
        return {str(k): (str(v) if v else None) for k, v in data.items()} if isinstance(data, dict) else {}

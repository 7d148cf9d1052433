"""task.json is written behind (``tierwise.engine.write_behind``): ``TaskStore.save`` never writes on the
caller's thread (a language server's event loop), writes keep the order of the saves with the newest
snapshot winning, every write is atomic, a reader in the process reads its own writes, and a failed write
is raised, not lost (issue #12: no request waits on the disk)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tierwise.engine.artifacts import STATE_WRITER, TaskStore
from tierwise.engine.state import TaskState
from tierwise.engine.write_behind import WriteBehind


def test_saves_are_written_on_another_thread_newest_first_and_read_back(tmp_path: Path) -> None:
    release = threading.Event()
    written: list[tuple[str, bytes, str]] = []

    def write(path: Path, data: bytes) -> None:
        release.wait(10)
        written.append((path.name, data, threading.current_thread().name))
        path.write_bytes(data)

    writer = WriteBehind(write)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    writer.put(a, b"a1")  # taken by the thread, which waits on `release`
    for _ in range(200):
        if writer._writing == a:  # noqa: SLF001 - the first write is in flight
            break
        threading.Event().wait(0.01)
    writer.put(a, b"a2")
    writer.put(b, b"b1")
    writer.put(a, b"a3")  # supersedes a2, and is written after b1 (the order of the saves)
    assert written == []  # nothing was written on this thread
    release.set()
    writer.flush()
    assert [(name, data) for name, data, _ in written] == [("a.json", b"a1"), ("b.json", b"b1"), ("a.json", b"a3")]
    assert all(thread != threading.current_thread().name for _, _, thread in written)
    assert a.read_bytes() == b"a3" and b.read_bytes() == b"b1"


def test_a_failed_write_is_raised_by_the_next_save_of_that_file(tmp_path: Path) -> None:
    def write(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    writer = WriteBehind(write)
    target = tmp_path / "task.json"
    writer.put(target, b"x")
    with pytest.raises(OSError, match="No space left"):
        writer.flush(target)
    writer.put(target, b"y")
    writer.flush()
    with pytest.raises(OSError, match="No space left"):
        writer.put(target, b"z")


def test_task_store_reads_its_own_writes_in_any_store_of_the_process(tmp_path: Path) -> None:
    store = TaskStore(tmp_path)
    state = TaskState(id="20260101-120000-demo", task="demo")
    for message in ("one", "two", "three"):
        state.message = message
        store.save(state)
    assert TaskStore(tmp_path).load(state.id).message == "three"  # a second store flushes first
    assert [s.message for s in TaskStore(tmp_path).list()] == ["three"]
    STATE_WRITER.flush()
    on_disk = json.loads((tmp_path / ".tierwise" / "tasks" / state.id / "task.json").read_text())
    assert on_disk["message"] == "three"
    assert (tmp_path / ".tierwise" / "tasks" / state.id / "task.json").stat().st_mode & 0o777 == 0o600

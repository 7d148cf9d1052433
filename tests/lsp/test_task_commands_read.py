"""``tierwise.lsp.task_commands.recorded`` reads a task's commands the way every other reader does
(``TaskStore.load``): a save still in the write-behind queue is read back, a damaged or foreign task.json
and a bad id give nothing."""

from __future__ import annotations

from pathlib import Path

from tierwise.engine.artifacts import TaskStore
from tierwise.engine.state import TaskState
from tierwise.lsp.task_commands import recorded

TASK = "20261201-040000-demo"


def test_recorded_commands_are_read_through_the_task_store(tmp_path: Path) -> None:
    store = TaskStore(tmp_path)
    state = TaskState(id=TASK, task="demo")
    store.save(state)
    store.flush()
    assert recorded(tmp_path, TASK) is None  # nothing recorded yet
    state.test_command, state.lint_command, state.commands_recorded = "pytest -q", "ruff check .", True
    store.save(state)  # not flushed: the reader waits for this path's pending write
    assert recorded(tmp_path, TASK) == {"taskId": TASK, "test": "pytest -q", "lint": "ruff check .",
                                        "recorded": True, "source": "task.json", "problem": None}  # fmt: skip


def test_a_damaged_task_file_or_a_bad_id_gives_nothing(tmp_path: Path) -> None:
    store = TaskStore(tmp_path)
    store.save(TaskState(id=TASK, task="demo", commands_recorded=True, test_command="pytest"))
    store.flush()
    assert recorded(tmp_path, TASK) is not None
    path = store.path(TASK, "task.json")
    path.write_text('{"id": "x", "commands_recorded": true, "test_command": 3', encoding="utf-8")
    assert recorded(tmp_path, TASK) is None
    path.write_text('{"commands_recorded": true, "test_command": "rm -rf /"}', encoding="utf-8")  # no id/task
    assert recorded(tmp_path, TASK) is None
    assert recorded(tmp_path, "../../etc") is None
    assert recorded(tmp_path, "20261201-000000-missing") is None

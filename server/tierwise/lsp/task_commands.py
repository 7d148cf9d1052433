"""The test and lint commands the editors show (issue #11): a task's recorded commands (task.json, resolved
once when the task starts), or, with no task, the commands a new task would record (what `tierwise doctor`
prints). Small file reads, no model stack.

``{"taskId", "test", "lint", "recorded", "source", "problem"}``: ``recorded`` is true for a task's recorded
commands; otherwise ``source`` (``configured`` / ``detected``) and ``problem`` (why the test command could
not start, or that none was found) come from the same check the engine makes before its first paid call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def recorded(root: Path, task_id: str) -> dict[str, Any] | None:
    """The commands recorded in ``task_id``'s task.json, or None (no such task, nothing recorded yet).

    Read through ``TaskStore.load``: validated like every other read of a task, and a save of this process
    still on its way to disk (the write-behind) is read back, not the file's older text."""
    from tierwise.engine.artifacts import TaskNotFound, TaskStore, check_task_id

    try:
        state = TaskStore(root).load(check_task_id(task_id))
    except (TaskNotFound, OSError, ValueError):
        return None
    if not state.commands_recorded:
        return None
    return {
        "taskId": task_id,
        "test": state.test_command,
        "lint": state.lint_command,
        "recorded": True,
        "source": "task.json",
        "problem": None,
    }


def would_record(config: Any, root: Path) -> dict[str, Any]:
    """The commands a new task would record now (configured, else detected), with the preflight's problem."""
    from tierwise.runner.summary import commands_summary

    summary = commands_summary(config, Path(root))
    test, lint = summary["test"], summary["lint"]
    return {
        "taskId": None,
        "test": test["command"],
        "lint": lint["command"],
        "recorded": False,
        "source": test["source"],
        "problem": test["problem"] or lint["problem"],
    }


def for_status(root: Path, config: Any, task_id: str | None, running: list[str]) -> dict[str, Any] | None:
    """What ``tierwise.status`` reports: the named task's recorded commands, else the running task's, else
    (no task, or a task that recorded none) what a new task would record; None without a configuration."""
    for candidate in ([task_id] if task_id else running):
        found = recorded(root, candidate)
        if found is not None:
            return found
    if config is None:
        return None
    try:
        return {**would_record(config, root), "taskId": task_id}
    except Exception as err:  # noqa: BLE001 - status must answer even when detection fails
        return {"taskId": task_id, "test": None, "lint": None, "recorded": False, "source": None,
                "problem": f"the commands could not be resolved: {err}"}


class CommandsCache:
    """Recorded commands per task for the ``tierwise/status`` notifications: a task records its commands once
    (they never change under it: engine/commands.py stops the task instead), so once read they are kept."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._known: dict[str, dict[str, Any]] = {}

    def get(self, task_id: str) -> dict[str, Any] | None:
        known = self._known.get(task_id)
        if known is None:
            known = recorded(self._root, task_id)
            if known is not None:
                if len(self._known) >= 256:
                    self._known.pop(next(iter(self._known)))
                self._known[task_id] = known
        return known

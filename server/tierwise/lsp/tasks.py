"""Which asyncio task runs which tierwise task, so that cancellation from any LSP route reaches it.

Three routes cancel a running task: ``tierwise.cancel {taskId}``, ``window/workDoneProgress/cancel``
with the task's progress token, and ``$/cancelRequest`` naming the ``workspace/executeCommand`` request that
started it. All three end in ``asyncio.Task.cancel()``; the engine turns that into a consistent workspace and
a ``resumable`` task.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

_REQUEST_MEMORY = 256  # request ids remembered after their command returned


@dataclass
class RunningTask:
    task_id: str
    phase: str
    job: asyncio.Task[object]
    token: str | None = None
    request_id: Hashable | None = None
    cancel_reason: str | None = field(default=None)


class TaskRegistry:
    """Task id ↔ asyncio task ↔ progress token ↔ request id."""

    def __init__(self) -> None:
        self._running: dict[str, RunningTask] = {}
        self._by_token: dict[str, str] = {}
        self._by_request: OrderedDict[Hashable, str] = OrderedDict()

    def add(self, entry: RunningTask) -> None:
        if self.is_running(entry.task_id):
            raise ValueError(f"task {entry.task_id} is already running; cancel it first")
        self._running[entry.task_id] = entry
        if entry.request_id is not None:
            self._by_request[entry.request_id] = entry.task_id
            while len(self._by_request) > _REQUEST_MEMORY:
                self._by_request.popitem(last=False)
        entry.job.add_done_callback(lambda _job: self._forget(entry))

    def set_token(self, task_id: str, token: str) -> None:
        entry = self._running.get(task_id)
        if entry is not None:
            entry.token = token
            self._by_token[token] = task_id

    def token_for(self, task_id: str) -> str | None:
        entry = self._running.get(task_id)
        return entry.token if entry else None

    def is_running(self, task_id: str) -> bool:
        entry = self._running.get(task_id)
        return entry is not None and not entry.job.done()

    def running(self) -> list[RunningTask]:
        return [entry for entry in self._running.values() if not entry.job.done()]

    def get(self, task_id: str) -> RunningTask | None:
        return self._running.get(task_id)

    def cancel(self, task_id: str, reason: str) -> bool:
        """Cancel a running task; False when no task of that id is running."""
        entry = self._running.get(task_id)
        if entry is None or entry.job.done():
            return False
        entry.cancel_reason = entry.cancel_reason or reason
        entry.job.cancel(reason)
        return True

    def cancel_by_token(self, token: str) -> bool:
        task_id = self._by_token.get(token)
        return task_id is not None and self.cancel(task_id, "progress cancelled by the user")

    def cancel_by_request(self, request_id: Hashable) -> bool:
        task_id = self._by_request.get(request_id)
        return task_id is not None and self.cancel(task_id, f"request {request_id} cancelled by the client")

    def cancel_all(self, reason: str) -> int:
        return sum(self.cancel(task_id, reason) for task_id in list(self._running))

    async def wait_all(self, timeout_s: float) -> None:
        jobs = [entry.job for entry in self.running()]
        if jobs:
            await asyncio.wait(jobs, timeout=timeout_s)

    def _forget(self, entry: RunningTask) -> None:
        if self._running.get(entry.task_id) is entry:
            del self._running[entry.task_id]
        if entry.token is not None:
            self._by_token.pop(entry.token, None)

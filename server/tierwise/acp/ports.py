"""The engine's ports on top of an ACP client: updates (UserPort), files (FilesPort), test runs (CommandPort).

Every session update goes through one ``UpdateSender`` so that updates reach the client in the order the
engine produced them, from synchronous code (``UserPort.progress``) as well as from coroutines.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from acp import RequestError
from acp.helpers import (
    start_tool_call,
    text_block,
    tool_content,
    tool_diff_content,
    update_agent_message_text,
    update_plan,
    update_tool_call,
)
from acp.schema import PermissionOption, ToolCallLocation, ToolCallUpdate

from tierwise.acp.updates import PHASE_KINDS, phase_title, plan_entries, trim
from tierwise.edits import resolve_in_workspace
from tierwise.engine.planfile import Plan
from tierwise.engine.ports import (
    ApplyOutcome,
    BudgetQuestion,
    CommandPort,
    CommandResult,
    Document,
    FileChange,
    ProgressEvent,
)
from tierwise.engine.state import TaskState
from tierwise.headless.files import DiskFiles

log = logging.getLogger(__name__)

Snapshot = Callable[[str], tuple[Plan | None, TaskState | None]]


class UpdateSender:
    """Ordered ``session/update`` notifications for one session; ``post`` never blocks the caller."""

    def __init__(self, conn: Any, session_id: str) -> None:
        self.conn = conn
        self.session_id = session_id
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def post(self, update: Any) -> None:
        self._queue.put_nowait(update)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while not self._queue.empty():
            update = self._queue.get_nowait()
            try:
                await self.conn.session_update(session_id=self.session_id, update=update)
            except Exception as err:  # a client that went away must not stop the task
                log.warning("session/update failed: %s", err)
            finally:
                self._queue.task_done()

    async def flush(self) -> None:
        """Wait until every posted update was sent (before a turn's response or a question)."""
        if self._worker is not None:
            await asyncio.shield(self._queue.join())


class AcpUser:
    """UserPort: phases as tool calls, summaries as agent messages, PLAN.md as the ACP plan, questions as
    permission requests."""

    def __init__(self, sender: UpdateSender, snapshot: Snapshot, root: Path) -> None:
        self.sender = sender
        self.snapshot = snapshot
        self.root = root
        self.tier: str | None = None
        self.model: str | None = None
        self.open_calls: dict[str, str] = {}  # phase -> tool call id
        self._shown: str | None = None

    # -- progress -----------------------------------------------------------------------------------------
    def progress(self, event: ProgressEvent) -> None:
        if event.tier:
            self.tier, self.model = event.tier, event.model
        post = self.sender.post
        if event.state == "begin" or event.phase not in self.open_calls:
            call_id = self.sender.new_id(f"{event.task_id}-{event.phase}")
            self.open_calls[event.phase] = call_id
            post(start_tool_call(call_id, phase_title(event.phase, event.tier, event.model),
                                 kind=PHASE_KINDS.get(event.phase, "other"), status="in_progress"))  # type: ignore[arg-type]
            if event.state == "begin":
                return
        call_id = self.open_calls[event.phase]
        if event.state == "end":
            del self.open_calls[event.phase]
            post(update_tool_call(call_id, status="completed", title=phase_title(event.phase, self.tier, self.model),
                                  content=[tool_content(text_block(event.message))]))
            post(update_agent_message_text(f"**{event.phase}**: {event.message}\n\n"))
        else:
            title = phase_title(event.phase, event.tier, event.model) if event.tier else None
            post(update_tool_call(call_id, title=title, content=[tool_content(text_block(event.message))]))
        if event.phase in ("plan", "refine", "implement"):
            self.refresh_plan(event.task_id)

    def refresh_plan(self, task_id: str) -> None:
        plan, state = self.snapshot(task_id)
        if plan is not None and plan.files:
            self.sender.post(update_plan(plan_entries(plan, state)))

    def close_open_calls(self, status: Literal["completed", "failed"], note: str | None = None) -> None:
        """End the tool calls of phases that stopped without an end event (failure, cancel, budget)."""
        for phase, call_id in list(self.open_calls.items()):
            content = [tool_content(text_block(note))] if note else None
            self.sender.post(update_tool_call(call_id, status=status, content=content))
            del self.open_calls[phase]

    def notify(self, level: Literal["info", "warning", "error"], message: str) -> None:
        prefix = "" if level == "info" else f"{level}: "
        self.sender.post(update_agent_message_text(f"{prefix}{message}\n\n"))

    def say(self, text: str) -> None:
        self.sender.post(update_agent_message_text(text))

    # -- questions ----------------------------------------------------------------------------------------
    async def ask_budget(self, question: BudgetQuestion) -> bool:
        """A call would cross the task's ceiling: a permission request to raise it by the stated amount."""
        return await self._permission(
            question.text, [tool_content(text_block(question.text))],
            allow=f"Raise by ${question.raise_by_usd:.2f}", reject="Stop here",
        )

    async def confirm(self, question: str, detail: str = "") -> bool:
        """A permission request: allow or reject, with the document shown last (PLAN.md) as content."""
        content = []
        if self._shown:
            try:
                text = resolve_in_workspace(self.root, self._shown).read_text(encoding="utf-8")
                content.append(tool_content(text_block(text)))
            except (OSError, ValueError) as err:
                log.warning("cannot attach %s to the question: %s", self._shown, err)
        if detail:
            content.append(tool_content(text_block(detail)))
        return await self._permission(question, content, allow="Yes, go on", reject="No, stop here")

    async def _permission(self, title: str, content: list[Any], *, allow: str, reject: str) -> bool:
        await self.sender.flush()
        call = ToolCallUpdate(tool_call_id=self.sender.new_id("permission"), title=title, kind="edit",
                              status="pending", content=content or None)
        options = [
            PermissionOption(option_id="allow", name=allow, kind="allow_once"),
            PermissionOption(option_id="reject", name=reject, kind="reject_once"),
        ]
        response = await self.sender.conn.request_permission(session_id=self.sender.session_id,
                                                             tool_call=call, options=options)
        outcome = response.outcome
        return getattr(outcome, "outcome", None) == "selected" and getattr(outcome, "option_id", None) == "allow"

    async def show_document(self, path: str) -> None:
        self._shown = path


class ClientFiles:
    """FilesPort: through the client's ``fs/read_text_file`` / ``fs/write_text_file`` when it offers them (so
    unsaved editor buffers are what the loop reads and edits), else the disk. Every path is confined to the
    workspace first, exactly as on disk. Each applied change is reported as an ``edit`` tool call with its
    diff."""

    def __init__(self, root: Path, sender: UpdateSender, user: AcpUser, *, can_read: bool, can_write: bool) -> None:
        self.root = Path(root)
        self.sender = sender
        self.user = user
        self.can_read = can_read
        self.can_write = can_write
        self.disk = DiskFiles(self.root)
        self.attached: dict[str, str] = {}  # texts the client attached to the prompt (editor selections)

    async def read(self, path: str) -> Document:
        rel, full = self.disk.locate(path, write=False)
        if self.can_read and full.is_file():
            try:
                response = await self.sender.conn.read_text_file(session_id=self.sender.session_id, path=str(full))
                return Document(rel, response.content)
            except RequestError as err:
                log.info("fs/read_text_file %s failed (%s); reading the disk", rel, err)
        return await self.disk.read(rel)

    async def apply(self, changes: Sequence[FileChange]) -> ApplyOutcome:
        outcome = ApplyOutcome()
        for change in changes:
            try:
                rel, full = self.disk.locate(change.path, write=True, artifact=change.artifact)  # same confinement
                current = await self.read(rel)
            except (ValueError, OSError) as err:
                outcome.rejected[change.path] = str(err)
                continue
            if current.text != change.base.text:
                outcome.rejected[change.path] = "the file changed since it was read"
                continue
            if change.new_text is None or not self.can_write:
                done = await self.disk.apply([FileChange(rel, Document(rel, current.text), change.new_text,
                                                         artifact=change.artifact)])
                outcome.applied.extend(done.applied)
                outcome.rejected.update(done.rejected)
            else:
                try:
                    await self.sender.conn.write_text_file(session_id=self.sender.session_id, path=str(full),
                                                           content=change.new_text)
                except RequestError as err:
                    outcome.rejected[change.path] = f"the editor refused the write: {err}"
                    continue
                outcome.applied.append(rel)
            if rel in outcome.applied:
                self._report(rel, full, current.text, change.new_text)
        return outcome

    def _report(self, rel: str, full: Path, old: str | None, new: str | None) -> None:
        who = phase_title("", self.user.tier, self.user.model).lstrip(" ·") if self.user.tier else ""
        verb = "delete" if new is None else ("create" if old is None else "edit")
        title = f"{verb} {rel}" + (f" · {who}" if who else "")
        self.sender.post(start_tool_call(
            self.sender.new_id("edit"), title, kind="delete" if new is None else "edit", status="completed",
            content=[tool_diff_content(str(full), new or "", old)], locations=[ToolCallLocation(path=str(full))],
        ))

    async def list_files(self) -> list[str]:
        return await self.disk.list_files()


class ReportingCommands:
    """CommandPort wrapper: each configured command run (tests, lint) is an ``execute`` tool call with its
    trimmed output — keys masked first (``mask``: ``tierwise.engine.commands.mask_output`` with the session's
    configuration), since the client shows and keeps it before the engine sees the result."""

    def __init__(self, inner: CommandPort, sender: UpdateSender, user: AcpUser,
                 mask: Callable[[str], str]) -> None:
        self.inner = inner
        self.sender = sender
        self.user = user
        self.mask = mask

    async def run(self, command: str, *, cwd: Path, timeout_s: float, **kwargs: Any) -> CommandResult:
        call_id = self.sender.new_id("run")
        title = f"run `{command}`" + (f" · after {self.user.tier}" if self.user.tier else "")
        self.sender.post(start_tool_call(call_id, title, kind="execute", status="in_progress",
                                         raw_input={"command": command, "cwd": str(cwd)}))
        try:
            raw = await self.inner.run(command, cwd=cwd, timeout_s=timeout_s, **kwargs)
            result = replace(raw, output=await asyncio.to_thread(self.mask, raw.output))
        except BaseException as err:
            self.sender.post(update_tool_call(call_id, status="failed",
                                              content=[tool_content(text_block(f"could not run: {err}"))]))
            raise
        verdict = "timed out" if result.timed_out else f"exit code {result.exit_code}"
        if result.protected_changes:
            verdict += "; changed files no command may change (put back): " + "; ".join(result.protected_changes)
        self.sender.post(update_tool_call(
            call_id, status="completed" if result.passed else "failed",
            content=[tool_content(text_block(f"{verdict} in {result.duration_s:.1f}s\n{trim(result.output)}"))],
            raw_output={"exit_code": result.exit_code, "timed_out": result.timed_out},
        ))
        return result

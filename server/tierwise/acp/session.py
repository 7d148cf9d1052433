"""One ACP session: a workspace, its engine on the client's ports, and the tierwise tasks it ran.

A session is recorded in ``.tierwise/acp/<session id>.json`` (its tasks and mode) so that ``session/load``
can replay it and go on. A plain prompt starts a task and runs the loop (or only plan and refine in the
"plan" mode); ``/command`` prompts run one phase on the session's latest task.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from acp import RequestError
from acp.helpers import update_plan, update_user_message_text
from acp.schema import SessionMode, SessionModeState
from pydantic import BaseModel, Field, ValidationError

from tierwise.acp.ports import AcpUser, ClientFiles, ReportingCommands, UpdateSender
from tierwise.acp.updates import SLASH_COMMANDS, plan_entries, result_text
from tierwise.atomic import write_bytes_atomic
from tierwise.config.model import Config
from tierwise.engine.artifacts import new_task_id
from tierwise.engine.commands import mask_output
from tierwise.engine.planfile import Plan, parse_plan
from tierwise.engine.state import TaskState
from tierwise.statedir import ensure_state_dir

log = logging.getLogger(__name__)

MODES = {
    "loop": ("Whole loop", "plan → refine → implement → test and fix → review", None),
    "plan": ("Plan only", "plan and refine; implement later with /implement", ["plan", "refine"]),
}
DEFAULT_MODE = "loop"


class SessionRecord(BaseModel):
    id: str
    cwd: str
    mode: str = DEFAULT_MODE
    tasks: list[str] = Field(default_factory=list)


def record_path(root: Path, session_id: str) -> Path:
    return root / ".tierwise" / "acp" / f"{session_id}.json"


def load_record(root: Path, session_id: str) -> SessionRecord | None:
    if not session_id.replace("-", "").isalnum():
        return None
    try:
        return SessionRecord.model_validate_json(record_path(root, session_id).read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        return None


def mode_state(current: str) -> SessionModeState:
    modes = [SessionMode(id=key, name=name, description=text) for key, (name, text, _) in MODES.items()]
    return SessionModeState(current_mode_id=current, available_modes=modes)


def prompt_text(blocks: Sequence[Any], root: Path) -> tuple[str, list[str]]:
    """The prompt's text, and the workspace files the client attached (resources, links, selections)."""
    texts: list[str] = []
    paths: list[str] = []
    for block in blocks:
        kind = getattr(block, "type", None)
        if kind == "text":
            texts.append(block.text)
        elif kind in ("resource", "resource_link"):
            uri = block.resource.uri if kind == "resource" else block.uri
            rel = _workspace_path(uri, root)
            if rel is not None:
                paths.append(rel)
    return "\n".join(t for t in texts if t.strip()).strip(), list(dict.fromkeys(paths))


def _workspace_path(uri: str, root: Path) -> str | None:
    raw = uri[len("file://"):] if uri.startswith("file://") else uri
    try:
        path = Path(raw)
        rel = path.resolve().relative_to(root.resolve()) if path.is_absolute() else path
    except (OSError, ValueError):
        return None
    return rel.as_posix() if (root / rel).is_file() else None


def _reload(root: Path, config: Config) -> Config:
    """The configuration as its files say now (the engine stops a task whose test command changed)."""
    from tierwise.config.loader import ConfigError, resolve_config

    try:
        return resolve_config(root).config
    except ConfigError:
        return config


class AcpSession:
    def __init__(self, record: SessionRecord, root: Path, config: Config, conn: Any, *,
                 can_read: bool, can_write: bool) -> None:
        from tierwise.headless.wiring import build_engine, default_commands

        self.record = record
        self.root = root
        self.sender = UpdateSender(conn, record.id)
        self.user = AcpUser(self.sender, self.snapshot, root)
        self.files = ClientFiles(root, self.sender, self.user, can_read=can_read, can_write=can_write)
        commands = ReportingCommands(default_commands(config, ui=self.user), self.sender, self.user,
                                     mask=functools.partial(mask_output, config))
        self.engine = build_engine(root, config, ui=self.user, files=self.files, commands=commands,
                                   reload_config=lambda: _reload(root, config))
        self._turn: asyncio.Task[str] | None = None
        self._cancel_requested = False

    @classmethod
    def create(cls, root: Path, config: Config, conn: Any, **caps: bool) -> AcpSession:
        record = SessionRecord(id=f"tw-{uuid.uuid4().hex[:16]}", cwd=str(root))
        session = cls(record, root, config, conn, **caps)
        session.save()
        return session

    @property
    def id(self) -> str:
        return self.record.id

    def save(self) -> None:
        ensure_state_dir(self.root)
        data = self.record.model_dump_json(indent=2).encode("utf-8")
        write_bytes_atomic(record_path(self.root, self.id), data, make_parents=True)

    def snapshot(self, task_id: str) -> tuple[Plan | None, TaskState | None]:
        state = self.engine.status(task_id)
        text = self.engine.store.read(task_id, "PLAN.md") if state is not None else None
        return (parse_plan(text) if text else None), state

    def latest_task(self) -> str | None:
        return self.record.tasks[-1] if self.record.tasks else None

    def set_mode(self, mode_id: str) -> None:
        if mode_id not in MODES:
            raise RequestError.invalid_params({"message": f"unknown mode {mode_id!r}; modes: {', '.join(MODES)}"})
        self.record.mode = mode_id
        self.save()

    # -- history ------------------------------------------------------------------------------------------
    def replay(self) -> None:
        """Send the session's history: each task's request, its plan and its result."""
        for task_id in self.record.tasks:
            plan, state = self.snapshot(task_id)
            if state is None:
                continue
            self.sender.post(update_user_message_text(state.task))
            if plan is not None and plan.files:
                self.sender.post(update_plan(plan_entries(plan, state)))
            self.user.say(result_text(state) + "\n\n")
        latest = self.engine.status(self.latest_task()) if self.latest_task() else None
        if latest is not None and latest.status not in ("done",):
            self.user.say("The last task can go on: send /resume.\n\n")

    # -- turns --------------------------------------------------------------------------------------------
    async def prompt(self, blocks: Sequence[Any]) -> str:
        if self._turn is not None:
            raise RequestError.invalid_request(
                {"message": f"session {self.id} is already running a prompt; send session/cancel first"})
        self._cancel_requested = False
        self._turn = asyncio.get_running_loop().create_task(self._run(blocks))
        try:
            reason = await self._turn
        except asyncio.CancelledError:
            if not (self._cancel_requested and self._turn.cancelled()):
                raise
            reason = "cancelled"
            self.user.close_open_calls("failed", "cancelled")
            self.user.say("Cancelled. The task is kept; send /resume to go on.\n\n")
        finally:
            self._turn = None
        await self.sender.flush()
        return reason

    async def cancel(self) -> None:
        if self._turn is not None and not self._turn.done():
            self._cancel_requested = True
            self._turn.cancel()

    async def _run(self, blocks: Sequence[Any]) -> str:
        from tierwise.acp.errors import explain

        text, paths = prompt_text(blocks, self.root)
        try:
            if not text:
                self.user.say("The prompt is empty: describe a task, or send a /command.\n\n")
            elif text.startswith("/"):
                await self._command(text[1:])
            else:
                await self._loop(text, paths)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            message = explain(err)
            if message is None:
                log.exception("internal error in an ACP turn")
                message = f"internal error: {type(err).__name__}: {err}"
            self.user.close_open_calls("failed", message)
            self.user.say(f"error: {message}\n\n")
        return "end_turn"

    async def _loop(self, text: str, paths: list[str], phases: list[str] | None = None) -> None:
        task_id = new_task_id(text)
        self.record.tasks.append(task_id)
        self.save()
        chosen = phases if phases is not None else MODES[self.record.mode][2]
        state = await self.engine.run(text, paths=paths, phases=chosen, approve=True, task_id=task_id)
        self._finish(state)

    def _finish(self, state: TaskState) -> None:
        self.user.close_open_calls("failed" if state.status == "failed" else "completed")
        self.user.refresh_plan(state.id)
        hint = ""
        if state.status in ("cancelled", "budget_stopped", "resumable", "ready"):
            hint = "\nSend /resume to go on (edit PLAN.md first if you want changes)."
        self.user.say(result_text(state) + hint + "\n\n")

    async def _command(self, line: str) -> None:
        name, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        engine = self.engine
        if name not in SLASH_COMMANDS:
            self.user.say(f"Unknown command /{name}. Commands: " + ", ".join(f"/{c}" for c in SLASH_COMMANDS) + "\n\n")
            return
        if name == "plan":
            if not arg:
                self.user.say("/plan needs a task: /plan fix the median of even lists\n\n")
                return
            await self._loop(arg, [], phases=["plan"])
            return
        if name == "context":
            from tierwise.acp.context_view import context_text

            self.user.say(await context_text(self.root, arg or self._task_text()) + "\n\n")
            return
        if name == "fix" and self.latest_task() is None:
            state = await engine.test_fix(None)
            self.record.tasks.append(state.id)
            self.save()
            self._finish(state)
            return
        task_id = self.latest_task()
        if task_id is None:
            self.user.say("No task in this session yet: send a prompt first.\n\n")
            return
        if name == "cost":
            from tierwise.acp.errors import cost_text

            self.user.say(cost_text(engine.usage(task_id)) + "\n\n")
            return
        if name == "undo":
            restored = await engine.undo(task_id)
            listed = ", ".join(f"`{p}`" for p in restored) or "nothing to restore"
            self.user.say(f"Undone: {listed}.\n\n")
            return
        if name == "implement":
            state = engine.status(task_id)
            if state is not None and not state.plan_approved and state.plan_path:
                await self.user.show_document(state.plan_path)
                if not await self.user.confirm("Implement this plan?", "Edit PLAN.md first if you want changes."):
                    self.user.say("Plan not approved; nothing was changed. Edit PLAN.md and send /implement again.\n\n")
                    return
        runners = {
            "refine": engine.refine, "implement": engine.implement, "fix": engine.test_fix,
            "review": engine.review,
        }
        if name == "resume":
            state = await engine.run("", resume=task_id, approve=True)
        else:
            state = await runners[name](task_id)
        self._finish(state)

    def _task_text(self) -> str:
        task_id = self.latest_task()
        state = self.engine.status(task_id) if task_id else None
        return state.task if state is not None else ""

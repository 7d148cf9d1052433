"""The engine facade: the coding loop's phases behind one small API shared by the LSP server and the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from tierwise.config.model import Config
from tierwise.edits import BinaryFileError, FileTooLargeError, PathOutsideWorkspace
from tierwise.engine.artifacts import TaskNotFound, TaskStore, check_task_id, new_task_id
from tierwise.engine.commands import (
    CommandsChanged,
    NoTestCommand,
    ProtectedFilesChanged,
    record_commands,
    verify_commands,
)
from tierwise.engine.editing import EditReport
from tierwise.engine.implement import run_implement
from tierwise.engine.plan import current_plan, run_plan
from tierwise.engine.planfile import Plan, PlanInvalid
from tierwise.engine.ports import (
    CheckpointPort,
    CommandPort,
    ContextPort,
    FileChange,
    FilesPort,
    ModelPort,
    UserPort,
)
from tierwise.engine.prompts import PromptError
from tierwise.engine.quickfix import QuickFixFailed, quick_fix_task, quick_fix_task_id, run_quick_fix
from tierwise.engine.refine import run_refine
from tierwise.engine.review import apply_findings, run_review
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import (
    LOOP_PHASES,
    DiagnosticInfo,
    PhaseName,
    TaskState,
    UsageRecord,
    ready_message,
)
from tierwise.engine.testfix import run_testfix
from tierwise.engine.undo import run_undo
from tierwise.gateway.types import BudgetExceeded, ModelCallFailed, NoModelConfigured
from tierwise.runner import CommandNotRunnable

STOPPED = frozenset({"failed", "budget_stopped", "cancelled"})
"""Statuses after which ``run`` does not go on to the next phase."""

_REPORTED_ERRORS = (ModelCallFailed, PlanInvalid, PromptError, NoTestCommand, CommandNotRunnable, QuickFixFailed,
                    CommandsChanged, ProtectedFilesChanged)
_FILE_ERRORS = (FileTooLargeError, BinaryFileError, PathOutsideWorkspace, OSError, UnicodeError)
"""File problems a phase reports as a clear message (never a traceback); resume re-runs the phase."""
_RERUN_ERRORS = frozenset({"PlanInvalid", "FileTooLargeError", "BinaryFileError", "PathOutsideWorkspace",
                           "UnicodeDecodeError"})
"""Failures a stored reply or artifact may cause: resuming them re-runs the phase with fresh step keys."""
FIX_TASK_TEXT = "Make the failing checks pass"


def parse_phases(phases: Sequence[str] | None) -> list[PhaseName]:
    """Validated phase names in loop order (all of them when ``phases`` is None or empty)."""
    if not phases:
        return list(LOOP_PHASES)
    unknown = [p for p in phases if p not in LOOP_PHASES]
    if unknown:
        raise ValueError(f"unknown phase {unknown[0]!r}; phases are: {', '.join(LOOP_PHASES)}")
    return [p for p in LOOP_PHASES if p in phases]


class Engine:
    def __init__(
        self,
        root: Path,
        config: Config,
        *,
        models: ModelPort,
        files: FilesPort,
        ui: UserPort,
        commands: CommandPort | None = None,
        checkpoints: CheckpointPort | None = None,
        reload_config: Callable[[], Config] | None = None,
        context: ContextPort | None = None,
    ) -> None:
        """``reload_config``: re-reads the configuration from its files (the CLI gives one), so that a test
        command changed on disk during a task is noticed (``engine.commands``)."""
        self.root = Path(root)
        self.config = config
        self.store = TaskStore(self.root)
        self.ctx = PhaseContext(
            root=self.root, config=config, models=models, files=files, ui=ui, store=self.store,
            commands=commands, checkpoints=checkpoints, reload_config=reload_config, context=context,
        )

    @property
    def models(self) -> ModelPort:
        return self.ctx.models

    @property
    def files(self) -> FilesPort:
        return self.ctx.files

    # -- queries ------------------------------------------------------------------------------------------
    def status(self, task_id: str | None = None) -> TaskState | None:
        try:
            return self.store.resolve(task_id)
        except TaskNotFound:
            return None

    def tasks(self) -> list[TaskState]:
        return self.store.list()

    def usage(self, task_id: str) -> list[UsageRecord]:
        return self.store.usage(task_id)

    # -- single phases ------------------------------------------------------------------------------------
    def new_task(
        self, task: str, *, paths: Sequence[str] = (), task_id: str | None = None,
        phases: Sequence[str] | None = None,
    ) -> TaskState:
        if not task.strip():
            raise ValueError("the task text is empty; describe what to do")
        task_id = check_task_id(task_id) if task_id else new_task_id(task)
        if self.store.exists(task_id):
            raise ValueError(f"task {task_id} already exists; resume it or pick another id")
        state = TaskState(id=task_id, task=task.strip(), paths=list(paths), phases=parse_phases(phases))
        self.store.save(state)
        return state

    async def plan(self, task: str, *, paths: Sequence[str] = (), task_id: str | None = None) -> TaskState:
        state = self.new_task(task, paths=paths, task_id=task_id)
        try:  # record the commands the task starts with (checked when the fix phase needs them)
            record_commands(self.ctx, state, require=False)
        except _REPORTED_ERRORS as err:
            return self._stop(state, "failed", str(err), err)
        return await self._phase(state, "plan")

    async def refine(self, task_id: str) -> TaskState:
        return await self._phase(self.store.load(task_id), "refine", again=True)

    async def implement(self, task_id: str) -> TaskState:
        return await self._phase(self.store.load(task_id), "implement", again=True)

    async def test_fix(self, task_id: str | None = None) -> TaskState:
        state = self.status(task_id) if task_id is None else self.store.load(task_id)
        if state is None:
            state = self.new_task(FIX_TASK_TEXT, phases=["fix"])
        return await self._phase(state, "fix", again=True)

    async def review(self, task_id: str | None = None) -> TaskState:
        return await self._phase(self.store.resolve(task_id), "review", again=True)

    # -- the whole loop -----------------------------------------------------------------------------------
    async def run(
        self,
        task: str,
        *,
        phases: Sequence[str] | None = None,
        resume: str | None = None,
        approve: bool = True,
        paths: Sequence[str] = (),
        task_id: str | None = None,
    ) -> TaskState:
        """Run the requested phases in order; with ``resume``, continue a task from its last finished step.

        ``approve``: show PLAN.md and ask (UserPort.confirm) before implementing it."""
        try:
            return await self._run(task, phases=phases, resume=resume, approve=approve, paths=paths,
                                   task_id=task_id)
        finally:
            await self._flush_states()

    async def _run(
        self, task: str, *, phases: Sequence[str] | None, resume: str | None, approve: bool,
        paths: Sequence[str], task_id: str | None,
    ) -> TaskState:
        if resume is not None:
            state = self.store.load(resume)
            if phases:
                state.phases = parse_phases(phases)
            if state.status == "failed":
                self._reopen_failed(state)
            state.status = "running"
            self.store.save(state)
        else:
            state = self.new_task(task, paths=paths, task_id=task_id, phases=phases)
        try:  # before the first paid call: the commands that will decide the task must exist
            record_commands(self.ctx, state, require="fix" in state.phases and not state.is_complete("fix"))
        except _REPORTED_ERRORS as err:
            return self._stop(state, "failed", str(err), err)
        for phase in LOOP_PHASES:
            if phase not in state.phases or state.is_complete(phase):
                continue
            needs_approval = phase == "implement" and approve and not state.plan_approved
            if needs_approval and not await self._approve(state):
                return state
            state = await self._phase(state, phase)
            if state.status in STOPPED:
                return state
        if state.status != "done":  # resumed with every requested phase already finished
            state.status, state.message = "done", None
        self.store.save(state)
        return state

    def _reopen_failed(self, state: TaskState) -> None:
        """A resumed failed task re-runs the phase that failed with fresh step keys, so a stored reply that
        caused the failure is not replayed; a plan that no longer validates sends the task back to plan."""
        if state.error_type not in _RERUN_ERRORS:  # a crash or an outage: stored replies are still good
            return
        if state.error_type == "PlanInvalid" and state.phase != "plan" and state.is_complete("plan"):
            state.completed_phases = [p for p in state.completed_phases if p not in ("plan", "refine")]
            state.plan_approved = False
            state.rerun("plan")
            if "refine" in state.phases:
                state.rerun("refine")
        elif state.phase in state.phases:
            state.rerun(state.phase)
        state.error_type = None

    async def _approve(self, state: TaskState) -> bool:
        await self._flush_states()  # the user may read task.json while the question is open
        if state.plan_path:
            await self.ctx.ui.show_document(state.plan_path)
        ok = await self.ctx.ui.confirm(
            "Implement this plan?", f"Edit {state.plan_path or 'PLAN.md'} first if you want changes."
        )
        if ok:
            state.plan_approved = True
        else:
            state.status = "cancelled"
            state.message = f"plan not approved; edit PLAN.md and resume with: tierwise run --resume {state.id}"
        self.store.save(state)
        return ok

    # -- phase runner -------------------------------------------------------------------------------------
    async def _flush_states(self) -> None:
        """Wait (off the event loop) until every saved task state is on disk: task.json is written behind
        (``tierwise.engine.write_behind``), and a phase's end is where others may read it."""
        await asyncio.shield(asyncio.to_thread(self.store.flush))

    async def _phase(self, state: TaskState, phase: PhaseName, *, again: bool = False) -> TaskState:
        """Run one phase. ``again``: a phase that already finished starts afresh (a new run) instead of
        being continued; an unfinished one is continued (stored replies reused)."""
        try:
            return await self._phase_body(state, phase, again=again)
        finally:
            await self._flush_states()

    async def _phase_body(self, state: TaskState, phase: PhaseName, *, again: bool) -> TaskState:
        if again and state.is_complete(phase):
            state.restart(phase)
        bodies: dict[PhaseName, Callable[[TaskState], Awaitable[object]]] = {
            "plan": lambda s: run_plan(self.ctx, s),
            "refine": lambda s: run_refine(self.ctx, s),
            "implement": lambda s: run_implement(self.ctx, s),
            "fix": self._fix_body,
            "review": self._review_body,
        }
        state.phase = phase
        state.status = "running"
        state.message = None
        state.error_type = None
        state.last_tier = state.last_model = None  # set by this phase's model calls
        self.store.save(state)
        self.ctx.progress(state, phase, f"{phase} started", kind="begin")
        try:
            verify_commands(self.ctx, state)
            await bodies[phase](state)
        except BudgetExceeded as err:
            resume = f"; resume with: tierwise run --resume {state.id}"
            return self._stop(state, "budget_stopped", f"{err}{resume}", err)
        except asyncio.CancelledError as err:
            resume = f"; resume with: tierwise run --resume {state.id}"
            self._stop(state, "resumable", f"cancelled during {phase}{resume}", err, quiet=True)
            raise
        except NoModelConfigured as err:
            self._stop(state, "failed", str(err), err, quiet=True)
            raise
        except _REPORTED_ERRORS as err:
            return self._stop(state, "failed", str(err), err)
        except _FILE_ERRORS as err:
            message = (f"{phase} stopped: a file could not be used ({err}); fix or remove it, then resume with: "
                       f"tierwise run --resume {state.id}")
            return self._stop(state, "failed", message, err)
        except Exception as err:
            self._stop(state, "failed", f"internal error in {phase}: {type(err).__name__}: {err}", err, quiet=True)
            raise
        state.complete(phase)
        nxt = state.next_phase()
        if nxt is None:
            state.status = "done"  # the phase's own message (e.g. tests still failing) stays
        else:
            state.status, state.message = "ready", ready_message(phase, nxt, state.message)
        self.store.save(state)
        self.ctx.progress(state, phase, f"{phase} finished", kind="end")
        return state

    def _stop(
        self, state: TaskState, status: str, message: str, err: BaseException, *, quiet: bool = False
    ) -> TaskState:
        """Record why the task stopped; ``quiet`` when the error is re-raised for the driver to report."""
        state.status = status  # type: ignore[assignment]
        state.message = message
        state.error_type = type(err).__name__
        self.store.save(state)
        if not quiet:
            self.ctx.ui.notify("error" if status == "failed" else "warning", message)
        return state

    async def _lenient_plan(self, state: TaskState) -> tuple[str, Plan | None]:
        if state.plan_path is None and self.store.read(state.id, "PLAN.md") is None:
            return "", None
        try:
            return await current_plan(self.ctx, state, check_files=False)
        except PlanInvalid as err:
            self.ctx.ui.notify("warning", f"PLAN.md is not valid any more ({'; '.join(err.errors)}); going on")
            return self.store.read(state.id, "PLAN.md") or "", None

    async def _fix_body(self, state: TaskState) -> None:
        plan_text, plan = await self._lenient_plan(state)
        await run_testfix(self.ctx, state, plan_text, plan)

    async def _review_body(self, state: TaskState) -> None:
        plan_text, _plan = await self._lenient_plan(state)
        await run_review(self.ctx, state, plan_text)

    # -- after the loop -----------------------------------------------------------------------------------
    async def apply_findings(
        self, task_id: str | None = None, indices: Sequence[int] | None = None
    ) -> dict[int, EditReport]:
        state = self.store.resolve(task_id)
        return await apply_findings(self.ctx, state, indices)

    async def undo(self, task_id: str | None = None, *, force: bool = False) -> list[str]:
        state = self.store.resolve(task_id)
        return await run_undo(self.ctx, state, force=force)

    async def quick_fix(
        self, path: str, diagnostic: DiagnosticInfo, *, task_id: str | None = None
    ) -> list[FileChange]:
        """The changes fixing one diagnostic, computed as a small task of its own (``task_id``, default
        ``quickfix-<hex>``): per-task ceiling, stored reply, ledger lines under that id. Errors are raised
        after the task's status is saved (``failed``, ``budget_stopped`` or ``resumable``)."""
        try:
            return await self._quick_fix(path, diagnostic, task_id)
        finally:
            await self._flush_states()

    async def _quick_fix(self, path: str, diagnostic: DiagnosticInfo, task_id: str | None) -> list[FileChange]:
        state = quick_fix_task(check_task_id(task_id) if task_id else quick_fix_task_id(), path, diagnostic)
        if self.store.exists(state.id):
            raise ValueError(f"task {state.id} already exists; pick another id")
        tasks = self.tasks()
        self.store.save(state)
        self.ctx.progress(state, "quickfix", "quick fix started", kind="begin")
        try:
            changes = await run_quick_fix(self.ctx, state, path, diagnostic, tasks)
        except BudgetExceeded as err:
            self._stop(state, "budget_stopped", str(err), err, quiet=True)
            raise
        except asyncio.CancelledError as err:
            self._stop(state, "resumable", "quick fix cancelled", err, quiet=True)
            raise
        except Exception as err:
            self._stop(state, "failed", str(err), err, quiet=True)
            raise
        state.status = "done"
        state.message = f"quick fix proposed for {', '.join(c.path for c in changes) or 'nothing'}"
        self.store.save(state)
        self.ctx.progress(state, "quickfix", state.message, kind="end")
        return changes

    async def commit_message(self, task_id: str | None = None) -> str:
        from tierwise.engine.commit import write_commit_message

        return await write_commit_message(self.ctx, self.store.resolve(task_id))

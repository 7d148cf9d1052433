"""The task state persisted in ``.tierwise/tasks/<id>/task.json`` and the engine's boundary models.

Pure data (pydantic v2): ``TaskState`` is what drivers show, ``Finding`` is one review finding,
``DiagnosticInfo`` is what an editor hands the quick-fix phase.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

TaskStatus = Literal["running", "ready", "done", "failed", "budget_stopped", "cancelled", "resumable"]
"""``running``: a phase is in progress (or the process died in it). ``ready``: a phase finished cleanly and
requested phases remain (``message`` names the next). ``done``: every requested phase finished.
``resumable``: interrupted (cancelled, Ctrl-C, shutdown) — ``message`` says where and how to resume.
``failed``, ``budget_stopped``, ``cancelled`` (plan not approved): stopped, ``message`` says why."""
PhaseName = Literal["plan", "refine", "implement", "fix", "review", "quickfix"]
TaskKind = Literal["loop", "quickfix"]
Severity = Literal["error", "warning", "info", "hint"]

LOOP_PHASES: tuple[PhaseName, ...] = ("plan", "refine", "implement", "fix", "review")
"""The phases of ``run``, in order."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class Finding(BaseModel):
    """One review finding. Lines are 1-based and inclusive."""

    path: str
    line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    severity: Severity = "warning"
    message: str
    suggestion: str | None = Field(default=None, description="A fix in chunked-edit (SEARCH/REPLACE) form.")


class DiagnosticInfo(BaseModel):
    """An editor diagnostic the user asked a quick fix for. Lines are 1-based and inclusive."""

    message: str
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    severity: Severity = "warning"
    source: str | None = None
    code: str | None = None
    finding_id: str | None = Field(
        default=None, description="For tierwise's own review diagnostics: the finding, as '<task id>:<index>'."
    )


class FixProgress(BaseModel):
    """Where the test-and-fix loop stands, so that a resume continues instead of restarting."""

    round: int = 0
    rung: int = 0
    failures_at_rung: int = 0
    last_signature: str | None = None
    stopped_reason: str | None = None


class TaskState(BaseModel):
    id: str
    task: str
    kind: TaskKind = Field(default="loop", description="loop: the coding loop; quickfix: one diagnostic's fix.")
    phase: PhaseName = "plan"
    status: TaskStatus = "running"
    phases: list[PhaseName] = Field(default_factory=lambda: list(LOOP_PHASES), description="Phases requested.")
    completed_phases: list[PhaseName] = Field(default_factory=list)
    paths: list[str] = Field(default_factory=list, description="Files the user named or had open.")
    tiers_used: list[str] = Field(default_factory=list)
    models_used: list[str] = Field(default_factory=list)
    last_tier: str | None = Field(default=None, description="Tier of the current phase's last model call.")
    last_model: str | None = Field(default=None, description="Model of the current phase's last model call.")
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    saved_usd: float = 0.0
    plan_path: str | None = None
    review_path: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    implemented_files: list[str] = Field(default_factory=list, description="Plan files whose implement step ended.")
    refused_files: list[str] = Field(default_factory=list, description="Files left with refused edit blocks.")
    touched_files: list[str] = Field(default_factory=list, description="Files the task edited (checkpointed).")
    written: dict[str, str | None] = Field(
        default_factory=dict, description="Digest of each file's text as the task last wrote it (None: deleted)."
    )
    applied_steps: list[str] = Field(default_factory=list, description="Steps whose edits were applied.")
    plan_approved: bool = False
    runs: dict[str, int] = Field(default_factory=dict, description="Times each phase was started afresh.")
    fix: FixProgress = Field(default_factory=FixProgress)
    tests_passed: bool | None = None
    test_command: str | None = Field(default=None, description="The test command, resolved once per task.")
    lint_command: str | None = Field(default=None, description="The lint command, resolved once per task.")
    commands_recorded: bool = Field(
        default=False, description="test_command/lint_command were resolved and checked for this task."
    )
    message: str | None = Field(default=None, description="Why the task stopped, failed or needs the user.")
    budget_raised_usd: float = Field(
        default=0.0, ge=0, description="What the user added to this task's ceiling when a call would cross it."
    )
    error_type: str | None = Field(default=None, description="Class name of the error that stopped the task.")
    protected_changes: list[str] = Field(
        default_factory=list,
        description="Files no command may change that a test or lint run changed (each put back by tierwise).",
    )
    created: datetime = Field(default_factory=utc_now)
    updated: datetime = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _clean_stop_is_ready(self) -> TaskState:
        """Tasks saved before ``ready`` existed marked a clean stop between phases as ``resumable`` without a
        message; read them as ``ready`` (an interruption always carries a message)."""
        if self.status == "resumable" and not self.message and not self.error_type:
            nxt = self.next_phase()
            if nxt is not None:
                self.status = "ready"
                self.message = ready_message(self.phase, nxt)
        return self

    def next_phase(self) -> PhaseName | None:
        """The phase to run next: the first unfinished requested phase after the current one in loop order
        (a phase the user skipped, e.g. refine, is not suggested again), else the first unfinished one;
        None when every requested phase finished."""
        pending = [p for p in LOOP_PHASES if p in self.phases and p not in self.completed_phases]
        later = [p for p in pending if LOOP_PHASES.index(p) > LOOP_PHASES.index(self.phase)]
        if later:
            return later[0]
        return pending[0] if pending else None

    def record_usage(self, tier: str, model: str, tokens_in: int, tokens_out: int, cost: float, saved: float) -> None:
        self.calls += 1
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.cost_usd += cost
        self.saved_usd += saved
        if tier not in self.tiers_used:
            self.tiers_used.append(tier)
        if model not in self.models_used:
            self.models_used.append(model)
        self.last_tier, self.last_model = tier, model

    def complete(self, phase: PhaseName) -> None:
        if phase not in self.completed_phases:
            self.completed_phases.append(phase)

    def is_complete(self, phase: PhaseName) -> bool:
        return phase in self.completed_phases

    def run_of(self, phase: PhaseName) -> int:
        """Which run of ``phase`` this is (1 unless the phase was run again after it finished)."""
        return self.runs.get(phase, 1)

    def rerun(self, phase: PhaseName) -> None:
        """Run a failed phase again on resume: new step keys (a stored reply that made it fail is not
        reused), progress kept (files already implemented, fix rounds already run)."""
        self.runs[phase] = self.run_of(phase) + 1

    def restart(self, phase: PhaseName) -> None:
        """Run a finished phase again: new step keys (no stored replies reused) and its progress reset."""
        self.runs[phase] = self.run_of(phase) + 1
        if phase in self.completed_phases:
            self.completed_phases.remove(phase)
        if phase == "implement":
            self.implemented_files = []
            self.refused_files = []
        if phase == "fix":
            self.fix = FixProgress()
            self.tests_passed = None


def ready_message(phase: str, next_phase: str, detail: str | None = None) -> str:
    """The message of a task stopped cleanly between phases (``detail``: what the phase itself reported)."""
    done = f"{phase} finished ({detail})" if detail else f"{phase} finished"
    return f"{done}; next: {next_phase}"


class UsageRecord(BaseModel):
    """One model call of a task, as copied into ``usage.jsonl`` of the task folder."""

    phase: str
    step: str
    action: str
    tier: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    saved_usd: float = 0.0
    scripted: bool = False
    time: datetime = Field(default_factory=utc_now)

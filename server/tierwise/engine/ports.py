"""The small interfaces (ports) the coding loop depends on.

The engine is pure Python: it never sees LSP types, click, rich or litellm. Drivers (the LSP server, the
headless CLI, the benchmark harness) hand it implementations of these ports:

- ``ModelPort``     every model call (implemented by ``tierwise.gateway.ModelGateway``)
- ``FilesPort``     read a file / apply edits (editor buffers + ``workspace/applyEdit``, or atomic disk writes)
- ``UserPort``      show progress / notify / ask the user
- ``CommandPort``   run a configured command (tests, lint) as a subprocess
- ``CheckpointPort`` record and restore the files a task touches (git private refs, or copies)
- ``ContextPort``   the code a phase should see: ranked definitions, outlines, big-file views
                    (implemented by ``tierwise.context.port.WorkspaceContext``)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from tierwise.context.types import Candidate, ContextPack, Pin, Query
from tierwise.gateway.types import Completion, Message


@runtime_checkable
class ModelPort(Protocol):
    async def complete(
        self,
        action: str,
        messages: Sequence[Message],
        *,
        task_id: str | None = None,
        tier: str | None = None,
        ceiling_usd: float | None = None,
    ) -> Completion:
        """Route ``action`` (or the explicit ``tier``) to a deployment and return the completion.

        ``ceiling_usd``: the task's ceiling when the user raised it (passed only then); else the configured
        per-task ceiling applies.

        Raises ``tierwise.gateway.GatewayError`` subclasses: ``NoModelConfigured``, ``BudgetExceeded``,
        ``ModelCallFailed``. Cancelling the awaiting task cancels the call in flight."""
        ...

    def ladder(self, action: str) -> list[str]:
        """The tiers an action may use, weakest first (one element when the route has no ladder)."""
        ...

    def escalate_after(self, action: str) -> int:
        """Failures at one rung of the ladder before moving to the next."""
        ...

    def model_for(self, tier: str) -> str:
        """The primary model string the tier resolves to (for progress and labels)."""
        ...


@dataclass(frozen=True)
class Document:
    """A file's current text as the engine sees it; ``version`` is the editor buffer's version, if open."""

    path: str  # workspace-relative, posix separators
    text: str | None  # None: the file does not exist
    version: int | None = None


@dataclass(frozen=True)
class FileChange:
    """One file's intended new state, computed against ``base``."""

    path: str
    base: Document
    new_text: str | None  # None: delete the file
    # tierwise's own document in its task folder (PLAN.md), written by the engine at a fixed path no model
    # chose: FilesPorts accept it only under ``.tierwise/tasks/`` and apply it like any edit (through the
    # editor's buffer when open), so an open PLAN.md is never overwritten behind the editor's back.
    artifact: bool = False


@dataclass
class ApplyOutcome:
    applied: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # path -> reason (version moved, client refused...)

    @property
    def ok(self) -> bool:
        return not self.rejected


class FilesPort(Protocol):
    root: Path

    async def read(self, path: str) -> Document:
        """Current text: the editor's buffer when open, else the disk."""
        ...

    async def apply(self, changes: Sequence[FileChange]) -> ApplyOutcome:
        """Apply changes, each only if the file still matches its ``base`` (version or text)."""
        ...

    async def list_files(self) -> list[str]:
        """Workspace files (relative posix paths), skipping VCS, virtualenv and dependency folders."""
        ...


Phase = Literal["plan", "refine", "implement", "fix", "review", "undo", "quickfix"]


@dataclass(frozen=True)
class ProgressEvent:
    task_id: str
    phase: Phase
    message: str
    tier: str | None = None
    model: str | None = None
    round: int | None = None
    cost_usd: float = 0.0
    saved_usd: float = 0.0
    state: Literal["begin", "report", "end"] = "report"
    percentage: int | None = None
    ceiling_usd: float | None = None  # the task's ceiling (configured + raised), None: no per-task ceiling


@dataclass(frozen=True)
class BudgetQuestion:
    """A call would cross the task's ceiling: raise the ceiling by ``raise_by_usd``, or stop here?"""

    task_id: str
    action: str
    spent_usd: float
    ceiling_usd: float
    call_worst_usd: float
    raise_by_usd: float

    @property
    def new_ceiling_usd(self) -> float:
        return self.ceiling_usd + self.raise_by_usd

    @property
    def text(self) -> str:
        return (
            f"Task {self.task_id} has spent ${self.spent_usd:.4f} of its ${self.ceiling_usd:.2f} ceiling; the next "
            f"{self.action} call could cost up to ${self.call_worst_usd:.4f}. Raise this task's ceiling by "
            f"${self.raise_by_usd:.2f} (to ${self.new_ceiling_usd:.2f}), or stop here?"
        )


class UserPort(Protocol):
    def progress(self, event: ProgressEvent) -> None: ...

    def notify(self, level: Literal["info", "warning", "error"], message: str) -> None: ...

    async def confirm(self, question: str, detail: str = "") -> bool:
        """Ask a yes/no question (headless ``--yes`` answers True without asking)."""
        ...

    async def show_document(self, path: str) -> None:
        """Show a file to the user (the editor opens it; headless prints it)."""
        ...

    async def ask_budget(self, question: BudgetQuestion) -> bool:
        """True: raise the task's ceiling by ``question.raise_by_usd``; False: stop here. Headless ``--yes``
        and a missing terminal answer False (``--yes`` never raises a ceiling)."""
        ...


@dataclass(frozen=True)
class CommandResult:
    command: str
    exit_code: int
    output: str  # stdout and stderr interleaved
    duration_s: float
    timed_out: bool = False
    # files no command may change that this run changed, one line each, already put back by the runner
    # (``tierwise.runner.guard``); the engine stops the task when there is any
    protected_changes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Exit code 0 in time, and no protected file changed (a forged conftest.py can make a run pass)."""
        return self.exit_code == 0 and not self.timed_out and not self.protected_changes


class CommandNotRunnable(ValueError):
    """The command could not be started (unparsable, empty, program missing, bad working directory)."""


class CommandPort(Protocol):
    async def run(self, command: str, *, cwd: Path, timeout_s: float) -> CommandResult:
        """Run a configured command (never one chosen by a model). Cancelling kills the process tree.

        Files no command may change (tierwise's configuration, git's config and hooks, test configuration)
        that the run changed are put back and listed in ``CommandResult.protected_changes``.

        Raises ``CommandNotRunnable`` when the command cannot be started at all."""
        ...


@runtime_checkable
class ChecksCommands(Protocol):
    """Optional CommandPort extension: ``preflight`` checks that a command can start, without running it (the engine
    calls it before the first paid model call; ``tierwise.runner.SubprocessRunner`` implements it)."""

    def preflight(self, command: str, *, cwd: Path) -> None:
        """Raise ``CommandNotRunnable`` when the command cannot start (unparsable, program missing)."""
        ...


class CheckpointPort(Protocol):
    """Coroutines: implementations do their blocking work (git, hashing, disk) off the event loop."""

    async def checkpoint(self, task_id: str, paths: Sequence[str]) -> None:
        """Record the current content (or absence) of ``paths`` before the task first edits them."""
        ...

    async def restore(self, task_id: str, *, force: bool = False, skip: Sequence[str] = ()) -> list[str]:
        """Put the task's files back; raise when the user changed one since, unless ``force``.

        ``skip``: paths the engine restored itself (open editor buffers, through the FilesPort); neither
        checked nor written, but recorded as restored."""
        ...

    async def diff(self, task_id: str) -> str:
        """Unified diff of the task's files from their checkpoint to now."""
        ...


@runtime_checkable
class RecordsWrites(Protocol):
    """Optional CheckpointPort extension: told what the task just wrote, so that a later ``restore`` can
    refuse when the user changed a file afterwards (``tierwise.vcs`` checkpoints implement it)."""

    async def record_written(self, task_id: str, paths: Sequence[str]) -> None: ...


ContextBudget = Literal["plan", "implement", "file", "fix", "review", "explore"]


@runtime_checkable
class ContextPort(Protocol):
    """The workspace's code as context for prompts (symbol index, retrieval, token-budgeted packs).

    Every method is safe to await on an event loop: the work runs in a thread."""

    def budget(self, kind: ContextBudget, action: str) -> int:
        """Tokens a context of ``kind`` may take in a prompt for ``action`` (from the route's model's context
        window and the configured share and ceiling)."""
        ...

    async def refresh(self) -> None:
        """Bring the index up to date with the workspace (only changed files are read)."""
        ...

    async def candidates(self, query: Query, limit: int) -> tuple[str, list[Candidate]]:
        """(a ranked repo map, the top symbols and files) for the explore step."""
        ...

    async def pack(self, query: Query, *, budget_tokens: int, pins: Sequence[Pin] = ()) -> ContextPack:
        """Full bodies of the top (and pinned) symbols, outlines of their files, a repo map of the rest."""
        ...

    async def file_view(
        self, path: str, text: str | None, *, focus: Sequence[str], budget_tokens: int, numbers: bool = False
    ) -> str:
        """``path`` whole when it fits (every line numbered when ``numbers``), else its outline plus the
        complete regions of ``focus`` symbols with real line numbers."""
        ...

    def indexed_tokens(self) -> int:
        """An estimate of the whole indexed code's size in tokens (explore is skipped when it all fits)."""
        ...

    def check_pin(self, path: str, symbol: str | None) -> str | None:
        """None when ``path`` (and ``symbol`` in it) exists in the index, else why the pin is dropped."""
        ...

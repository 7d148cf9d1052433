"""Fakes of the engine's ports for unit tests (end-to-end tests in tests/e2e use the real adapters).

- ``ScriptedModels``: a ModelPort answering from per-action queues (texts, callables or exceptions).
- ``RecordingUI``: a UserPort that records progress, notices and questions.
- ``CheckCommands``: a CommandPort whose "test run" is a Python function of the workspace files.
Files are real: ``DiskFiles`` over ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierwise.config.model import Config
from tierwise.engine import Engine
from tierwise.engine.ports import CommandResult, ProgressEvent
from tierwise.gateway.types import Completion, LedgerLine, Message

PRICES = {"frontier": (15.0, 75.0), "mid": (3.0, 15.0), "light": (0.25, 1.25), "local": (0.0, 0.0)}

Answer = str | Exception | Callable[[Sequence[Message]], str]


@dataclass
class Call:
    action: str
    tier: str
    messages: list[Message]

    @property
    def prompt(self) -> str:
        return "\n".join(m.content for m in self.messages)


class ScriptedModels:
    def __init__(self, replies: dict[str, list[Answer]] | None = None, *, config: Config | None = None) -> None:
        self.replies: dict[str, list[Answer]] = {k: list(v) for k, v in (replies or {}).items()}
        self.config = config or Config()
        self.calls: list[Call] = []

    def add(self, action: str, *answers: Answer) -> None:
        self.replies.setdefault(action, []).extend(answers)

    def ladder(self, action: str) -> list[str]:
        return list(self.config.route(action).tiers)

    def escalate_after(self, action: str) -> int:
        return self.config.escalate_after_for(action)

    def model_for(self, tier: str) -> str:
        return f"fake-{tier}"

    async def complete(
        self, action: str, messages: Sequence[Message], *, task_id: str | None = None, tier: str | None = None
    ) -> Completion:
        chosen = tier or self.ladder(action)[0]
        self.calls.append(Call(action, chosen, list(messages)))
        queue = self.replies.get(action) or []
        if not queue:
            raise AssertionError(f"unexpected model call for {action!r}")
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        text = answer(messages) if callable(answer) else answer
        tokens_in = sum(len(m.content) for m in messages) // 4
        tokens_out = len(text) // 4
        price_in, price_out = PRICES.get(chosen, (1.0, 1.0))
        cost = (tokens_in * price_in + tokens_out * price_out) / 1e6
        frontier = (tokens_in * 15.0 + tokens_out * 75.0) / 1e6
        usage = LedgerLine(task_id=task_id, action=action, tier=chosen, model=self.model_for(chosen),
                           tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost, frontier_cost_usd=frontier)
        return Completion(text=text, usage=usage)

    def actions(self) -> list[str]:
        return [c.action for c in self.calls]


@dataclass
class RecordingUI:
    answer: bool = True
    events: list[ProgressEvent] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)

    def progress(self, event: ProgressEvent) -> None:
        self.events.append(event)

    def notify(self, level: str, message: str) -> None:
        self.notices.append((level, message))

    async def confirm(self, question: str, detail: str = "") -> bool:
        self.questions.append(question)
        return self.answer

    async def show_document(self, path: str) -> None:
        self.shown.append(path)


class CheckCommands:
    """``check(root, command) -> (exit_code, output)`` plays the test command; every run is recorded."""

    def __init__(self, check: Callable[[Path, str], tuple[int, str]]) -> None:
        self.check = check
        self.runs: list[str] = []

    async def run(self, command: str, *, cwd: Path, timeout_s: float) -> CommandResult:
        self.runs.append(command)
        code, output = self.check(cwd, command)
        return CommandResult(command=command, exit_code=code, output=output, duration_s=0.01)


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_engine(
    root: Path,
    models: ScriptedModels,
    *,
    ui: RecordingUI | None = None,
    commands: Any = None,
    config: Config | None = None,
    checkpoints: Any = None,
) -> Engine:
    from tierwise.headless.files import DiskFiles

    return Engine(
        root,
        config or models.config,
        models=models,
        files=DiskFiles(root),
        ui=ui or RecordingUI(),
        commands=commands,
        checkpoints=checkpoints,
    )


def plan_text(files: str, *, goal: str = "Fix the bug.", title: str = "Plan: test") -> str:
    return f"""# {title}

## Goal and user requirements
{goal}

## Constraints
Keep the public API.

## Files
{files}

## API contract changes
None.

## Data model or migration changes
None.

## Dependency changes
None.

## Test strategy
Run the existing tests.

## Success criteria
The tests pass.
"""

"""One loop run inside a run's copy, driven exactly as ``tierwise run --yes`` drives it.

Same wiring (``tierwise.headless.build_engine``: ModelGateway, DiskFiles, SubprocessRunner, git
checkpoints), same console user interface answering yes, same ``Engine.run``. The only differences are
where the console writes (a log file in the run's ``.tierwise/``, so parallel runs do not interleave on
the terminal) and where the configuration comes from (the benchmark's, already resolved).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from tierwise.bench.suite import TaskSpec
from tierwise.config.model import Config
from tierwise.engine.state import TaskState
from tierwise.gateway.types import GatewayError, LedgerLine

CONSOLE_LOG = ".tierwise/bench-console.log"


@dataclass(frozen=True)
class LoopOutcome:
    state: TaskState | None = None
    error: str | None = None
    crashed: bool = False  # the engine raised instead of recording a status


async def drive_loop(
    root: Path,
    config: Config,
    task: TaskSpec,
    *,
    env: Mapping[str, str] | None,
    phases: Sequence[str] | None,
    task_id: str | None = None,
) -> LoopOutcome:
    """Run the loop on ``task`` in ``root``; errors are returned, cancellation propagates."""
    from tierwise.headless import ConsoleUI, build_engine

    log_path = root / CONSOLE_LOG
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log:
        console = Console(file=log, width=120, color_system=None, highlight=False, soft_wrap=True)
        ui = ConsoleUI(root, console=console, assume_yes=True, verbose=False)
        engine = build_engine(root, config, ui=ui, env=env)
        try:
            state = await engine.run(
                task.description, phases=phases, paths=task.paths, approve=True, task_id=task_id
            )
        except GatewayError as err:  # e.g. NoModelConfigured: the engine recorded it and re-raised
            return LoopOutcome(state=engine.status(), error=str(err), crashed=False)
        except Exception as err:  # noqa: BLE001 - an engine bug must not end the whole benchmark
            return LoopOutcome(state=engine.status(), error=f"{type(err).__name__}: {err}", crashed=True)
    return LoopOutcome(state=state, error=state.message if state.status == "failed" else None)


def read_ledger(root: Path) -> list[LedgerLine]:
    """Every ledger line of the run's copy (each run has its own ``.tierwise/ledger.jsonl``)."""
    from tierwise.gateway.ledger import Ledger

    return list(Ledger(root).read())


def read_edit_reports(root: Path, state: TaskState | None) -> list[dict[str, Any]]:
    """The task's stored edit reports (``.tierwise/tasks/<id>/edits/*.json``)."""
    if state is None:
        return []
    folder = root / ".tierwise" / "tasks" / state.id / "edits"
    reports: list[dict[str, Any]] = []
    if not folder.is_dir():
        return reports
    for file in sorted(folder.glob("*.json")):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            reports.append(data)
    return reports

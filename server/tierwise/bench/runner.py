"""Running the benchmark: every task under every configuration, N repetitions, a bounded number at once.

Each run (configuration × task × repetition) gets its own temporary git copy of the task, its own
``.tierwise/`` (ledger, task artifacts), and in scripted mode its own replay server; nothing is shared
between runs but the read-only suite. Runs go through ``tierwise.bench.drive``, which drives the engine
exactly as ``tierwise run --yes`` does; the task's check command runs after the loop, with hidden files
copied in. Metrics come from the run's own ledger and task artifacts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierwise import __version__
from tierwise.bench.aggregate import ledger_counts, ledger_escalations, summarize, tier_usage
from tierwise.bench.configs import BenchConfig, ConfigSet
from tierwise.bench.drive import LoopOutcome, drive_loop, read_edit_reports, read_ledger
from tierwise.bench.records import BenchReport, ConfigInfo, RunRecord
from tierwise.bench.scripted import SCRIPTED_KEY_ENV, compose_script, load_behaviours
from tierwise.bench.suite import TaskSpec
from tierwise.bench.workspace import (
    WorkspaceError,
    copy_hidden,
    prepare_workspace,
    remove_workspace,
    tree_digest,
)
from tierwise.config.model import Config
from tierwise.engine.commands import masked_result
from tierwise.engine.ports import CommandResult

CHECK_TAIL_CHARS = 4000
Tiers = dict[str, dict[str, Any]]
Env = dict[str, str]
SCRIPTED_KEY_VALUE = "scripted-replay-key"


@dataclass(frozen=True)
class RunUnit:
    config: BenchConfig
    task: TaskSpec
    repetition: int

    @property
    def label(self) -> str:
        return f"{self.config.name} / {self.task.name} / #{self.repetition}"

    @property
    def task_id(self) -> str:
        """The engine's task id for this run: readable in the run's artifacts and ledger lines."""
        return f"bench-{self.config.name[:32]}-{self.task.name[:32]}-r{self.repetition}"


@dataclass
class BenchOptions:
    repeat: int = 1
    jobs: int = 1
    scripted: bool = False
    keep: bool = False
    workdir: Path | None = None
    base: dict[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] | None = None
    on_start: Callable[[RunUnit], None] | None = None
    on_record: Callable[[RunRecord], None] | None = None
    kept: list[Path] = field(default_factory=list)


def plan_units(tasks: Sequence[TaskSpec], configs: Sequence[BenchConfig], repeat: int) -> list[RunUnit]:
    """Every run, repetitions outermost, so a cut-short benchmark still covers every configuration."""
    return [
        RunUnit(config, task, rep)
        for rep in range(1, repeat + 1)
        for task in tasks
        for config in configs
    ]


def config_info(config: BenchConfig, resolved: Config) -> ConfigInfo:
    return ConfigInfo(
        name=config.name,
        description=config.description,
        routes={action: list(route.tiers) for action, route in resolved.routes.items()},
        models={name: tier.model or "" for name, tier in resolved.tiers.items()},
        budget_per_task_usd=resolved.budget.per_task_usd,
        phases=config.phases,
    )


class _RunContext:
    def __init__(self, config_set: ConfigSet, options: BenchOptions) -> None:
        self.config_set = config_set
        self.options = options
        self._behaviours: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def behaviours(self, task: TaskSpec) -> dict[str, list[dict[str, Any]]]:
        if task.name not in self._behaviours:
            file = task.replay_file or task.folder / "replay.toml"
            self._behaviours[task.name] = load_behaviours(file)
        return self._behaviours[task.name]

    @contextlib.asynccontextmanager
    async def models(self, unit: RunUnit, workspace: Path) -> AsyncIterator[tuple[Tiers | None, Env | None]]:
        """(scripted tiers or None, environment) for the run; starts and stops its replay server."""
        env = dict(self.options.env) if self.options.env is not None else None
        if not self.options.scripted:
            yield None, env
            return
        from tierwise.replay.server import ReplayServer

        names = unit.config.tier_names(self.options.base)
        script = compose_script(
            self.behaviours(unit.task), names, self.config_set.scripted, origin=str(unit.task.replay_file)
        )
        log = workspace / ".tierwise" / "bench-replay.jsonl"
        async with ReplayServer(script, log_path=log) as server:
            tiers = self.config_set.scripted.tiers(names, server.url, SCRIPTED_KEY_ENV)
            scripted_env = dict(os.environ if env is None else env)
            scripted_env[SCRIPTED_KEY_ENV] = SCRIPTED_KEY_VALUE
            yield tiers, scripted_env


async def run_check(task: TaskSpec, workspace: Path, config: Config | None) -> CommandResult:
    """The task's check, after the loop, with the hidden files copied in; like the loop's own test runs,
    without the tiers' key variables in its environment."""
    from tierwise.headless.wiring import secret_env_names
    from tierwise.runner import CommandNotRunnable, SubprocessRunner

    await asyncio.to_thread(copy_hidden, task, workspace)
    command = task.check_command()
    runner = SubprocessRunner(secret_env_names=secret_env_names(config) if config else ())
    try:
        result = await runner.run(command, cwd=workspace, timeout_s=task.check_timeout_s)
    except CommandNotRunnable as err:
        return CommandResult(command=command, exit_code=127, output=str(err), duration_s=0.0)
    # its output's tail is kept in the run record: keys masked as in the loop's own test logs
    return masked_result(config, result)


def build_record(
    unit: RunUnit, outcome: LoopOutcome, check: CommandResult | None, workspace: Path, wall_s: float,
    config: Config | None, scripted_mode: bool,
) -> RunRecord:
    lines = read_ledger(workspace)
    counts = ledger_counts(lines)
    state = outcome.state
    ladders = {action: list(route.tiers) for action, route in config.routes.items()} if config else {}
    refused = sum(len(report.get("refused", [])) for report in read_edit_reports(workspace, state))
    status = state.status if state is not None and not outcome.crashed else "error"
    budget_stopped = status == "budget_stopped"
    check_ok = check is not None and check.passed
    return RunRecord(
        config=unit.config.name,
        task=unit.task.name,
        repetition=unit.repetition,
        task_id=state.id if state else None,
        scripted=bool(counts["scripted"]) or (scripted_mode and not lines),
        status=status,
        passed=check_ok and status not in ("error", "budget_stopped", "cancelled"),
        check_exit_code=check.exit_code if check else None,
        check_timed_out=check.timed_out if check else False,
        check_output_tail=(check.output[-CHECK_TAIL_CHARS:] if check else ""),
        budget_stopped=budget_stopped,
        cost_usd=float(counts["cost_usd"]),
        saved_usd=float(counts["saved_usd"]),
        tiers=tier_usage(lines),
        wall_s=round(wall_s, 3),
        fix_rounds=state.fix.round if state else 0,
        escalations=state.fix.rung if state else ledger_escalations(lines, ladders),
        refused_blocks=refused,
        retries=int(counts["retries"]),
        fallbacks=int(counts["fallbacks"]),
        failed_calls=int(counts["failed_calls"]),
        error=outcome.error,
    )


def error_record(unit: RunUnit, error: str, wall_s: float, scripted: bool) -> RunRecord:
    """A run the harness could not carry out (its copy or its check failed): a failure with the reason."""
    return RunRecord(config=unit.config.name, task=unit.task.name, repetition=unit.repetition,
                     scripted=scripted, status="error", passed=False, wall_s=round(wall_s, 3), error=error)


async def run_unit(unit: RunUnit, ctx: _RunContext) -> RunRecord:
    """One run, start to finish; never raises for a run's own failure (it is recorded instead)."""
    started = time.monotonic()
    options = ctx.options
    try:
        workspace = await asyncio.to_thread(
            prepare_workspace, unit.task, options.workdir, label=f"{unit.config.name}-r{unit.repetition}"
        )
    except (OSError, WorkspaceError) as err:
        return error_record(unit, f"cannot prepare the run's copy: {err}", time.monotonic() - started,
                            options.scripted)
    config: Config | None = None
    try:
        outcome = LoopOutcome()
        try:
            async with ctx.models(unit, workspace) as (scripted_tiers, env):
                overrides = {"loop": {"test_command": unit.task.loop_test_command()}}
                config = unit.config.resolve(options.base, scripted_tiers, overrides)
                outcome = await drive_loop(
                    workspace, config, unit.task, env=env, phases=unit.config.phases, task_id=unit.task_id
                )
        except (OSError, ValueError) as err:  # script, config or replay-server problems of this run
            outcome = LoopOutcome(error=f"{type(err).__name__}: {err}", crashed=True)
        check: CommandResult | None = None
        try:
            check = await run_check(unit.task, workspace, config)
        except (OSError, WorkspaceError) as err:
            outcome = LoopOutcome(state=outcome.state, error=f"cannot run the check: {err}", crashed=True)
        return build_record(unit, outcome, check, workspace, time.monotonic() - started, config, options.scripted)
    finally:
        if options.keep:
            options.kept.append(workspace)
        else:
            await asyncio.to_thread(remove_workspace, workspace)


async def run_bench(
    tasks: Sequence[TaskSpec],
    config_set: ConfigSet,
    configs: Sequence[BenchConfig],
    options: BenchOptions,
    *,
    suite_dir: Path | None = None,
    command: str = "",
) -> BenchReport:
    """Run every unit with at most ``options.jobs`` at once and return the full report."""
    ctx = _RunContext(config_set, options)
    units = plan_units(tasks, configs, options.repeat)
    before = await asyncio.to_thread(tree_digest, suite_dir) if suite_dir else None
    semaphore = asyncio.Semaphore(max(1, options.jobs))
    started = time.monotonic()

    async def guarded(unit: RunUnit) -> RunRecord:
        async with semaphore:
            if options.on_start:
                options.on_start(unit)
            record = await run_unit(unit, ctx)
            if options.on_record:
                options.on_record(record)
            return record

    records = list(await asyncio.gather(*(guarded(unit) for unit in units)))
    infos = [config_info(config, config.resolve(options.base)) for config in configs]
    report = BenchReport(
        tierwise_version=__version__,
        command=command,
        suite=str(suite_dir) if suite_dir else "",
        configs_file=str(config_set.file) if config_set.file else "",
        scripted=options.scripted,
        repeat=options.repeat,
        jobs=options.jobs,
        tasks=[task.name for task in tasks],
        configs=infos,
        records=records,
        summaries=summarize(records, infos),
        wall_s=round(time.monotonic() - started, 3),
    )
    if suite_dir is not None and before is not None:
        after = await asyncio.to_thread(tree_digest, suite_dir)
        report.suite_unchanged = before == after
    return report

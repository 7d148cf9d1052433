"""``tierwise bench``: run a suite of tasks under several routing configurations and compare them.

    tierwise bench --suite bench/suite --configs bench/configs/standard.toml --scripted --jobs 2
    tierwise bench --report bench/results/run-20250101-120000.json     # redraw table and chart

Exit codes: 0 the benchmark ran (failed tasks are results, not errors), 2 bad suite, configurations,
report or options, 4 interrupted.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from tierwise.cli.options import cli_overrides

if TYPE_CHECKING:
    from tierwise.bench.configs import BenchConfig, ConfigSet
    from tierwise.bench.records import BenchReport
    from tierwise.bench.suite import TaskSpec

DEFAULT_OUT = Path("bench/results")


def _fail(message: str) -> None:
    click.echo(f"tierwise bench: {message}", err=True)
    sys.exit(2)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def _outputs(out: Path, json_path: Path | None, chart_path: Path | None) -> tuple[Path, Path]:
    stamp = _stamp()
    results = json_path or out / f"run-{stamp}.json"
    chart = chart_path or results.with_suffix(".png")
    return results, chart


def _base_config(project: Path, scripted: bool) -> dict[str, Any]:
    """Real runs start from the project's configuration (its tiers, models and keys); scripted runs from
    the built-in defaults, so that they are reproducible anywhere."""
    if scripted:
        return {}
    from tierwise.config.loader import ConfigError, load_config

    try:
        config = load_config(project, overrides=cli_overrides())
    except ConfigError as err:
        _fail(str(err))
    return config.model_dump(mode="json")


def _redraw(report_path: Path, chart_path: Path | None, console: Console) -> None:
    from pydantic import ValidationError

    from tierwise.bench.chart import ChartError, draw_chart
    from tierwise.bench.records import load_report
    from tierwise.bench.render import render

    try:
        report = load_report(report_path)
    except FileNotFoundError:
        _fail(f"{report_path}: no such report file")
    except (OSError, UnicodeDecodeError) as err:
        _fail(f"{report_path}: cannot read it ({err})")
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        _fail(f"{report_path}: not a tierwise bench report ({where}: {first['msg']})")
    render(report, console)
    chart = chart_path or report_path.with_suffix(".png")
    try:
        draw_chart(report, chart)
    except (ChartError, OSError) as err:
        _fail(str(err))
    console.print(f"chart: {chart}")


@click.command("bench")
@click.option("--suite", type=click.Path(path_type=Path), help="Folder of tasks (see docs/bench.md).")
@click.option("--configs", "configs_file", type=click.Path(path_type=Path), help="Configurations file (TOML).")
@click.option("--report", "report_file", type=click.Path(path_type=Path),
              help="Redraw the table and chart of a saved RUN.json instead of running.")
@click.option("--task", "task_names", multiple=True, help="Run only this task (repeatable).")
@click.option("--config", "config_names", multiple=True, help="Run only this configuration (repeatable).")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True, help="Repetitions of each run.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True, help="Runs at once.")
@click.option("--scripted", is_flag=True, help="Answer from each task's replay.toml via local replay servers.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Folder for RUN.json and the chart.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Results file.")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), help="Chart (.png/.svg).")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Real runs: the project whose tierwise configuration supplies tiers and keys.")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Where run copies are made (default: the system temp folder).")
@click.option("--keep", is_flag=True, help="Keep each run's copy (paths are printed) for inspection.")
@click.option("--quiet", "-q", is_flag=True, help="No per-run progress lines.")
def bench_command(
    suite: Path | None, configs_file: Path | None, report_file: Path | None, task_names: tuple[str, ...],
    config_names: tuple[str, ...], repeat: int, jobs: int, scripted: bool, out: Path, json_path: Path | None,
    chart_path: Path | None, project: Path, workdir: Path | None, keep: bool, quiet: bool,
) -> None:
    """Run every task of a suite under every routing configuration and compare cost against pass rate."""
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    if chart_path is not None and chart_path.suffix.lower() not in (".png", ".svg"):
        _fail(f"--chart {chart_path}: the chart file must end in .png or .svg")
    if report_file is not None:
        if suite or configs_file:
            _fail("--report redraws a saved run; leave out --suite and --configs")
        _redraw(report_file, chart_path, console)
        return
    if suite is None or configs_file is None:
        _fail("give --suite DIR and --configs FILE to run, or --report RUN.json to redraw")
    assert suite is not None and configs_file is not None
    _run(
        console, suite, configs_file, list(task_names), list(config_names), repeat, jobs, scripted, out,
        json_path, chart_path, project, workdir, keep, quiet,
    )


def _run(
    console: Console, suite: Path, configs_file: Path, task_names: list[str], config_names: list[str],
    repeat: int, jobs: int, scripted: bool, out: Path, json_path: Path | None, chart_path: Path | None,
    project: Path, workdir: Path | None, keep: bool, quiet: bool,
) -> None:
    from tierwise.bench.configs import ConfigsError, load_configs
    from tierwise.bench.suite import SuiteError, load_suite

    try:
        tasks = load_suite(suite, only=task_names or None)
        config_set = load_configs(configs_file)
        configs = config_set.select(config_names or None)
    except (SuiteError, ConfigsError) as err:
        _fail(str(err))
    if workdir is not None and not workdir.is_dir():
        _fail(f"--workdir {workdir}: no such folder")
    base = _base_config(project.resolve(), scripted)
    if scripted:
        _check_scripts(tasks, config_set, configs, base)
    results, chart = _outputs(out, json_path, chart_path)
    command = "tierwise " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    report = _execute(console, tasks, config_set, configs, base, repeat, jobs, scripted, workdir, keep, quiet,
                      suite.resolve(), command)
    _save(console, report, results, chart)


def _check_scripts(
    tasks: list[TaskSpec], config_set: ConfigSet, configs: list[BenchConfig], base: dict[str, Any]
) -> None:
    from tierwise.bench.scripted import ScriptedError, validate_behaviours

    for task in tasks:
        if task.replay_file is None:
            _fail(f"{task.folder}: --scripted needs a replay.toml in every task folder")
        for config in configs:
            try:
                validate_behaviours(task.replay_file, config_set.scripted, config.tier_names(base))
            except ScriptedError as err:
                _fail(str(err))


def _execute(
    console: Console, tasks: list[TaskSpec], config_set: ConfigSet, configs: list[BenchConfig],
    base: dict[str, Any], repeat: int, jobs: int, scripted: bool, workdir: Path | None, keep: bool, quiet: bool,
    suite: Path, command: str,
) -> BenchReport:
    from tierwise.bench.records import RunRecord
    from tierwise.bench.render import usd
    from tierwise.bench.runner import BenchOptions, RunUnit, run_bench

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    total = len(tasks) * len(configs) * repeat
    done = 0

    def started(unit: RunUnit) -> None:
        if not quiet:
            console.print(f"[dim]… {unit.label}[/dim]")

    def finished(record: RunRecord) -> None:
        nonlocal done
        done += 1
        if quiet:
            return
        mark = "[green]pass[/green]" if record.passed else "[red]fail[/red]"
        why = " (budget stop)" if record.budget_stopped else (f" ({record.error[:80]})" if record.error else "")
        console.print(
            f"[{done}/{total}] {mark} {record.config} / {record.task} / #{record.repetition}: "
            f"{usd(record.cost_usd)}, {record.calls} calls, {record.wall_s:.1f}s{why}"
        )

    options = BenchOptions(
        repeat=repeat, jobs=jobs, scripted=scripted, keep=keep, workdir=workdir.resolve() if workdir else None,
        base=base, on_start=started, on_record=finished,
    )
    console.print(
        f"tierwise bench: {len(tasks)} tasks × {len(configs)} configurations × {repeat} = {total} runs, "
        f"{jobs} at a time{' (scripted models)' if scripted else ''}"
    )
    try:
        report = asyncio.run(run_bench(tasks, config_set, configs, options, suite_dir=suite, command=command))
    except KeyboardInterrupt:
        console.print("interrupted; run copies removed" + ("" if not keep else " (kept ones stay)"))
        sys.exit(4)
    for path in options.kept:
        console.print(f"kept: {path}")
    return report


def _save(console: Console, report: BenchReport, results: Path, chart: Path) -> None:
    from tierwise.bench.chart import ChartError, draw_chart
    from tierwise.bench.records import save_report
    from tierwise.bench.render import render

    render(report, console)
    if report.suite_unchanged is False:
        console.print("[red]warning: the suite folder changed during the benchmark[/red]")
    try:
        save_report(report, results)
        draw_chart(report, chart)
    except (ChartError, OSError) as err:
        _fail(f"cannot write the results: {err}")
    console.print(f"results: {results}\nchart: {chart}")

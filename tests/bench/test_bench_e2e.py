"""The harness end to end: the starter suite, real engine, real replay servers over HTTP, real test runs.

One module-wide benchmark (2 tasks × 2 configurations × 2 repetitions, 2 at a time) feeds most tests;
the budget and CLI tests run their own small ones. Model answers come from each task's replay.toml, so the
outcomes follow from which tier answered, through the real loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from tierwise.bench.configs import load_configs, parse_configs
from tierwise.bench.records import BenchReport, RunRecord, report_json_schema, save_report
from tierwise.bench.runner import BenchOptions, RunUnit, run_bench
from tierwise.bench.suite import load_suite
from tierwise.bench.workspace import remove_workspace, tree_digest
from tierwise.cli.bench_cmd import bench_command
from tierwise.gateway.ledger import Ledger

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "bench" / "suite"
STANDARD = REPO / "bench" / "configs" / "standard.toml"
TASKS = ["js-slugify", "py-lru-ttl"]
CONFIGS = ["default", "all-light"]


@dataclass
class Observed:
    report: BenchReport
    digest_before: str
    digest_after: str
    kept: list[Path]
    intervals: dict[tuple[str, str, int], tuple[float, float]] = field(default_factory=dict)
    max_running: int = 0


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    workdir = tmp_path_factory.mktemp("runs")
    config_set = load_configs(STANDARD)
    tasks = load_suite(SUITE, only=TASKS)
    running = 0
    starts: dict[tuple[str, str, int], float] = {}
    observed = Observed(BenchReport(), "", "", [])

    def on_start(unit: RunUnit) -> None:
        nonlocal running
        running += 1
        observed.max_running = max(observed.max_running, running)
        starts[(unit.config.name, unit.task.name, unit.repetition)] = time.monotonic()

    def on_record(record: RunRecord) -> None:
        nonlocal running
        running -= 1
        key = (record.config, record.task, record.repetition)
        observed.intervals[key] = (starts[key], time.monotonic())

    options = BenchOptions(repeat=2, jobs=2, scripted=True, keep=True, workdir=workdir,
                           on_start=on_start, on_record=on_record)
    observed.digest_before = tree_digest(SUITE)
    observed.report = asyncio.run(
        run_bench(tasks, config_set, config_set.select(CONFIGS), options, suite_dir=SUITE)
    )
    observed.digest_after = tree_digest(SUITE)
    observed.kept = list(options.kept)
    yield observed
    for path in observed.kept:
        remove_workspace(path)


def records_of(report: BenchReport, config: str, task: str) -> list[RunRecord]:
    return sorted((r for r in report.records if r.config == config and r.task == task), key=lambda r: r.repetition)


def test_every_run_is_recorded_once_per_repetition(bench: Observed) -> None:
    report = bench.report
    assert len(report.records) == len(TASKS) * len(CONFIGS) * 2
    for config in CONFIGS:
        for task in TASKS:
            first, second = records_of(report, config, task)
            assert (first.repetition, second.repetition) == (1, 2)
            # scripted models are deterministic: repetitions agree on outcome and calls; tokens differ only
            # by the few the workspace name and task id (a timestamp) add to prompts
            assert first.passed == second.passed
            assert {t: u.calls for t, u in first.tiers.items()} == {t: u.calls for t, u in second.tiers.items()}
            assert first.cost_usd == pytest.approx(second.cost_usd, rel=0.02)
            assert first.task_id != second.task_id or first.task_id is None
    assert [s.config for s in report.summaries] == CONFIGS
    assert all(s.runs == 4 for s in report.summaries)


def test_outcomes_follow_the_routing(bench: Observed) -> None:
    report = bench.report
    for record in records_of(report, "default", "py-lru-ttl"):
        assert record.passed and record.status == "done"
        assert record.fix_rounds == 2 and record.escalations == 1  # light's fix failed, mid's worked
        assert set(record.tiers) == {"frontier", "mid", "light"}
    for record in records_of(report, "all-light", "py-lru-ttl"):
        assert not record.passed
        assert set(record.tiers) == {"light"}
        assert record.fix_rounds == 1 and record.escalations == 0  # nowhere to escalate to
    for record in records_of(report, "default", "js-slugify"):
        assert record.passed
    for record in records_of(report, "all-light", "js-slugify"):
        assert not record.passed and record.status == "done"  # the loop's tests passed...
        assert "strips accents" in record.check_output_tail  # ...the hidden ones did not
    default, light = report.summaries
    assert default.pass_rate == 1.0 and light.pass_rate == 0.0
    assert light.cost_per_finished_task_usd is None
    assert default.cost_per_finished_task_usd == pytest.approx(default.total_cost_usd / 4)
    assert 0 < light.total_cost_usd < default.total_cost_usd
    assert all(r.scripted for r in report.records) and report.scripted


def test_runs_are_isolated_from_each_other_and_from_the_suite(bench: Observed) -> None:
    assert bench.digest_before == bench.digest_after
    assert bench.report.suite_unchanged is True
    assert len(set(bench.kept)) == len(bench.report.records)
    by_task_id = {r.task_id: r for r in bench.report.records}
    assert len(by_task_id) == len(bench.report.records)
    for workspace in bench.kept:
        assert SUITE not in workspace.parents
        lines = Ledger(workspace).read()
        ids = {line.task_id for line in lines}
        assert len(ids) == 1, f"{workspace} holds another run's ledger lines"
        record = by_task_id[ids.pop()]
        assert sum(line.cost_usd for line in lines) == pytest.approx(record.cost_usd)
        assert workspace.name.startswith(f"tw-bench-{record.config}-r{record.repetition}-{record.task}-")


def test_parallel_runs_are_bounded_by_jobs(bench: Observed) -> None:
    assert bench.max_running == 2
    spans = sorted(bench.intervals.values())
    overlaps = sum(1 for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1])
    assert overlaps >= 1


def test_results_json_matches_its_schema(bench: Observed, tmp_path: Path) -> None:
    path = save_report(bench.report, tmp_path / "run.json")
    data = json.loads(path.read_text())
    jsonschema.validate(data, report_json_schema())
    assert data["schema_version"] == 1
    record = data["records"][0]
    for key in ("config", "task", "repetition", "passed", "cost_usd", "tiers", "wall_s", "fix_rounds",
                "escalations", "refused_blocks", "retries", "fallbacks", "budget_stopped", "scripted"):
        assert key in record
    summary = data["summaries"][0]
    for key in ("pass_rate", "total_cost_usd", "cost_per_finished_task_usd", "tiers", "budget_stops"):
        assert key in summary
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "records": [{"config": "x"}]}, report_json_schema())


def test_budget_stops_count_as_failures(tmp_path: Path) -> None:
    config_set = parse_configs({
        "configs": {"tight": {"budget": {"per_task_usd": 0.01}, "routes": {"plan": "frontier"}}},
    })
    tasks = load_suite(SUITE, only=["py-median"])
    options = BenchOptions(scripted=True, workdir=tmp_path)
    report = asyncio.run(run_bench(tasks, config_set, config_set.configs, options))
    (record,) = report.records
    assert record.status == "budget_stopped" and record.budget_stopped
    assert not record.passed
    assert record.tiers == {}  # the call was refused before it was made
    (summary,) = report.summaries
    assert summary.budget_stops == 1 and summary.passed == 0 and summary.cost_per_finished_task_usd is None
    assert list(tmp_path.iterdir()) == []  # the run's copy was removed


def test_cli_runs_scripted_and_report_redraws(tmp_path: Path) -> None:
    results, chart = tmp_path / "run.json", tmp_path / "chart.svg"
    outcome = CliRunner().invoke(bench_command, [
        "--suite", str(SUITE), "--configs", str(STANDARD), "--scripted", "--task", "py-median",
        "--config", "all-light", "--json", str(results), "--chart", str(chart), "--workdir", str(tmp_path),
    ])
    assert outcome.exit_code == 0, outcome.output
    assert "1/1" in outcome.output and "pass all-light / py-median" in outcome.output
    assert chart.stat().st_size > 1000 and b"<svg" in chart.read_bytes()[:2000]
    saved = BenchReport.model_validate_json(results.read_text())
    assert saved.records[0].refused_blocks == 1  # the weak model's first block was refused, then fixed
    # The redraw is a separate process: it must not need the model stack, only the saved file.
    redraw = tmp_path / "again.png"
    program = (
        "import sys\nfrom tierwise.cli.main import main\n"
        f"sys.argv = ['tierwise', 'bench', '--report', {str(results)!r}, '--chart', {str(redraw)!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
        "print('litellm imported:', 'litellm' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "all-light" in done.stdout and "finished task" in done.stdout
    assert "litellm imported: False" in done.stdout
    assert redraw.read_bytes().startswith(b"\x89PNG")


def test_bad_inputs_exit_2_with_a_message(tmp_path: Path) -> None:
    runner = CliRunner()
    not_a_report = tmp_path / "x.json"
    not_a_report.write_text('{"records": 3}')
    outcome = runner.invoke(bench_command, ["--report", str(not_a_report)])
    assert outcome.exit_code == 2 and "not a tierwise bench report" in outcome.output
    outcome = runner.invoke(bench_command, ["--suite", str(SUITE)])
    assert outcome.exit_code == 2 and "--configs" in outcome.output
    outcome = runner.invoke(bench_command, ["--suite", str(SUITE), "--configs", str(STANDARD), "--task", "nope"])
    assert outcome.exit_code == 2 and "no task named nope" in outcome.output
    outcome = runner.invoke(bench_command, ["--report", str(not_a_report), "--chart", str(tmp_path / "c.pdf")])
    assert outcome.exit_code == 2 and ".png or .svg" in outcome.output

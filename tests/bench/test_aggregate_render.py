"""Aggregation, the terminal table and the chart, from hand-made records."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from tierwise.bench.aggregate import ledger_counts, ledger_escalations, summarize, tier_usage
from tierwise.bench.chart import ChartError, draw_chart
from tierwise.bench.records import BenchReport, ConfigInfo, RunRecord, TierUsage, load_report, save_report
from tierwise.bench.render import render
from tierwise.gateway.types import LedgerLine


def record(config: str, task: str, passed: bool, cost: float, **extra: object) -> RunRecord:
    fields: dict[str, object] = {"status": "done", **extra}
    return RunRecord(config=config, task=task, repetition=1, scripted=True, passed=passed, cost_usd=cost,
                     tiers={"light": TierUsage(calls=2, tokens_in=100, tokens_out=10, cost_usd=cost)},
                     **fields)  # type: ignore[arg-type]


def test_cost_per_finished_task_charges_failures_to_the_passes() -> None:
    records = [
        record("cheap", "a", True, 0.01),
        record("cheap", "b", False, 0.03),
        record("cheap", "c", False, 0.02, budget_stopped=True, status="budget_stopped"),
        record("never", "a", False, 0.5),
    ]
    infos = [ConfigInfo(name="cheap"), ConfigInfo(name="never"), ConfigInfo(name="unused")]
    cheap, never = summarize(records, infos)
    assert cheap.runs == 3 and cheap.passed == 1
    assert cheap.pass_rate == pytest.approx(1 / 3)
    assert cheap.total_cost_usd == pytest.approx(0.06)
    assert cheap.cost_per_finished_task_usd == pytest.approx(0.06)
    assert cheap.budget_stops == 1
    assert cheap.tiers["light"].calls == 6
    assert never.cost_per_finished_task_usd is None


def test_ledger_metrics() -> None:
    lines = [
        LedgerLine(action="plan", tier="frontier", model="m", tokens_in=10, tokens_out=5, cost_usd=0.5,
                   frontier_cost_usd=0.5, retries=1, scripted=True),
        LedgerLine(action="fix", tier="light", model="l", tokens_in=10, tokens_out=5, cost_usd=0.01,
                   frontier_cost_usd=0.5),
        LedgerLine(action="fix", tier="mid", model="m2", tokens_in=10, tokens_out=5, cost_usd=0.1,
                   frontier_cost_usd=0.5, fallbacks_used=["openai/other"]),
        LedgerLine(action="review", tier="frontier", model="m", outcome="budget_refused"),
    ]
    usage = tier_usage(lines)
    assert usage["frontier"].calls == 1 and usage["mid"].calls == 1 and usage["light"].tokens_in == 10
    counts = ledger_counts(lines)
    assert counts["cost_usd"] == pytest.approx(0.61)
    assert counts["saved_usd"] == pytest.approx(0.89)
    assert counts["retries"] == 1 and counts["fallbacks"] == 1 and counts["budget_refused"] == 1
    assert counts["scripted"] is True
    assert ledger_escalations(lines, {"fix": ["light", "mid", "frontier"]}) == 1


def make_report() -> BenchReport:
    records = [record("a", "t", True, 0.2), record("b", "t", False, 0.01, error="boom")]
    infos = [ConfigInfo(name="a"), ConfigInfo(name="b")]
    return BenchReport(scripted=True, records=records, configs=infos, summaries=summarize(records, infos))


def test_table_shows_headline_and_failures() -> None:
    console = Console(record=True, width=200)
    render(make_report(), console)
    text = console.export_text()
    assert "finished task" in text and "$0.2000" in text
    assert "runs that did not pass" in text and "boom" in text
    assert "scripted" in text.lower()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_chart_files_are_written(tmp_path: Path, suffix: str) -> None:
    path = draw_chart(make_report(), tmp_path / f"out{suffix}")
    data = path.read_bytes()
    assert len(data) > 1000
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:2000]
    assert not list(tmp_path.glob(".*tmp"))


def test_chart_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(ChartError, match=r"\.png or \.svg"):
        draw_chart(make_report(), tmp_path / "out.pdf")


def test_report_round_trip(tmp_path: Path) -> None:
    report = make_report()
    path = save_report(report, tmp_path / "r" / "run.json")
    assert load_report(path) == report
    assert path.stat().st_mode & 0o044  # readable beyond the owner, like a normal output file


def test_calls_that_never_reached_a_model_are_not_counted() -> None:
    lines = [
        LedgerLine(action="plan", tier="frontier", model="", outcome="error", error="no model set"),
        LedgerLine(action="plan", tier="mid", model="m", outcome="cancelled", tokens_in=50, cost_usd=0.001),
    ]
    usage = tier_usage(lines)
    assert "frontier" not in usage
    assert usage["mid"].calls == 1
    assert ledger_counts(lines)["failed_calls"] == 1

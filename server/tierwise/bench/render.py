"""The terminal view of a benchmark report: a summary table and a per-tier usage table (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from tierwise.bench.aggregate import tier_names
from tierwise.bench.records import BenchReport, ConfigSummary
from tierwise.config.model import DEFAULT_TIER_NAMES


def usd(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "$0"
    return f"${value:.4f}" if value < 1 else f"${value:.2f}"


def tokens(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return str(value)


def _best_cost(summaries: list[ConfigSummary]) -> float | None:
    costs = [s.cost_per_finished_task_usd for s in summaries if s.cost_per_finished_task_usd is not None]
    return min(costs) if costs else None


def summary_table(report: BenchReport) -> Table:
    title = "tierwise bench" + (" (scripted models)" if report.scripted else "")
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("configuration", no_wrap=True)
    table.add_column("passed", justify="right")
    table.add_column("pass\nrate", justify="right")
    table.add_column("cost per\nfinished task", justify="right", style="bold", no_wrap=True)
    table.add_column("total\ncost", justify="right", no_wrap=True)
    table.add_column("wall time\nper task", justify="right")
    table.add_column("fix\nrounds", justify="right")
    table.add_column("escala-\ntions", justify="right")
    table.add_column("refused\nblocks", justify="right")
    table.add_column("retries/\nfallbacks", justify="right", no_wrap=True)
    table.add_column("budget\nstops", justify="right")
    table.add_column("cache\nhit", justify="right")
    table.add_column("cache lost\nto switches", justify="right")
    best = _best_cost(report.summaries)
    for s in report.summaries:
        headline = Text(usd(s.cost_per_finished_task_usd))
        if best is not None and s.cost_per_finished_task_usd == best:
            headline.stylize("green")
        elif s.cost_per_finished_task_usd is None:
            headline.stylize("red")
        table.add_row(
            s.config,
            f"{s.passed}/{s.runs}",
            f"{s.pass_rate:.0%}",
            headline,
            usd(s.total_cost_usd),
            f"{s.wall_s_mean:.1f}s",
            str(s.fix_rounds),
            str(s.escalations),
            str(s.refused_blocks),
            f"{s.retries}/{s.fallbacks}",
            Text(str(s.budget_stops), style="red" if s.budget_stops else ""),
            f"{s.cache_hit_rate:.0%}",
            tokens(s.cache_loss_tokens),
        )
    return table


def tier_table(report: BenchReport) -> Table:
    tiers = tier_names(report.summaries, DEFAULT_TIER_NAMES)
    table = Table(title="per tier: calls · tokens in/out · cache hit · cost", title_justify="left", header_style="bold",
                  min_width=60)
    table.add_column("configuration", no_wrap=True)
    for tier in tiers:
        table.add_column(tier, justify="right")
    for s in report.summaries:
        cells = []
        for tier in tiers:
            usage = s.tiers.get(tier)
            if usage is None or usage.calls == 0:
                cells.append("—")
            else:
                cells.append(
                    f"{usage.calls} · {tokens(usage.tokens_in)}/{tokens(usage.tokens_out)} · "
                    f"{usage.cache_hit_rate:.0%} · {usd(usage.cost_usd)}"
                )
        table.add_row(s.config, *cells)
    return table


def failures_table(report: BenchReport) -> Table | None:
    failed = [r for r in report.records if not r.passed]
    if not failed:
        return None
    table = Table(title="runs that did not pass", title_justify="left", header_style="bold")
    for column in ("configuration", "task", "rep", "status", "why"):
        table.add_column(column)
    for r in failed:
        if r.budget_stopped:
            why = "stopped by budget"
        elif r.error:
            why = r.error
        elif r.check_timed_out:
            why = "check timed out"
        else:
            why = f"check exit {r.check_exit_code}"
        table.add_row(r.config, r.task, str(r.repetition), r.status, why[:120])
    return table


def render(report: BenchReport, console: Console | None = None, *, failures: bool = True) -> None:
    console = console or Console()
    parts: list[Table] = [summary_table(report), tier_table(report)]
    if failures:
        extra = failures_table(report)
        if extra is not None:
            parts.append(extra)
    console.print(Group(*parts))
    if report.scripted:
        console.print(
            "[dim]Scripted run: answers came from the replay server's per-task scripts; the figures measure the "
            "harness and routing mechanics, not real models.[/dim]"
        )

"""``tierwise cost``: what the model calls cost, per task and per tier, and what routing saved."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tierwise.config.model import DEFAULT_TIER_NAMES
from tierwise.gateway.costs import NO_TASK, CostReport, CostRow, summarize
from tierwise.gateway.ledger import LEDGER_FILE, Ledger
from tierwise.statedir import STATE_DIR


def find_workspace(start: Path) -> Path:
    """The nearest folder (``start`` or a parent) with a ``.tierwise`` ledger; ``start`` when none has."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / STATE_DIR / LEDGER_FILE).is_file():
            return folder
    return start


def _usd(value: float) -> str:
    return f"${value:,.4f}" if abs(value) < 100 else f"${value:,.2f}"


def _table(title: str, first: str, rows: list[CostRow], total: CostRow) -> object:
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_footer=True, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(first, footer="total", no_wrap=True, overflow="fold")
    columns = [
        ("calls", str(total.calls)),
        ("tok in", f"{total.tokens_in:,}"),
        ("tok out", f"{total.tokens_out:,}"),
        ("cost", _usd(total.cost_usd)),
        ("frontier", _usd(total.frontier_cost_usd)),
        ("saved", _usd(total.saved_usd)),
        ("saved%", f"{total.saved_pct:.0f}%"),
    ]
    for name, footer in columns:
        table.add_column(name, justify="right", footer=footer, no_wrap=True)
    for row in rows:
        table.add_row(
            row.key,
            str(row.calls),
            f"{row.tokens_in:,}",
            f"{row.tokens_out:,}",
            _usd(row.cost_usd),
            _usd(row.frontier_cost_usd),
            _usd(row.saved_usd),
            f"{row.saved_pct:.0f}%",
        )
    return table


def _cache_table(rows: list[CostRow], total: CostRow) -> object:
    from rich import box
    from rich.table import Table

    table = Table(
        title="Prompt cache per phase and tier", title_justify="left", show_footer=True, box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("phase/tier", footer="total", no_wrap=True)
    columns = [
        ("calls", lambda r: str(r.calls)),
        ("tok in", lambda r: f"{r.tokens_in:,}"),
        ("cached", lambda r: f"{r.tokens_cached_read:,}"),
        ("hit", lambda r: f"{r.cache_hit_rate:.0%}"),
        ("written", lambda r: f"{r.tokens_cache_write:,}"),
        ("reasoning", lambda r: f"{r.tokens_reasoning:,}"),
        ("lost to switches", lambda r: f"{r.cache_loss_tokens:,} ({_usd(r.cache_loss_usd)})"),
    ]
    for name, cell in columns:
        table.add_column(name, justify="right", footer=cell(total), no_wrap=True)
    for row in rows:
        table.add_row(row.key, *(cell(row) for _, cell in columns))
    return table


def _not_ok(row: CostRow) -> str:
    labels = {"budget_refused": "refused by budget", "error": "failed", "cancelled": "cancelled"}
    parts = [
        f"{count} {labels[name]}" for name, count in sorted(row.outcomes.items()) if name in labels and count
    ]
    return ", ".join(parts)


def _print(report: CostReport, ledger: Path) -> None:
    from rich.console import Console

    console = Console()
    if len(report.tasks) > 1 or report.tasks[0].key != NO_TASK:
        console.print(_table("Cost per task", "task", report.tasks, report.total))
    console.print(_table("Cost per tier", "tier", report.tiers, report.total))
    console.print(_cache_table(report.phases, report.total))
    total = report.total
    problems = _not_ok(total)
    if problems:
        console.print(f"Calls not completed: {problems} (counted in calls; cost only what was spent).")
    console.print(
        f"Routing saved {_usd(total.saved_usd)} ({total.saved_pct:.0f}%) against running every call on the "
        f'frontier tier ("frontier": the same calls, with the same cache reads and writes, at the frontier '
        f"tier's prices). Prompt cache hit rate: {total.cache_hit_rate:.0%}.\nLedger: {ledger}"
    )


@click.command("cost")
@click.argument("task", required=False)
@click.option(
    "--workspace",
    "workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="Workspace folder (default: the nearest folder upwards with a .tierwise ledger, else the current one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def cost_command(task: str | None, workspace: Path | None, as_json: bool) -> None:
    """Show model-call costs per task and tier, and what routing saved against the frontier tier."""
    root = workspace.resolve() if workspace is not None else find_workspace(Path.cwd())
    ledger = Ledger(root)
    try:
        lines = ledger.read(task_id=task)
    except OSError as err:
        click.echo(f"error: cannot read {ledger.path}: {err.strerror or err}", err=True)
        sys.exit(2)
    if task is not None and not lines:
        known = sorted({line.task_id for line in ledger.read() if line.task_id})
        hint = f" Known tasks: {', '.join(known[-10:])}." if known else ""
        click.echo(f"No model calls recorded for task {task!r} in {ledger.path}.{hint}", err=True)
        sys.exit(2 if known else 0)
    report = summarize(lines, DEFAULT_TIER_NAMES)
    if as_json:
        click.echo(json.dumps({"ledger": str(ledger.path), **report.as_dict()}, indent=2))
        return
    if report.empty:
        click.echo(f"No model calls recorded yet ({ledger.path} is empty or missing). Run a task first.")
        return
    _print(report, ledger.path)

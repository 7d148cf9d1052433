"""What headless runs print at the end: the cost table per phase and tier, findings, edits and test rounds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from tierwise.engine import Engine, TaskState
from tierwise.engine.state import Finding, UsageRecord

EXIT_OK, EXIT_FAILING, EXIT_USAGE, EXIT_BUDGET, EXIT_CANCELLED = 0, 1, 2, 3, 4
_USAGE_ERRORS = {"NoTestCommand", "CommandNotRunnable", "PromptError", "NoModelConfigured", "CommandsChanged"}


def exit_code_for(state: TaskState) -> int:
    """0 tests pass (or no tests were part of the run and nothing was left undone), 1 failing or undone,
    2 configuration problem found during the run, 3 budget stop, 4 cancelled or plan not approved."""
    if state.status == "budget_stopped":
        return EXIT_BUDGET
    if state.status == "cancelled" or state.error_type == "CancelledError":
        return EXIT_CANCELLED
    if state.status == "failed":
        return EXIT_USAGE if state.error_type in _USAGE_ERRORS else EXIT_FAILING
    if state.tests_passed is False or state.refused_files:
        return EXIT_FAILING
    return EXIT_OK


def cost_rows(records: Sequence[UsageRecord]) -> list[dict[str, object]]:
    """One row per (phase, tier): calls, tokens, cost, frontier-equivalent cost and saving."""
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for r in records:
        row = rows.setdefault(
            (r.phase, r.tier),
            {"phase": r.phase, "tier": r.tier, "model": r.model, "calls": 0, "tokens_in": 0, "tokens_out": 0,
             "cost_usd": 0.0, "frontier_usd": 0.0, "saved_usd": 0.0},
        )
        row["calls"] = int(row["calls"]) + 1  # type: ignore[call-overload]
        row["tokens_in"] = int(row["tokens_in"]) + r.tokens_in  # type: ignore[call-overload]
        row["tokens_out"] = int(row["tokens_out"]) + r.tokens_out  # type: ignore[call-overload]
        row["cost_usd"] = float(row["cost_usd"]) + r.cost_usd  # type: ignore[arg-type]
        row["saved_usd"] = float(row["saved_usd"]) + r.saved_usd  # type: ignore[arg-type]
        row["frontier_usd"] = float(row["frontier_usd"]) + r.cost_usd + r.saved_usd  # type: ignore[arg-type]
    order = {p: i for i, p in enumerate(("plan", "refine", "implement", "fix", "review"))}
    return sorted(rows.values(), key=lambda row: (order.get(str(row["phase"]), 9), str(row["tier"])))


def cost_table(records: Sequence[UsageRecord], frontier_tier: str = "frontier") -> Table:
    """Calls, tokens (in/out), cost, what the same tokens would cost on the frontier tier, and the saving."""
    table = Table(title="Model calls by phase and tier", show_footer=True, box=box.SIMPLE_HEAVY, pad_edge=False, collapse_padding=True)
    totals: dict[str, float] = defaultdict(float)
    rows = cost_rows(records)
    for row in rows:
        for key in ("calls", "tokens_in", "tokens_out", "cost_usd", "frontier_usd", "saved_usd"):
            totals[key] += float(row[key])  # type: ignore[arg-type]
    pct = f" {100 * totals['saved_usd'] / totals['frontier_usd']:.0f}%" if totals["frontier_usd"] > 0 else ""
    table.add_column("Phase", footer="Total", no_wrap=True)
    table.add_column("Tier", no_wrap=True)
    table.add_column("Calls", justify="right", footer=str(int(totals["calls"])), no_wrap=True, min_width=5)
    table.add_column("Tokens", justify="right", no_wrap=True,
                     footer=f"{int(totals['tokens_in']):,}/{int(totals['tokens_out']):,}")
    table.add_column("Cost", justify="right", footer=f"${totals['cost_usd']:.4f}", no_wrap=True)
    table.add_column(f"If {frontier_tier}", justify="right", footer=f"${totals['frontier_usd']:.4f}", no_wrap=True)
    table.add_column("Saved", justify="right", footer=f"${totals['saved_usd']:.4f}{pct}", no_wrap=True)
    for row in rows:
        table.add_row(
            str(row["phase"]), str(row["tier"]), str(row["calls"]),
            f"{row['tokens_in']:,}/{row['tokens_out']:,}", f"${row['cost_usd']:.4f}",
            f"${row['frontier_usd']:.4f}", f"${row['saved_usd']:.4f}",
        )
    return table


def print_findings(console: Console, findings: Sequence[Finding]) -> None:
    if not findings:
        console.print("Review: no findings.")
        return
    table = Table(title="Review findings")
    for column in ("#", "Severity", "Where", "Message", "Fix"):
        table.add_column(column)
    for number, f in enumerate(findings, start=1):
        span = f"{f.line}" if f.line == f.end_line else f"{f.line}-{f.end_line}"
        table.add_row(str(number), f.severity, f"{f.path}:{span}", f.message, "yes" if f.suggestion else "-")
    console.print(table)


def print_test_rounds(console: Console, root: Path, state: TaskState) -> None:
    folder = root / ".tierwise" / "tasks" / state.id / "tests"
    logs = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not logs:
        return
    table = Table(title="Checks")
    for column in ("Run", "Command", "Result"):
        table.add_column(column)
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace")
        command = text.splitlines()[0].removeprefix("$ ") if text else ""
        result = "[green]passed[/green]" if text.rstrip().endswith("[passed]") else "[red]failed[/red]"
        table.add_row(log.stem, command, result)
    console.print(table)


def print_diff(console: Console, diff: str) -> None:
    if diff.strip():
        console.print(Syntax(diff, "diff", theme="ansi_dark", word_wrap=True))


def next_step_hint(state: TaskState) -> str | None:
    """For a task stopped cleanly between phases: the command that runs the next one."""
    nxt = state.next_phase() if state.status == "ready" else None
    if nxt is None:
        return None
    return f"Next: tierwise {nxt} {state.id}  (or the remaining phases: tierwise run --resume {state.id})"


def cache_line(root: Path, task_id: str) -> str:
    """``Prompt cache: 74% of 41,210 prompt tokens served from cache (implement/mid 81%, ...)``, or ""."""
    from tierwise.gateway.costs import summarize
    from tierwise.gateway.ledger import Ledger

    try:
        report = summarize(Ledger(root).read(task_id))
    except OSError:
        return ""
    total = report.total
    if not total.tokens_in:
        return ""
    phases = ", ".join(f"{row.key} {row.cache_hit_rate:.0%}" for row in report.phases if row.tokens_in)
    lost = f"; {total.cache_loss_tokens:,} cached tokens lost to tier switches" if total.cache_loss_tokens else ""
    return (
        f"Prompt cache: {total.cache_hit_rate:.0%} of {total.tokens_in:,} prompt tokens served from cache "
        f"({phases}){lost}."
    )


def print_summary(console: Console, engine: Engine, state: TaskState) -> None:
    """The end of every headless run: status line, checks, findings and the cost table."""
    records = engine.usage(state.id)
    if records:
        console.print(cost_table(records, engine.config.frontier_tier))
    tests = {True: "tests pass", False: "tests still failing", None: "tests not run"}[state.tests_passed]
    console.print(f"Task {state.id}: {state.status} after {state.phase} ({tests}); "
                  f"cost ${state.cost_usd:.4f}, saved ${state.saved_usd:.4f} against the frontier tier.")
    cache = cache_line(engine.root, state.id)
    if cache:
        console.print(cache, markup=False)
    if state.message:
        console.print(state.message, markup=False)
    hint = next_step_hint(state)
    if hint:
        console.print(hint, markup=False)
    console.print(f"Artifacts: .tierwise/tasks/{state.id}/", markup=False)

"""The benchmark chart: cost per finished task against pass rate, plus a per-tier stacked cost bar.

matplotlib is imported lazily with the Agg backend, so no display is needed. The format follows the file
name: ``.png`` or ``.svg``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from tierwise.bench.aggregate import tier_names
from tierwise.bench.records import BenchReport, write_public_atomic
from tierwise.config.model import DEFAULT_TIER_NAMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FORMATS = (".png", ".svg")
_TIER_COLOURS = {"frontier": "#c0392b", "mid": "#e67e22", "light": "#27ae60", "local": "#2980b9"}


class ChartError(ValueError):
    pass


def draw_chart(report: BenchReport, path: Path) -> Path:
    """Write the chart to ``path`` (atomically) and return it."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ChartError(f"{path}: chart files end in .png or .svg")
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 5), dpi=110)
    scatter_ax, bar_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    _scatter(scatter_ax, report)
    _stacked_bars(bar_ax, report)
    title = "tierwise bench: where do the frontier tokens pay off?"
    if report.scripted:
        title += "  (scripted models)"
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format=suffix.lstrip("."))
    write_public_atomic(path, buffer.getvalue())
    return path


def _scatter(ax: Axes, report: BenchReport) -> None:
    finished = [s for s in report.summaries if s.cost_per_finished_task_usd is not None]
    unfinished = [s for s in report.summaries if s.cost_per_finished_task_usd is None]
    for s in finished:
        x, y = s.pass_rate * 100, s.cost_per_finished_task_usd
        ax.scatter(x, y, s=70, zorder=3)
        right_edge = x > 75
        ax.annotate(s.config, (x, y), textcoords="offset points", xytext=(-6 if right_edge else 6, 6),
                    ha="right" if right_edge else "left", fontsize=8)
    ceiling = max((s.cost_per_finished_task_usd or 0.0 for s in finished), default=0.0)
    for s in unfinished:
        # Nothing finished: cost per finished task is unbounded; draw it on the top edge, hollow.
        y = ceiling * 1.15 if ceiling else max(s.total_cost_usd, 0.001)
        ax.scatter(0, y, s=70, facecolors="none", edgecolors="black", zorder=3)
        ax.annotate(f"{s.config} (none passed)", (0, y), textcoords="offset points", xytext=(6, -10), fontsize=8)
    ax.set_xlabel("pass rate (%)")
    ax.set_ylabel("cost per finished task (USD)")
    ax.set_xlim(-5, 105)
    ax.set_ylim(0, (ceiling * 1.3) or None)
    ax.grid(True, alpha=0.3)
    ax.set_title("cost per finished task vs pass rate (lower right is better)", fontsize=9)


def _stacked_bars(ax: Axes, report: BenchReport) -> None:
    names = [s.config for s in report.summaries]
    tiers = tier_names(report.summaries, DEFAULT_TIER_NAMES)
    bottoms = [0.0] * len(names)
    for tier in tiers:
        heights = [s.tiers[tier].cost_usd if tier in s.tiers else 0.0 for s in report.summaries]
        ax.bar(names, heights, bottom=bottoms, label=tier, color=_TIER_COLOURS.get(tier))
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    ax.set_ylabel("total cost (USD)")
    ax.set_title("cost by tier, all runs", fontsize=9)
    if tiers:
        ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    ax.grid(True, axis="y", alpha=0.3)

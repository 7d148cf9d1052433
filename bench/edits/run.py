"""Edit-engine benchmark on real releases of popular pure-Python packages.

    .venv/bin/python bench/edits/run.py [--packages attrs,click] [--out bench/results/edits.json]

Downloads two neighbouring releases per package (``pip download``, cached in bench/edits/.cache),
builds the ideal SEARCH/REPLACE reply for every changed .py file, checks it reproduces the new release
byte for byte, checks minimal UTF-16 text edits do too, perturbs the blocks the way models err, counts
output tokens (cl100k_base) and times everything. Prints tables and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import harness  # noqa: E402  (sets TIKTOKEN_CACHE_DIR itself before importing tiktoken)


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "mean": statistics.fmean(ordered) * 1000,
        "median": ordered[len(ordered) // 2] * 1000,
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000,
        "max": ordered[-1] * 1000,
        "total": sum(ordered) * 1000,
    }


def run(packages: list[str] | None, speed_runs: int, context: int) -> dict[str, object]:
    count = harness.token_counter()
    reports: list[tuple[str, harness.FileReport]] = []
    wall = time.perf_counter()
    versions = {}
    for name, old_v, new_v in corpus.PAIRS:
        if packages and name not in packages:
            continue
        versions[name] = [old_v, new_v]
        for pair in corpus.changed_files(name, old_v, new_v):
            report = harness.evaluate_pair(pair.path, pair.old, pair.new, count_tokens=count, context=context)
            reports.append((name, report))
    wall = time.perf_counter() - wall
    per_package = {}
    for name in versions:
        mine = [r for n, r in reports if n == name]
        per_package[name] = {
            "versions": versions[name],
            "files": len(mine),
            "blocks": sum(r.n_blocks for r in mine),
            "ideal": dict(Counter(r.ideal for r in mine)),
            "textedits_ok": sum(r.textedits_ok for r in mine),
            "tokens_blocks": sum(r.tokens_blocks for r in mine),
            "tokens_whole": sum(r.tokens_whole for r in mine),
            "tokens_floor": sum(r.tokens_floor for r in mine),
        }
    kinds: dict[str, dict[str, object]] = {}
    for kind in harness.KINDS:
        outcomes = [r.perturbed[kind] for _, r in reports if kind in r.perturbed]
        kinds[kind] = {
            "files": len(outcomes),
            "correct": sum(o.status == "correct" for o in outcomes),
            "refused": sum(o.status == "refused" for o in outcomes),
            "refused_clear": sum(o.status == "refused" and o.clear for o in outcomes),
            "misapplied": sum(o.status == "misapplied" for o in outcomes),
            "reasons": dict(Counter(reason for o in outcomes for reason in o.reasons)),
        }
    all_reports = [r for _, r in reports]
    return {
        "packages": per_package,
        "files": len(all_reports),
        "ideal": dict(Counter(r.ideal for r in all_reports)),
        "textedits_ok": sum(r.textedits_ok for r in all_reports),
        "time_per_file_ms": _ms([r.seconds for r in all_reports]),
        "corpus_wall_s": wall,
        "tokens": {
            "blocks": sum(r.tokens_blocks for r in all_reports),
            "whole_files": sum(r.tokens_whole for r in all_reports),
            "floor": sum(r.tokens_floor for r in all_reports),
        },
        "perturbations": kinds,
        "perturbation_context_lines": context,
        "speed_case": harness.time_speed_case(speed_runs),
        "mismatches": [asdict(r) for r in all_reports if r.ideal == "mismatch" or not r.textedits_ok],
        "inexpressible": [r.path for r in all_reports if r.ideal == "inexpressible"],
    }


def print_tables(data: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)
    table = Table("package", "versions", "files", "blocks", "ideal exact", "text edits ok", "tokens blocks / whole / floor", title="Ideal replies")
    for name, p in data["packages"].items():
        table.add_row(
            name, " → ".join(p["versions"]), str(p["files"]), str(p["blocks"]),
            f"{p['ideal'].get('exact', 0)}/{p['files']}", f"{p['textedits_ok']}/{p['files']}",
            f"{p['tokens_blocks']} / {p['tokens_whole']} / {p['tokens_floor']}",
        )
    console.print(table)
    table = Table("perturbation", "files", "applied correctly", "refused (clear)", "misapplied", "refusal reasons", title="Perturbed replies (per file)")
    for kind, k in data["perturbations"].items():
        table.add_row(kind, str(k["files"]), str(k["correct"]), f"{k['refused']} ({k['refused_clear']})", str(k["misapplied"]),
                      ", ".join(f"{r}: {n}" for r, n in sorted(k["reasons"].items())))
    console.print(table)
    t, tok, sp = data["time_per_file_ms"], data["tokens"], data["speed_case"]
    console.print(
        f"files {data['files']}, ideal {data['ideal']}, text edits ok {data['textedits_ok']}/{data['files']}\n"
        f"time per file (plan + text edits): mean {t['mean']:.2f} ms, median {t['median']:.2f} ms, p95 {t['p95']:.2f} ms, "
        f"max {t['max']:.2f} ms; corpus total {t['total']:.0f} ms (whole bench wall {data['corpus_wall_s']:.1f} s)\n"
        f"output tokens: blocks {tok['blocks']}, whole files {tok['whole_files']}, floor {tok['floor']} "
        f"(blocks = {tok['blocks'] / max(tok['whole_files'], 1):.1%} of whole files, {tok['blocks'] / max(tok['floor'], 1):.2f}× floor)\n"
        f"speed case {sp['lines']} lines / {sp['changes']} changes, median of {sp['runs']}: plan {sp['plan_ms_median']:.1f} ms + "
        f"text edits {sp['diff_ms_median']:.1f} ms = {sp['total_ms_median']:.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", help="comma-separated subset of: " + ", ".join(n for n, _, _ in corpus.PAIRS))
    parser.add_argument("--out", type=Path, default=HERE.parent / "results" / "edits.json")
    parser.add_argument("--speed-runs", type=int, default=7)
    parser.add_argument("--context", type=int, default=2, help="context lines of the blocks that get perturbed")
    args = parser.parse_args(argv)
    data = run(args.packages.split(",") if args.packages else None, args.speed_runs, args.context)
    print_tables(data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, default=str))
    print(f"wrote {args.out}")
    misapplied = sum(k["misapplied"] for k in data["perturbations"].values())
    return 1 if misapplied or data["mismatches"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

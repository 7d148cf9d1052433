"""Edit-engine benchmark on real release-to-release changes (Python, JavaScript/TypeScript, Go, Rust).

    .venv/bin/python bench/edits/run.py [--packages pytest,rxjs] [--out bench/results/edits.json]

Downloads two neighbouring releases per package (pip / npm, cached outside the repository, see corpus.py),
builds for every changed source file the ideal reply from the real diff (diff -U3 hunks as SEARCH/REPLACE
blocks, the file name decorated as models write it) and reports whether it is accepted on the first try
and reproduces the new release byte for byte; also the minimal-context blocks, minimal UTF-16 text edits,
perturbed replies (the way models err: misapplied must be 0), output tokens (cl100k_base) and times.
Needs the registries (not part of the test run; tests/edits/test_bench_harness.py covers the machinery).
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
    reports: list[tuple[str, str, harness.FileReport]] = []  # (release, language, report)
    wall = time.perf_counter()
    manifest: dict[str, list[str]] = {}
    for release in corpus.RELEASES:
        if packages and release.name not in packages:
            continue
        rid = corpus.release_id(release)
        pairs = corpus.changed_files(release)
        manifest[rid] = [p.path for p in pairs]
        for pair in pairs:
            report = harness.evaluate_pair(
                pair.path, pair.old, pair.new, count_tokens=count, context=context, style=len(reports)
            )
            reports.append((rid, pair.language, report))
    wall = time.perf_counter() - wall

    def summary(mine: list[harness.FileReport]) -> dict[str, object]:
        return {
            "files": len(mine),
            "blocks": sum(r.n_blocks for r in mine),
            "diff_blocks": sum(r.diff_blocks for r in mine),
            "accepted": sum(r.accepted for r in mine),
            "accepted_u1": sum(r.accepted_u1 for r in mine),
            "diff_exact": sum(r.diff_ideal == "exact" for r in mine),
            "diff_inexpressible": sum(r.diff_ideal == "inexpressible" for r in mine),
            "ideal": dict(Counter(r.ideal for r in mine)),
            "textedits_ok": sum(r.textedits_ok for r in mine),
            "tokens_blocks": sum(r.tokens_blocks for r in mine),
            "tokens_whole": sum(r.tokens_whole for r in mine),
            "tokens_floor": sum(r.tokens_floor for r in mine),
        }

    per_release = {rid: summary([r for n, _, r in reports if n == rid]) for rid in manifest}
    per_language = {
        lang: summary([r for _, lg, r in reports if lg == lang]) for lang in sorted({lg for _, lg, _ in reports})
    }
    kinds: dict[str, dict[str, object]] = {}
    for kind in harness.KINDS:
        outcomes = [r.perturbed[kind] for _, _, r in reports if kind in r.perturbed]
        kinds[kind] = {
            "files": len(outcomes),
            "correct": sum(o.status == "correct" for o in outcomes),
            "refused": sum(o.status == "refused" for o in outcomes),
            "refused_clear": sum(o.status == "refused" and o.clear for o in outcomes),
            "misapplied": sum(o.status == "misapplied" for o in outcomes),
            "reasons": dict(Counter(reason for o in outcomes for reason in o.reasons)),
        }
    all_reports = [r for _, _, r in reports]
    return {
        "releases": per_release,
        "languages": per_language,
        "all": summary(all_reports),
        "manifest": manifest,
        "time_per_file_ms": _ms([r.seconds for r in all_reports]),
        "corpus_wall_s": wall,
        "perturbations": kinds,
        "perturbation_context_lines": context,
        "speed_case": harness.time_speed_case(speed_runs),
        "not_accepted": [
            {"path": r.path, "refusals": r.refusals, "diff_ideal": r.diff_ideal, "u1": r.accepted_u1}
            for r in all_reports if not (r.accepted and r.accepted_u1)
        ],
        "mismatches": [asdict(r) for r in all_reports if r.ideal == "mismatch" or r.diff_ideal == "mismatch" or not r.textedits_ok],
        "inexpressible": [r.path for r in all_reports if r.ideal == "inexpressible"],
    }


def print_tables(data: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    for title, rows in (("Ideal replies per release", data["releases"]), ("Per language", data["languages"]), ("All", {"all": data["all"]})):
        table = Table("", "files", "diff hunks", "accepted first try -U3 / -U1", "byte-exact", "minimal blocks exact",
                      "text edits ok", "tokens blocks / whole / floor", title=title)
        for name, p in rows.items():
            table.add_row(
                name, str(p["files"]), str(p["diff_blocks"]), f"{p['accepted']}/{p['files']} / {p['accepted_u1']}/{p['files']}",
                f"{p['diff_exact']}/{p['files']}" + (f" (+{p['diff_inexpressible']} ¹)" if p["diff_inexpressible"] else ""),
                f"{p['ideal'].get('exact', 0)}/{p['files']}", f"{p['textedits_ok']}/{p['files']}",
                f"{p['tokens_blocks']} / {p['tokens_whole']} / {p['tokens_floor']}",
            )
        console.print(table)
    table = Table("perturbation", "files", "applied correctly", "refused (clear)", "misapplied", "refusal reasons", title="Perturbed replies (per file)")
    for kind, k in data["perturbations"].items():
        table.add_row(kind, str(k["files"]), str(k["correct"]), f"{k['refused']} ({k['refused_clear']})", str(k["misapplied"]),
                      ", ".join(f"{r}: {n}" for r, n in sorted(k["reasons"].items())))
    console.print(table)
    t, sp = data["time_per_file_ms"], data["speed_case"]
    console.print(
        f"not accepted: {data['not_accepted'][:10]}\n"
        f"time per file (plan + text edits): mean {t['mean']:.2f} ms, median {t['median']:.2f} ms, p95 {t['p95']:.2f} ms, "
        f"max {t['max']:.2f} ms; corpus total {t['total']:.0f} ms (whole bench wall {data['corpus_wall_s']:.1f} s)\n"
        f"speed case {sp['lines']} lines / {sp['changes']} changes, median of {sp['runs']}: plan {sp['plan_ms_median']:.1f} ms + "
        f"text edits {sp['diff_ms_median']:.1f} ms = {sp['total_ms_median']:.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", help="comma-separated subset of: " + ", ".join(dict.fromkeys(r.name for r in corpus.RELEASES)))
    parser.add_argument("--manifest", type=Path, help="also write the changed file names per release here (corpus.json)")
    parser.add_argument("--out", type=Path, default=HERE.parent / "results" / "edits.json")
    parser.add_argument("--speed-runs", type=int, default=7)
    parser.add_argument("--context", type=int, default=2, help="context lines of the blocks that get perturbed")
    args = parser.parse_args(argv)
    data = run(args.packages.split(",") if args.packages else None, args.speed_runs, args.context)
    print_tables(data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, default=str))
    print(f"wrote {args.out}")
    if args.manifest:
        args.manifest.write_text(json.dumps(data["manifest"], indent=1) + "\n")
    misapplied = sum(k["misapplied"] for k in data["perturbations"].values())
    return 1 if misapplied or data["mismatches"] or data["not_accepted"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How much of a task's prompts a provider's prefix cache can serve, from replay-server request logs.

    .venv/bin/python bench/caching/prefix_share.py DIR [DIR ...] [--configs bench/configs/standard.toml]

Each DIR is a kept bench workspace (``tierwise bench ... --scripted --keep --workdir W`` keeps one folder
per run under W; pass W and every run below it is found) or any folder holding replay request logs
(``.tierwise/bench-replay.jsonl``, or ``replay-requests.jsonl`` of ``tierwise demo --keep``). One log is
one task. For every request (in log order) it counts:

- **prefix share**: prompt tokens that repeat the longest token prefix of any *earlier* request of the same
  task (any model) — the layout measure of issue #13 (target ≥ 70% on multi-file tasks);
- **same-model share**: the same, against earlier requests to the *same model* (what a per-model
  provider cache could serve at most);
- **served from cache**: what the replay server's simulated cache reported (``usage`` in the log;
  OpenAI-style: prefixes ≥ 1,024 tokens in 128-token steps).

With ``--configs``, it also reads each run's ledger and prices the same calls without caching (every
prompt token at the tier's input price, from the file's ``[scripted] prices``), so the cost with and
without caching is compared on identical calls. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierwise.bench.scripted import PHASE_MARKERS
from tierwise.replay.caching import framed_tokens

LOG_NAMES = ("bench-replay.jsonl", "replay-requests.jsonl")
IMPLEMENT_FILE = re.compile(r"Your file: `([^`]+)`")


@dataclass
class TaskFigures:
    name: str
    requests: int = 0
    prompt_tokens: int = 0
    prefix_tokens: int = 0
    same_model_tokens: int = 0
    cached_tokens: int = 0
    written_tokens: int = 0
    reported: bool = False
    cost_usd: float = 0.0
    uncached_cost_usd: float = 0.0
    files: set[str] = field(default_factory=set)
    details: list[tuple[str, str, int, int, int, int]] = field(default_factory=list)
    """Per request: (phase, model, prompt tokens, prefix, same-model prefix, served from cache)."""


def phase_of(messages: list[Any]) -> str:
    """Which prompt a request answers, from the phase markers of its last user message."""
    text = "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
    last = next((str(m.get("content", "")) for m in reversed(messages)
                 if isinstance(m, dict) and m.get("role") == "user"), "")
    for source in (last, text):
        for phase, marker in PHASE_MARKERS.items():
            if re.search(marker, source):
                return phase
    return "?"


def common_prefix(a: list[Any], b: list[Any]) -> int:
    limit = min(len(a), len(b))
    index = 0
    while index < limit and a[index] == b[index]:
        index += 1
    return index


def measure_log(path: Path, name: str) -> TaskFigures:
    figures = TaskFigures(name=name)
    seen: list[tuple[str, list[Any]]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if entry.get("status") != 200:
            continue
        model = str(entry.get("model", ""))
        tokens = framed_tokens(entry.get("messages") or [])
        shared = max((common_prefix(tokens, old) for _, old in seen), default=0)
        same = max((common_prefix(tokens, old) for m, old in seen if m == model), default=0)
        last = entry.get("messages")[-1] if entry.get("messages") else {}
        found = IMPLEMENT_FILE.search(str(last.get("content", "")) if isinstance(last, dict) else "")
        if found:
            figures.files.add(found.group(1))
        figures.requests += 1
        figures.prompt_tokens += len(tokens)
        figures.prefix_tokens += shared
        figures.same_model_tokens += same
        usage = entry.get("usage") or {}
        cached = 0
        if usage:
            figures.reported = True
            cached = int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
            figures.cached_tokens += cached
            figures.written_tokens += int(usage.get("cache_creation_input_tokens") or 0)
        figures.details.append((phase_of(entry.get("messages") or []), model, len(tokens), shared, same, cached))
        seen.append((model, tokens))
    return figures


def price_ledger(workspace: Path, prices: dict[str, tuple[float, float]], figures: TaskFigures) -> None:
    """Cost of the run as booked, and of the same calls with every prompt token at the input price."""
    ledger = workspace / ".tierwise" / "ledger.jsonl"
    if not ledger.is_file():
        return
    for raw in ledger.read_text(encoding="utf-8").splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if line.get("outcome") == "budget_refused":
            continue
        figures.cost_usd += float(line.get("cost_usd", 0.0))
        inp, out = prices.get(str(line.get("tier")), (0.0, 0.0))
        figures.uncached_cost_usd += (line.get("tokens_in", 0) * inp + line.get("tokens_out", 0) * out) / 1e6


def find_logs(folders: list[Path]) -> list[tuple[Path, Path]]:
    """(log, workspace) pairs under ``folders``."""
    found = []
    for folder in folders:
        for name in LOG_NAMES:
            for log in sorted(folder.rglob(name)):
                workspace = log.parent.parent if log.parent.name == ".tierwise" else log.parent
                found.append((log, workspace))
    return found


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--configs", type=Path, help="bench configurations file, for the tier prices")
    parser.add_argument("--requests", action="store_true", help="also list every request of every run")
    args = parser.parse_args(argv)
    prices: dict[str, tuple[float, float]] = {}
    if args.configs is not None:
        data = tomllib.loads(args.configs.read_text(encoding="utf-8"))
        prices = {k: (float(v[0]), float(v[1])) for k, v in data.get("scripted", {}).get("prices", {}).items()}
    rows = []
    for log, workspace in find_logs(args.folders):
        figures = measure_log(log, re.sub(r"^tw-bench-[^-]+-r\d+-|-[a-z0-9_]{8}$", "", workspace.name))
        if prices:
            price_ledger(workspace, prices, figures)
        rows.append(figures)
    if not rows:
        print("no replay request logs found", file=sys.stderr)
        return 2
    print("| run | files | requests | prompt tokens | prefix share | same-model share | served from cache |"
          + (" cost | cost without caching |" if prices else ""))
    print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if prices else ""))
    multi = TaskFigures(name="**multi-file runs**")
    total = TaskFigures(name="**all runs**")
    for f in [*rows, multi, total]:
        if f is not total and f is not multi:
            for sum_into in (total, multi) if len(f.files) > 1 else (total,):
                for key in ("requests", "prompt_tokens", "prefix_tokens", "same_model_tokens", "cached_tokens",
                            "written_tokens"):
                    setattr(sum_into, key, getattr(sum_into, key) + getattr(f, key))
                sum_into.cost_usd += f.cost_usd
                sum_into.uncached_cost_usd += f.uncached_cost_usd
                sum_into.reported = sum_into.reported or f.reported
        cached = pct(f.cached_tokens, f.prompt_tokens) if f.reported else "—"
        files = str(len(f.files)) if f is not total and f is not multi else ""
        line = (f"| {f.name} | {files} | {f.requests} | {f.prompt_tokens:,} | "
                f"{pct(f.prefix_tokens, f.prompt_tokens)} | {pct(f.same_model_tokens, f.prompt_tokens)} | {cached} |")
        if prices:
            line += f" ${f.cost_usd:.4f} | ${f.uncached_cost_usd:.4f} |"
        print(line)
    if total.written_tokens:
        print(f"\nwritten to the cache (Anthropic-style cache writes): {pct(multi.written_tokens, multi.prompt_tokens)} "
              f"of the multi-file runs' prompt tokens, {pct(total.written_tokens, total.prompt_tokens)} of all")
    print_phases([f for f in rows if len(f.files) > 1] or rows)
    if args.requests:
        for f in rows:
            print(f"\n{f.name}: phase model tokens prefix same-model served")
            for phase, model, tokens, shared, same, cached in f.details:
                print(f"  {phase:10} {model:16} {tokens:7,} {pct(shared, tokens):>5} {pct(same, tokens):>5} "
                      f"{pct(cached, tokens):>5}")
    return 0


def print_phases(rows: list[TaskFigures]) -> None:
    """Per phase and model (tier), over the multi-file runs (all runs when none has several files)."""
    sums: dict[tuple[str, str], list[int]] = {}
    for f in rows:
        for phase, model, tokens, shared, same, cached in f.details:
            acc = sums.setdefault((phase, model), [0, 0, 0, 0, 0])
            for i, value in enumerate((1, tokens, shared, same, cached)):
                acc[i] += value
    print("\n| phase | model | requests | prompt tokens | prefix share | same-model share | served from cache |")
    print("|---|---|---:|---:|---:|---:|---:|")
    order = list(PHASE_MARKERS)
    for (phase, model), (n, tokens, shared, same, cached) in sorted(
        sums.items(), key=lambda item: (order.index(item[0][0]) if item[0][0] in order else 99, item[0][1])
    ):
        print(f"| {phase} | {model} | {n} | {tokens:,} | {pct(shared, tokens)} | {pct(same, tokens)} | "
              f"{pct(cached, tokens)} |")


if __name__ == "__main__":
    sys.exit(main())

"""Context engine performance on a real repository: cold index build, incremental update per changed file,
and context assembly, each as a median with an anchor measured in the same run.

    PYTHONPATH=server python bench/context/perf.py /path/to/a/git/clone [--runs 3] [--json out.json]

The repository is copied to a temporary folder (its source is never written anywhere else) and indexed
there. Anchors, measured in the same run: reading every indexed file's bytes (``read all``) and parsing every
source file with tree-sitter and nothing else (``parse only``), the floor of any tree-sitter indexer.
Targets (issue #10): cold build ≤ 10 s for 1,000 files, incremental ≤ 50 ms per changed file, assembly
≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

TASKS = (
    "Fix the error message when the configuration file cannot be parsed",
    "Add a timeout option to the command line and pass it to the runner",
    "The cache is not invalidated when a file is removed",
    "Support reading settings from an environment variable",
    "Improve the output when two fixtures have the same name",
)


def timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changes", type=int, default=20, help="files changed one at a time for the update")
    parser.add_argument("--budget", type=int, default=8000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from tierwise.context import ContextEngine
    from tierwise.context.store import index_dir

    with tempfile.TemporaryDirectory(prefix="tierwise-perf-") as tmp:
        root = Path(tmp) / args.repo.name
        shutil.copytree(args.repo, root, symlinks=True)
        shutil.rmtree(root / ".tierwise", ignore_errors=True)

        cold, read_all = [], []
        stats = None
        for _ in range(args.runs):
            shutil.rmtree(index_dir(root), ignore_errors=True)
            engine = ContextEngine(root)
            seconds, stats = timed(engine.refresh)
            cold.append(seconds)
            paths = list(engine.index.files())
            read_all.append(timed(lambda: [(root / p).read_bytes() for p in paths])[0])
        assert stats is not None

        parse_only = []
        from tree_sitter_language_pack import get_parser

        from tierwise.context.languages import language_for

        sources = [(language_for(p), (root / p).read_bytes()) for p in paths if language_for(p)]
        for _ in range(args.runs):
            parse_only.append(timed(lambda: [get_parser(lang).parse(data) for lang, data in sources])[0])

        engine = ContextEngine(root)
        engine.refresh()
        noop = [timed(engine.refresh)[0] for _ in range(args.runs)]
        code = sorted(p for p, e in engine.index.files().items() if e.lang != "text")
        step = max(1, len(code) // args.changes)
        changed = code[::step][: args.changes]
        updates, reparse = [], []
        for path in changed:
            file = root / path
            file.write_text(file.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
            updates.append(timed(engine.refresh)[0])
            text = file.read_text(encoding="utf-8") + "\n# again\n"
            reparse.append(timed(engine.update_text, path, text)[0])

        search_build, _ = timed(engine.retriever)
        first_pack, _ = timed(engine.plan_pack, TASKS[0], budget_tokens=args.budget)
        assembly = []
        for _ in range(args.runs):
            for task in TASKS:
                assembly.append(timed(engine.plan_pack, task, budget_tokens=args.budget)[0])

    ms = lambda values: round(statistics.median(values) * 1000, 1)  # noqa: E731
    result = {
        "repo": args.repo.name,
        "files_indexed": stats.files,
        "files_skipped": stats.skipped,
        "cold_build_s": round(statistics.median(cold), 2),
        "anchor_read_all_s": round(statistics.median(read_all), 3),
        "cold_over_read_all": round(statistics.median(cold) / max(statistics.median(read_all), 1e-6), 1),
        "cold_build_per_1000_files_s": round(statistics.median(cold) * 1000 / max(stats.files, 1), 2),
        "anchor_parse_only_s": round(statistics.median(parse_only), 2),
        "cold_over_parse_only": round(statistics.median(cold) / max(statistics.median(parse_only), 1e-6), 2),
        "search_structures_build_s": round(search_build, 2),
        "refresh_nothing_changed_ms": ms(noop),
        "incremental_refresh_one_file_ms": ms(updates),
        "incremental_update_text_ms": ms(reparse),
        "first_assembly_ms": round(first_pack * 1000, 1),
        "assembly_ms": ms(assembly),
        "runs": args.runs,
        "python": sys.version.split()[0],
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

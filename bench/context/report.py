"""Markdown tables of a context benchmark run (``run.py`` JSON)."""

from __future__ import annotations

from collections import defaultdict

from .measure import median

LABELS = {
    "baseline": "tierwise before the engine (file tree)",
    "aider": "Aider repo map, 8,192 tokens",
    "bm25-files": "BM25 files, top 3 whole",
    "bm25-chunks": "BM25 function/class chunks, top 20",
    "engine": "tierwise context engine, plan pack 8,000",
}


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def summary(data: dict, method: str) -> dict[str, float]:
    rows = [r["methods"][method] for r in data["records"] if method in r["methods"]]
    bodies = [b for r in rows for b in r["bodies"]]
    defs = [d for r in rows for d in r["defs"]]
    skel = [v for r in rows for v in r["skeleton"].values()]
    ctx = [r["context_tokens"] for r in rows]
    prompt = [r["prompt_tokens"] for r in rows]
    return {
        "tasks": len(rows),
        "symbols": len(bodies),
        "bodies": sum(bodies),
        "defs": sum(defs),
        "tasks_all_bodies": sum(all(r["bodies"]) for r in rows),
        "skeleton_files": sum(v >= 0.8 for v in skel),
        "files": len(skel),
        "ctx_median": median(ctx),
        "ctx_max": max(ctx, default=0),
        "prompt_median": median(prompt),
        "prompt_max": max(prompt, default=0),
        "seconds_median": median([r["seconds"] for r in rows]),
    }


def markdown(data: dict) -> str:
    out = [
        f"{data['tasks']} tasks, naming no file. Full body / `def` line: share of the changed functions and "
        "classes; skeleton: changed files (with definitions) with ≥ 80% of their definition lines shown.",
        "",
        "| method | full body | `def` line | tasks with every body | skeleton of changed files | context tokens median / max | plan prompt tokens median / max | time per task (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for method in data["methods"]:
        s = summary(data, method)
        out.append(
            f"| {LABELS.get(method, method)} | **{_pct(s['bodies'], s['symbols'])}** ({s['bodies']}/{s['symbols']}) "
            f"| {_pct(s['defs'], s['symbols'])} | {s['tasks_all_bodies']}/{s['tasks']} "
            f"| {s['skeleton_files']}/{s['files']} | {s['ctx_median']:,.0f} / {s['ctx_max']:,} "
            f"| {s['prompt_median']:,.0f} / {s['prompt_max']:,} | {s['seconds_median']:.2f} s |"
        )
    for method, why in data.get("skipped", {}).items():
        out.append(f"| {LABELS.get(method, method)} | skipped: {why} | | | | | | |")
    out += ["", implement_table(data), "", categories_table(data)]
    if any("engine_symbols" in r for r in data["records"]):
        out += ["", engine_table(data)]
    return "\n".join(out)


def engine_table(data: dict) -> str:
    """The engine's times, and each changed symbol it did not show whole, with where it ranked."""
    rows = [r for r in data["records"] if "engine" in r["methods"]]
    refresh = [r["methods"]["engine"]["notes"]["refresh_s"] for r in rows]
    pack = [r["methods"]["engine"]["notes"]["pack_s"] for r in rows]
    warm = [r["methods"]["engine"]["notes"]["warm_pack_s"] for r in rows]
    same = sum(bool(r["methods"]["engine"]["notes"].get("deterministic")) for r in rows)
    sizes = [r["workspace_files"] for r in rows]
    lines = [
        f"Engine time per task: index cold build median {median(refresh):.2f} s / max {max(refresh):.2f} s "
        f"(workspaces of {min(sizes)}-{max(sizes)} files); first plan pack (builds the retrieval structures) "
        f"median {1000 * median(pack):.0f} ms / max {1000 * max(pack):.0f} ms; second plan pack median "
        f"{1000 * median(warm):.0f} ms / max {1000 * max(warm):.0f} ms; the same text twice in {same}/{len(rows)} tasks.",
        "",
    ]
    reasons: dict[str, int] = defaultdict(int)
    missed = []
    for r in rows:
        for d in r["engine_symbols"]:
            reasons[d["why"]] += 1
            if not d["why"].startswith("shown"):
                missed.append((r["id"], d))
    lines.append(
        "Engine, changed symbols by outcome: "
        + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
        + "."
    )
    lines += [
        "",
        "| task | symbol missed | lines / tokens | symbol rank | file rank | why |",
        "|---|---|---|---|---|---|",
    ]
    for task_id, d in missed:
        lines.append(
            f"| {task_id} | `{d['file']}` `{d['symbol']}` | {d['lines']} / {d['body_tokens']:,} "
            f"| {d['symbol_rank'] or '—'} | {d['file_rank'] or '—'} | {d['why']} |"
        )
    return "\n".join(lines)


def implement_table(data: dict) -> str:
    lines = [
        "Implement: changed files whose implementer saw the full body of every changed function of the file.",
        "",
        "| view | files | all bodies seen | functions seen |",
        "|---|---|---|---|",
    ]
    variants = [("baseline", None, "tierwise before the engine (file, 80,000-character cut)")]
    if any("engine" in r["implement"] for r in data["records"]):
        variants += [
            (
                "engine",
                "named",
                f"engine file view, {data['implement_budget']:,} tokens, plan names the symbols",
            ),
            ("engine", "unnamed", f"engine file view, {data['implement_budget']:,} tokens, no symbols named"),
        ]
    if any("engine_shared" in r["implement"] for r in data["records"]):
        variants.append(
            (
                "engine_shared",
                None,
                f"engine's shared view of the plan's files, {data.get('shared_budget', 12000):,} tokens split between them, changed names as focus",
            )
        )
    for key, variant, label in variants:
        files = all_seen = seen = total = 0
        for r in data["records"]:
            for per_file in r["implement"].get(key, {}).values():
                hits = per_file if variant is None else per_file[variant]
                files += 1
                all_seen += all(hits)
                seen += sum(hits)
                total += len(hits)
        lines.append(f"| {label} | {files} | **{all_seen}/{files}** | {seen}/{total} |")
    return "\n".join(lines)


def categories_table(data: dict) -> str:
    """Full-body share per category, per method: where the misses are."""
    from pathlib import Path

    from .corpus import load  # the categories need the corpus's symbols
    from .evaluate import categories

    tasks = {t.id: t for t in load(Path(data["corpus"])).tasks}
    counts: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in data["records"]:
        task = tasks.get(r["id"])
        if task is None:
            continue
        for i, symbol in enumerate(task.symbols):
            for dim, value in categories(task, symbol).items():
                for method in data["methods"]:
                    hit = r["methods"][method]["bodies"][i]
                    cell = counts[(dim, value)][method]
                    cell[0] += hit
                    cell[1] += 1
    head = "| category | " + " | ".join(LABELS.get(x, x).split(",")[0] for x in data["methods"]) + " |"
    lines = [
        "Full body shown, by category (share of the changed functions/classes in that category):",
        "",
        head,
        "|---|" + "---|" * len(data["methods"]),
    ]
    for dim, value in sorted(counts):
        cells = counts[(dim, value)]
        n = next(iter(cells.values()))[1]
        lines.append(
            f"| {dim}: {value} (n={n}) | " + " | ".join(_pct(*cells[x]) for x in data["methods"]) + " |"
        )
    return "\n".join(lines)

"""Context benchmark: how much of the code a real change touched does the planner get to see?

    PYTHONPATH=server python -m bench.context.run [--mirrors /work/.mirror] [--methods baseline,bm25-files,...]
        [--aider-python /tmp/ctxbench/aider-venv/bin/python] [--task ID]... [--json bench/results/context.json]

For every task of the corpus (bench/context/corpus.json) the parent commit is unpacked from the local clone
(under --mirrors, or $TIERWISE_BENCH_MIRRORS), the commit message is the task, no file is named, and each
method builds the planner's context. Scores: see measure.py; tables: report.py. Methods needing what is
not there (aider's virtual environment, the context engine) are reported as skipped, never faked.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from . import corpus as corpus_mod
from . import evaluate, report
from . import methods as m

HERE = Path(__file__).resolve().parent
ALL_METHODS = ("baseline", "aider", "bm25-files", "bm25-chunks", "engine")
DEFAULT_AIDER = Path(os.environ.get("TIERWISE_BENCH_AIDER_PYTHON", "/tmp/ctxbench/aider-venv/bin/python"))


def _prompt_tokens(root: Path, tree: str, context: str, task: str) -> int:
    """Tokens of tierwise's plan prompt — the shared task prefix (prompts/prefix.md) then the plan step — with
    the file tree, no named file, and ``context`` as the code section (``$context``; the file tree's prompt
    before the engine had none)."""
    from tierwise.engine.prompts import render_prompt
    from tierwise.gateway.tokens import count_message_tokens

    variables = {
        "task": task,
        "workspace": root.name,
        "repo_tree": tree,
        "files": "(none)",
        "context": context or "(the context engine is off)",
        "conventions": "(no conventions file)",
        "plan": "(not written yet: writing it is this step)",
    }
    messages = render_prompt("plan", variables, None, prefix=variables)
    return count_message_tokens((msg.role, msg.content) for msg in messages)


def _implement_main(code: evaluate.TaskCode) -> dict[str, list[bool]]:
    """tierwise before the engine: each implementer sees its file through file_block(max_chars=80,000)."""
    from tierwise.engine.context import file_block
    from tierwise.engine.implement import FILE_MAX_CHARS

    return {
        path: evaluate.score_file_view(code, path, file_block(path, text, max_chars=FILE_MAX_CHARS))
        for path, text in code.texts.items()
    }


def _implement_engine(engine: object, code: evaluate.TaskCode, budget: int) -> dict[str, dict[str, object]]:
    """The engine's file view for each changed file, the plan naming the file's changed symbols or none."""
    from tierwise.gateway.tokens import count_tokens

    out: dict[str, dict[str, object]] = {}
    for path in code.texts:
        names = [s.name for s in code.task.symbols if s.file == path]
        named = engine.file_view(path, focus_symbols=names, budget_tokens=budget)  # type: ignore[attr-defined]
        blind = engine.file_view(path, focus_symbols=[], budget_tokens=budget)  # type: ignore[attr-defined]
        out[path] = {
            "named": evaluate.score_file_view(code, path, named),
            "named_tokens": count_tokens(named),
            "unnamed": evaluate.score_file_view(code, path, blind),
            "unnamed_tokens": count_tokens(blind),
        }
    return out


def _shared_engine(engine: object, code: evaluate.TaskCode, budget: int) -> dict[str, list[bool]]:
    """The view of all the plan's files every implementer shares (as ``engine.packs.implement_shared``):
    each changed file with ``budget / files`` tokens (at least 600), focus on every changed name."""
    names = list(dict.fromkeys(s.name for s in code.task.symbols))
    share = max(600, budget // len(code.texts))
    view = "\n\n".join(
        engine.file_view(p, focus_symbols=names, budget_tokens=share)  # type: ignore[attr-defined]
        for p in code.texts
    )
    return {path: evaluate.score_file_view(code, path, view) for path in code.texts}


def _engine_diagnosis(engine: object, code: evaluate.TaskCode, scores: dict) -> list[dict[str, object]]:
    """For each changed symbol: where the engine ranked it and its file, its size, and why it was missed."""
    from tierwise.context.rank import Query
    from tierwise.gateway.tokens import count_tokens

    ranking = engine.rank(Query(task=code.task.text))  # type: ignore[attr-defined]
    out = []
    for index, symbol in enumerate(code.task.symbols):
        sym_rank = next(
            (
                n + 1
                for n, h in enumerate(ranking.symbols)
                if h.path == symbol.file
                and h.symbol
                and h.symbol.name == symbol.name
                and h.symbol.start <= symbol.start_line <= h.symbol.end
            ),
            None,
        )
        file_rank = next((n + 1 for n, h in enumerate(ranking.files) if h.path == symbol.file), None)
        tokens = count_tokens(code.bodies[index])
        if scores["bodies"][index]:
            why = "shown"
        elif sym_rank is None:
            why = "not ranked (score 0)"
        elif sym_rank > 40:
            why = "ranked below the top 40"
        else:
            why = "ranked, body not packed (budget or size)"
        out.append(
            {
                "symbol": symbol.qualname,
                "file": symbol.file,
                "symbol_rank": sym_rank,
                "file_rank": file_rank,
                "body_tokens": tokens,
                "lines": symbol.end_line - symbol.start_line + 1,
                "why": why,
            }
        )
    return out


def run(args: argparse.Namespace) -> dict[str, object]:
    from tierwise.engine.context import repo_tree
    from tierwise.gateway.tokens import count_tokens
    from tierwise.workspace_files import list_workspace_files

    corpus = corpus_mod.load(args.corpus)
    tasks = [t for t in corpus.tasks if not args.task or t.id in args.task or t.repo in args.task]
    methods = list(args.methods)
    skipped: dict[str, str] = {}
    if "aider" in methods and not args.aider_python.is_file():
        skipped["aider"] = f"no aider virtual environment at {args.aider_python} (see docs/bench.md)"
        methods.remove("aider")
    if "engine" in methods:
        try:
            from tierwise.context import ContextEngine  # noqa: F401
        except ImportError as err:
            skipped["engine"] = f"tierwise.context.ContextEngine is not importable: {err}"
            methods.remove("engine")
    workdir = args.workdir
    records: list[dict[str, object]] = []
    codes: list[evaluate.TaskCode] = []
    for task in tasks:
        root = corpus_mod.checkout(
            corpus_mod.git_dir(task.repo, args.mirrors),
            task.parent,
            workdir / task.id.replace("/", "+").replace("@", "@"),
        )
        files = list_workspace_files(root)
        code = evaluate.load_task_code(task, root, files)
        codes.append(code)
        tree = repo_tree(files, 1500)
        record: dict[str, object] = {
            "id": task.id,
            "repo": task.repo,
            "language": task.language,
            "files": task.files,
            "symbols": [s.qualname for s in task.symbols],
            "workspace_files": len(files),
            "methods": {},
            "implement": {},
        }
        for method in methods:
            if method == "aider":
                continue
            engine = None
            if method == "baseline":
                shown = m.baseline(root, files, task.text)
            elif method == "bm25-files":
                shown = m.bm25_files(root, files, task.text)
            elif method == "bm25-chunks":
                shown = m.bm25_chunks(root, files, task.text)
            else:
                shown, engine = m.engine_plan(root, task.text, args.plan_budget)
            record["methods"][method] = _score(code, shown, tree, count_tokens, baseline=method == "baseline")
            if engine is not None:
                record["engine_symbols"] = _engine_diagnosis(engine, code, record["methods"][method])
                record["implement"]["engine_shared"] = _shared_engine(engine, code, args.shared_budget)
                record["implement"]["engine"] = _implement_engine(engine, code, args.implement_budget)
        record["implement"]["baseline"] = _implement_main(code)
        records.append(record)
        print(
            f"{task.id}: "
            + ", ".join(f"{k} {sum(v['bodies'])}/{len(v['bodies'])}" for k, v in record["methods"].items()),
            file=sys.stderr,
        )
    if "aider" in methods:
        requests = [
            {"root": str(c.root), "files": c.files, "task": c.task.text, "map_tokens": args.aider_tokens}
            for c in codes
        ]
        for record, code, shown in zip(
            records, codes, m.aider_maps(args.aider_python, requests), strict=True
        ):
            tree = repo_tree(code.files, 1500)
            record["methods"]["aider"] = _score(code, shown, tree, count_tokens, baseline=False)
    return {
        "corpus": str(args.corpus),
        "tasks": len(records),
        "methods": [x for x in ALL_METHODS if x in methods],
        "skipped": skipped,
        "plan_budget": args.plan_budget,
        "implement_budget": args.implement_budget,
        "shared_budget": args.shared_budget,
        "aider_tokens": args.aider_tokens,
        "records": records,
        "command": "python -m bench.context.run " + " ".join(sys.argv[1:]),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _score(
    code: evaluate.TaskCode, shown: m.Shown, tree: str, count_tokens, *, baseline: bool
) -> dict[str, object]:  # type: ignore[no-untyped-def]
    scores = evaluate.score_plan(code, tree if baseline else shown.text)
    context = shown.text
    prompt = _prompt_tokens(code.root, tree, "" if baseline else context, code.task.text)
    return {
        **scores,
        "context_tokens": count_tokens(context),
        "prompt_tokens": prompt,
        "seconds": shown.seconds,
        "notes": shown.notes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=corpus_mod.CORPUS)
    parser.add_argument("--mirrors", type=Path, default=corpus_mod.DEFAULT_MIRRORS)
    parser.add_argument(
        "--methods", default=",".join(ALL_METHODS), type=lambda s: [x for x in s.split(",") if x]
    )
    parser.add_argument("--task", action="append", default=[], help="a task id or owner/name (repeatable)")
    parser.add_argument("--aider-python", type=Path, default=DEFAULT_AIDER)
    parser.add_argument("--aider-tokens", type=int, default=8192)
    parser.add_argument("--plan-budget", type=int, default=8000)
    parser.add_argument(
        "--implement-budget", type=int, default=16000, help="the edited file's view (file_tokens)"
    )
    parser.add_argument(
        "--shared-budget", type=int, default=12000, help="the plan's files shared by implementers"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "tierwise-ctxbench",
        help="where parent commits are unpacked (kept between runs)",
    )
    parser.add_argument("--json", type=Path, default=HERE.parent / "results" / "context.json")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.methods) - set(ALL_METHODS))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {', '.join(ALL_METHODS)}")
    try:
        data = run(args)
    except corpus_mod.CorpusError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=1, default=str))
    print(report.markdown(data))
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The ways of building the planner's context that the benchmark compares, all naming no file.

Each method turns (checkout, task text) into the text a planner would see besides the task:
* ``baseline``: tierwise's plan prompt before the context engine: the file tree (1,500 tokens), nothing else;
* ``bm25-files``: BM25 (bm25s) over source files (tests, docs, examples left out), top 3 files whole;
* ``bm25-chunks``: BM25 over function/class chunks of the same files, top 20 chunks;
* ``aider``: Aider's repo map at 8,192 tokens (``aider_map.py`` in its own virtual environment);
* ``engine``: tierwise's context engine, ``ContextEngine(root).plan_pack(task, budget_tokens=8000)``.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .selection import is_source
from .symbols import definitions

HERE = Path(__file__).resolve().parent


@dataclass
class Shown:
    text: str
    seconds: float
    notes: dict[str, object] = field(default_factory=dict)


def read_text(root: Path, path: str) -> str | None:
    try:
        data = (root / path).read_bytes()
    except OSError:
        return None
    if b"\0" in data[:4096]:
        return None
    return data.decode("utf-8", "replace")


def source_files(root: Path, files: list[str]) -> dict[str, str]:
    out = {}
    for path in files:
        if is_source(path):
            text = read_text(root, path)
            if text is not None:
                out[path] = text
    return out


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def bm25_tokens(text: str) -> list[str]:
    """Words and identifiers, lower-cased, with identifiers also split on underscores and case."""
    out: list[str] = []
    for word in _WORD.findall(text):
        lower = word.lower()
        out.append(lower)
        parts = [p.lower() for p in _PARTS.findall(word)]
        if len(parts) > 1:
            out.extend(parts)
    return out


def _bm25_top(docs: list[str], query: str, k: int) -> list[int]:
    import bm25s

    if not docs:
        return []
    retriever = bm25s.BM25()
    retriever.index([bm25_tokens(d) or ["_"] for d in docs], show_progress=False)
    q = bm25_tokens(query) or ["_"]
    k = min(k, len(docs))
    ids, scores = retriever.retrieve([q], k=k, show_progress=False)
    return [int(i) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]


def block(path: str, text: str, note: str = "") -> str:
    fence = "````" if "```" in text else "```"
    return f"### {path}{note}\n{fence}\n{text.rstrip()}\n{fence}"


def bm25_files(root: Path, files: list[str], task: str, k: int = 3) -> Shown:
    started = time.perf_counter()
    sources = source_files(root, files)
    paths = sorted(sources)
    top = _bm25_top([p + "\n" + sources[p] for p in paths], task, k)
    text = "\n\n".join(block(paths[i], sources[paths[i]]) for i in top)
    return Shown(text, time.perf_counter() - started, {"files": [paths[i] for i in top]})


def chunks_of(path: str, text: str) -> list[tuple[int, int]]:
    """Function/method chunks whole; a class (impl, struct...) as its lines before its first member."""
    defs = definitions(text, path)
    spans = []
    for d in defs:
        start = d.first_line or d.start_line
        if d.is_container:
            members = [
                o.first_line or o.start_line
                for o in defs
                if o is not d and d.start_line < o.start_line <= d.end_line
            ]
            end = min(members) - 1 if members else d.end_line
            spans.append((start, max(start, end)))
        else:
            spans.append((start, d.end_line))
    return spans


def bm25_chunks(root: Path, files: list[str], task: str, k: int = 20) -> Shown:
    started = time.perf_counter()
    sources = source_files(root, files)
    chunks: list[tuple[str, int, int, str]] = []
    for path in sorted(sources):
        lines = sources[path].splitlines()
        for first, last in chunks_of(path, sources[path]):
            chunks.append((path, first, last, "\n".join(lines[first - 1 : last])))
    top = _bm25_top([f"{p}\n{body}" for p, _, _, body in chunks], task, k)
    text = "\n\n".join(
        block(chunks[i][0], chunks[i][3], f" (lines {chunks[i][1]}-{chunks[i][2]})") for i in top
    )
    return Shown(text, time.perf_counter() - started, {"chunks": len(chunks)})


def baseline(root: Path, files: list[str], task: str) -> Shown:
    from tierwise.engine.context import repo_tree

    started = time.perf_counter()
    return Shown(repo_tree(files, 1500), time.perf_counter() - started)


def aider_maps(python: Path, requests: list[dict[str, object]], timeout: float = 3600) -> list[Shown]:
    """Aider's repo maps for many tasks in one subprocess of the aider virtual environment."""
    proc = subprocess.run(
        [str(python), str(HERE / "aider_map.py")],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"aider_map.py failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return [
        Shown(r["text"], r["seconds"], {"mentioned_fnames": r["mentioned_fnames"]})
        for r in json.loads(proc.stdout)
    ]


def engine_plan(root: Path, task: str, budget: int) -> tuple[Shown, object]:
    """The context engine's plan pack (index refresh included in the time) and the engine itself."""
    from tierwise.context import ContextEngine

    started = time.perf_counter()
    engine = ContextEngine(root, persist=False)  # a cold index every time; nothing written into the checkout
    engine.refresh()
    refreshed = time.perf_counter()
    pack = engine.plan_pack(task, budget_tokens=budget)
    done = time.perf_counter()
    again = engine.plan_pack(task, budget_tokens=budget)  # warm: retrieval structures already built
    notes = {
        "refresh_s": refreshed - started,
        "pack_s": done - refreshed,
        "warm_pack_s": time.perf_counter() - done,
        "engine_tokens": getattr(pack, "tokens", None),
        "deterministic": again.text == pack.text,
    }
    return Shown(pack.text, done - started, notes), engine

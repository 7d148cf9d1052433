"""The reference graph between files and a personalised PageRank over it.

An edge runs from a file that uses an identifier to each file that defines it, weighted down when many files
define the name (``get``, ``run``) or when it is private, up when it is long and specific. PageRank is a
power iteration over numpy arrays (the same algorithm as ``networkx.pagerank``, which needs scipy for
graphs of this size); ties and iteration order are fixed, so the ranks are deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tierwise.context.model import FileEntry

DAMPING = 0.85
ITERATIONS = 40
TOLERANCE = 1e-9


@dataclass(frozen=True)
class FileGraph:
    paths: tuple[str, ...]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray  # normalised per source: the weights leaving a file sum to 1
    dangling: np.ndarray  # bool per node: no outgoing edge


def _identifier_weight(name: str, definers: int) -> float:
    weight = 1.0 / definers
    if name.startswith("_"):
        weight *= 0.2
    if len(name) >= 8 and ("_" in name or any(c.isupper() for c in name[1:])):
        weight *= 3.0
    if len(name) <= 2:
        weight *= 0.1
    return weight


def definers_by_name(files: Mapping[str, FileEntry]) -> dict[str, list[str]]:
    """identifier → sorted files defining it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path, entry in files.items():
        for symbol in entry.symbols:
            found[symbol.name].add(path)
    return {name: sorted(paths) for name, paths in found.items()}


def file_edges(path: str, refs: Sequence[str], definers: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """target file → weight of the edges from ``path`` (whose text uses ``refs``), summed in ``refs`` order."""
    edges: dict[str, float] = defaultdict(float)
    for name in refs:
        targets = definers.get(name)
        if not targets or len(targets) > 25:
            continue
        weight = _identifier_weight(name, len(targets))
        for target in targets:
            if target != path:
                edges[target] += weight
    return edges


def graph_from_arrays(paths: tuple[str, ...], src: np.ndarray, dst: np.ndarray, raw: np.ndarray) -> FileGraph:
    """The graph from its edges sorted by (source, target) position, with raw weights (normalised here)."""
    out = np.bincount(src, weights=raw, minlength=len(paths)) if len(paths) else np.zeros(0)
    weight = raw / out[src] if len(raw) else raw
    dangling = out == 0
    return FileGraph(paths, src, dst, weight, dangling)


def build_graph(files: Mapping[str, FileEntry], definers: Mapping[str, Sequence[str]]) -> FileGraph:
    """The whole graph at once (``search_cache`` builds the same arrays from per-file edges it keeps)."""
    paths = tuple(sorted(files))
    position = {p: i for i, p in enumerate(paths)}
    src: list[int] = []
    dst: list[int] = []
    raw: list[float] = []
    for source, path in enumerate(paths):
        edges = file_edges(path, files[path].refs, definers)
        for target in sorted(edges):  # sorted paths: the order of their positions
            src.append(source)
            dst.append(position[target])
            raw.append(edges[target])
    return graph_from_arrays(paths, np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64),
                             np.array(raw, dtype=np.float64))  # fmt: skip


def pagerank(graph: FileGraph, personal: Mapping[str, float]) -> dict[str, float]:
    """path → rank (sums to 1), personalised toward ``personal`` (uniform when it is empty)."""
    n = len(graph.paths)
    if n == 0:
        return {}
    p = np.zeros(n)
    position = {path: i for i, path in enumerate(graph.paths)}
    for path, value in personal.items():
        if path in position and value > 0:
            p[position[path]] += value
    p = p / p.sum() if p.sum() > 0 else np.full(n, 1.0 / n)
    rank = p.copy()
    for _ in range(ITERATIONS):
        spread = np.bincount(graph.dst, weights=rank[graph.src] * graph.weight, minlength=n)
        new = DAMPING * (spread + rank[graph.dangling].sum() * p) + (1 - DAMPING) * p
        done = np.abs(new - rank).sum() < TOLERANCE * n
        rank = new
        if done:
            break
    return {path: float(rank[i]) for i, path in enumerate(graph.paths)}

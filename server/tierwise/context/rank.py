"""Retrieval: rank the workspace's symbols and files for a task.

Three signals, combined with fixed weights: BM25 (``bm25s``) over symbol chunks and over files, with
identifiers split into words; a PageRank over the reference graph, personalised toward the files the task
names or the user has open, the current diff and the files of failing tracebacks; and an exact-name bonus
for identifiers the task spells out. The top hits are then expanded along the structure (a method's class,
callees and callers, a module's test file). Sorting breaks ties by path and line, so the same workspace and
task always give the same ranking.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from tierwise.context.graph import FileGraph, build_graph, definers_by_name, pagerank
from tierwise.context.model import FileEntry, Symbol
from tierwise.context.terms import identifiers, many, path_terms, split_identifier, words
from tierwise.context.types import Query

W_LEXICAL, W_FILE, W_GRAPH, W_NAMED, W_SEED = 1.0, 0.35, 0.4, 2.0, 0.6
EXPAND_TOP = 8
_TEST = re.compile(
    r"(^|/)(tests?|__tests__|spec|testing)/|(^|/)test_[^/]*$|_test\.[^/]+$|\.(test|spec)\.[^/]+$"
)
_DOCS = frozenset({"text"})


def looks_like_code(name: str) -> bool:
    """``parse_config``, ``HTTPServer``, ``getX``, ``v2``: not an ordinary English word."""
    return "_" in name.strip("_") or any(c.isupper() for c in name[1:]) or any(c.isdigit() for c in name)


@lru_cache(maxsize=100_000)
def is_test_path(path: str) -> bool:
    return bool(_TEST.search(path))


@dataclass(frozen=True)
class Hit:
    path: str
    symbol: Symbol | None
    score: float
    why: str


@dataclass
class Ranking:
    symbols: list[Hit] = field(default_factory=list)
    files: list[Hit] = field(default_factory=list)


class Retriever:
    """Search structures for one generation of the index (rebuilt when the index changes)."""

    def __init__(self, files: Mapping[str, FileEntry]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)

        self.files = dict(sorted(files.items()))
        self.docs: list[tuple[str, Symbol | None]] = []
        corpus: list[list[str]] = []
        file_corpus: list[list[str]] = []
        self.paths = list(self.files)
        self.by_qualname: dict[str, list[tuple[str, Symbol]]] = defaultdict(list)
        self._callers: dict[str, list[tuple[str, Symbol]]] = {}
        for path, entry in self.files.items():
            p_terms = path_terms(path)
            brief = is_test_path(path)  # tests: found by name and path; their bodies rarely need to change
            for symbol in entry.symbols:
                self.docs.append((path, symbol))
                name_terms = split_identifier(symbol.name)
                document = name_terms * 3 + many(symbol.qualname.split(".")[:-1]) + p_terms
                if not brief:
                    document += words(symbol.doc) + many(symbol.refs)
                corpus.append(document)
                self.by_qualname[symbol.name].append((path, symbol))
                if symbol.qualname != symbol.name:
                    self.by_qualname[symbol.qualname].append((path, symbol))
            file_corpus.append(p_terms * 2 + many(s.name for s in entry.symbols) + many(entry.refs[:400])
                               + [t for c in entry.chunks for t in c.terms][:400])  # fmt: skip
        self.sym_bm25 = bm25s.BM25()
        self.file_bm25 = bm25s.BM25()
        self._sym_vocab = self._index(self.sym_bm25, corpus)
        self._file_vocab = self._index(self.file_bm25, file_corpus)
        self.path_forms = {p: _path_forms(p) for p in self.paths}
        self.definers = definers_by_name(self.files)
        self.graph: FileGraph = build_graph(self.files, self.definers)

    @staticmethod
    def _index(model: object, corpus: list[list[str]]) -> set[str]:
        if not corpus:
            return set()
        model.index([doc or ["_empty_"] for doc in corpus], show_progress=False)  # type: ignore[attr-defined]
        return set(getattr(model, "vocab_dict", None) or {t for doc in corpus for t in doc})

    def callers(self, name: str) -> list[tuple[str, Symbol]]:
        """Definitions whose text uses ``name`` (computed on first need, then kept)."""
        found = self._callers.get(name)
        if found is None:
            found = [(p, s) for p, s in self.docs if s is not None and name in s.refs]
            self._callers[name] = found
        return found

    @staticmethod
    def _scores(model: object, vocab: set[str], terms: list[str], size: int) -> list[float]:
        known = [t for t in terms if t in vocab]
        if not known or not size:
            return [0.0] * size
        scores = model.get_scores(known)  # type: ignore[attr-defined]
        top = float(scores.max()) if len(scores) else 0.0
        return [float(s) / top if top > 0 else 0.0 for s in scores]

    # -- ranking ------------------------------------------------------------------------------------------
    def mentioned(self, query: Query) -> tuple[set[str], set[str]]:
        """(symbol names, paths) the task text spells out."""
        quoted = set(re.findall(r"`([^`\n]+?)(?:\(\))?`", query.task)) | set(
            re.findall(r"(\w+)\(", query.task)
        )
        names = {i for i in identifiers(query.task)
                 if len(i) >= 3 and i in self.by_qualname and (looks_like_code(i) or i in quoted)}  # fmt: skip
        names |= {n for n in query.focus_symbols if n in self.by_qualname}
        for dotted in re.findall(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+", query.task):
            if dotted in self.by_qualname:
                names.add(dotted)
        lowered = query.task.lower()
        paths = {path for path, forms in self.path_forms.items() if any(f in lowered for f in forms)}
        return names, paths

    def rank(self, query: Query) -> Ranking:
        terms = words(query.task) + many(query.focus_symbols)
        names, mentioned_paths = self.mentioned(query)
        explicit = {p for p in (*query.named_files, *query.open_files, *query.diff_files, *query.traceback_files)
                    if p in self.files} | mentioned_paths  # fmt: skip
        seeds = {p: 1.0 for p in explicit}
        for name in names:
            for path, _ in self.by_qualname[name]:
                seeds[path] = seeds.get(path, 0) + 0.5
        sym_scores = self._scores(self.sym_bm25, self._sym_vocab, terms, len(self.docs))
        file_scores = dict(zip(self.paths, self._scores(self.file_bm25, self._file_vocab, terms, len(self.paths)),
                               strict=True))  # fmt: skip
        for path, score in sorted(file_scores.items(), key=lambda kv: (-kv[1], kv[0]))[:10]:
            if score > 0:
                seeds[path] = seeds.get(path, 0) + 0.3 * score
        ranks = pagerank(self.graph, seeds)
        top_rank = max(ranks.values(), default=0.0) or 1.0
        hits: dict[tuple[str, str | None, int], Hit] = {}
        for (path, symbol), lexical in zip(self.docs, sym_scores, strict=True):
            named = symbol is not None and (symbol.name in names or symbol.qualname in names)
            seeded = path in explicit
            graph = ranks.get(path, 0.0) / top_rank
            relevant = 1.0 if named or seeded else min(1.0, 3 * lexical)
            score = (W_LEXICAL * lexical + W_FILE * file_scores.get(path, 0.0) * relevant
                     + W_GRAPH * graph * relevant + W_NAMED * named + W_SEED * seeded * (0.3 + lexical))  # fmt: skip
            if not seeded and (is_test_path(path) or self.files[path].lang in _DOCS):
                score *= 0.5
            if score <= 0:
                continue
            why = _why(lexical, graph, named, seeded)
            key = (path, symbol.qualname if symbol else None, symbol.start if symbol else 0)
            if key not in hits or hits[key].score < score:
                hits[key] = Hit(path, symbol, score, why)
        ordered = sorted(hits.values(), key=_order)
        code = [h for h in ordered if h.symbol is not None]
        ranking = Ranking(symbols=self._expand(code), files=self._rank_files(ranks, file_scores, explicit))
        return ranking

    def _expand(self, hits: list[Hit]) -> list[Hit]:
        """Add a method's class, the callees and callers of the top hits, each below the hit that led to it."""
        seen = {(h.path, h.symbol.qualname if h.symbol else None) for h in hits}
        extra: list[Hit] = []
        for hit in hits[:EXPAND_TOP]:
            symbol = hit.symbol
            assert symbol is not None
            if "." in symbol.qualname:
                parent = symbol.qualname.rsplit(".", 1)[0]
                extra += [Hit(p, s, hit.score * 0.4, f"encloses {symbol.qualname}")
                          for p, s in self.by_qualname.get(parent, []) if p == hit.path]  # fmt: skip
            for ref in symbol.refs:
                targets = self.by_qualname.get(ref, [])
                if 0 < len(targets) <= 3 and len(ref) >= 3:
                    extra += [
                        Hit(p, s, hit.score * 0.35, f"called or used by {symbol.qualname}")
                        for p, s in targets
                    ]
            callers = self.callers(symbol.name) if len(symbol.name) >= 4 else []
            if len(self.definers.get(symbol.name, [])) <= 2:
                extra += [Hit(p, s, hit.score * 0.3, f"uses {symbol.qualname}") for p, s in callers[:6]]
        merged = {(h.path, h.symbol.qualname if h.symbol else None): h for h in hits}
        for hit in extra:
            key = (hit.path, hit.symbol.qualname if hit.symbol else None)
            if key in seen and merged[key].score >= hit.score:
                continue
            if key in merged and merged[key].score >= hit.score:
                continue
            merged[key] = hit
        return sorted(merged.values(), key=_order)

    def _rank_files(
        self, ranks: Mapping[str, float], lexical: Mapping[str, float], protected: set[str]
    ) -> list[Hit]:
        top = max(ranks.values(), default=0.0) or 1.0
        hits = []
        for path in self.paths:
            score = (
                W_GRAPH * ranks.get(path, 0.0) / top
                + W_FILE * lexical.get(path, 0.0)
                + W_SEED * (path in protected)
            )
            why = (
                "named or open"
                if path in protected
                else ("matches the task" if lexical.get(path) else "central")
            )
            hits.append(Hit(path, None, score, why))
        ordered = sorted(hits, key=_order)
        tests = self.test_files_for([h.path for h in ordered[:5]])
        return ordered + [Hit(t, None, 0.0, "tests a top file") for t in tests if t not in protected]

    def test_files_for(self, paths: Sequence[str]) -> list[str]:
        found: list[str] = []
        for path in paths:
            stem = PurePosixPath(path).stem
            if is_test_path(path) or len(stem) < 2:
                continue
            wanted = {
                f"test_{stem}",
                f"{stem}_test",
                f"{stem}.test",
                f"{stem}.spec",
                f"{stem}Test",
                f"{stem}_spec",
            }
            found += [p for p in self.paths if PurePosixPath(p).stem in wanted and p not in found]
        return found


def _path_forms(path: str) -> tuple[str, ...]:
    """How a task may name a file: its path, its name (when distinctive), its dotted module."""
    name = PurePosixPath(path).name.lower()
    module = path.rsplit(".", 1)[0].replace("/", ".").lower()
    forms = [path.lower()]
    if len(name) > 6:
        forms.append(name)
    if "." in module:
        forms.append(module)
    return tuple(forms)


def _order(hit: Hit) -> tuple[float, str, int]:
    return (-round(hit.score, 9), hit.path, hit.symbol.start if hit.symbol else 0)


def _why(lexical: float, graph: float, named: bool, seeded: bool) -> str:
    parts = []
    if named:
        parts.append("named in the task")
    if seeded:
        parts.append("in a named, open, changed or failing file")
    if lexical >= 0.2:
        parts.append(f"matches the task's words ({lexical:.2f})")
    if graph >= 0.2:
        parts.append(f"central in the reference graph ({graph:.2f})")
    return "; ".join(parts) or "weak match"

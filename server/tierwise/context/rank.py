"""Retrieval: rank the workspace's symbols and files for a task.

Three signals, combined with fixed weights: BM25 (``bm25s``) over symbol chunks and over files, with
identifiers split into words and every word lightly stemmed (``templates`` meets ``template``); a PageRank
over the reference graph, personalised toward the files the task names or the user has open, the current
diff and the files of failing tracebacks; and an exact-name bonus for identifiers the task spells out.

Lexical scores are scaled by the best *source* match (a test repeating the task's words does not shrink the
code's scores), and a definition gets 0.35 of its file's lexical score whether or not its own words match
(the setters of a "reset the templates" task in the task's top file). The graph rank adds to a definition's
score only when the task points somewhere (named, open, changed or failing files, names spelled as code):
without that it is a centrality prior that lifts the most-imported files over the task's code. Closeness to
the best matches (called by one, calls one, same class: ``_near``) adds a little. Tests, docs and inline
test modules count ``ASIDE_FACTOR``. The top hits are then expanded along the structure (a method's small
class, callees and callers, a module's test file). Sorting breaks ties by path and line, so
the same workspace and task always give the same ranking."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

import numpy as np

from tierwise.context.documents import file_documents, is_test_path
from tierwise.context.graph import FileGraph, pagerank
from tierwise.context.model import FileEntry, Symbol
from tierwise.context.search_cache import SearchCache
from tierwise.context.terms import identifiers, many, stems, words
from tierwise.context.types import Query

W_LEXICAL, W_FILE, W_GRAPH, W_NAMED, W_SEED, W_NEAR = 1.0, 0.35, 0.4, 2.0, 0.6, 0.1
EXPAND_TOP = 8
ASIDE_FACTOR = 0.3  # tests, docs and inline test modules count this much unless named
ENCLOSING_LINES = 80  # a bigger class is not added for its method's sake: the outline shows its shape
INHERIT_FILES, INHERIT_TOP = 5, 0.6  # the top files pass part of their rank to every definition they hold
RANKINGS_KEPT = 4
NEAR_HITS = 30  # the best lexical matches whose callees, callers and class siblings get credit
_DOCS = frozenset({"text"})
_TEST_MODULES = frozenset({"tests", "test"})


def looks_like_code(name: str) -> bool:
    """``parse_config``, ``HTTPServer``, ``getX``, ``v2``: not an ordinary English word."""
    return "_" in name.strip("_") or any(c.isupper() for c in name[1:]) or any(c.isdigit() for c in name)


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

    def __init__(self, files: Mapping[str, FileEntry], cache: SearchCache | None = None) -> None:
        self.files = dict(sorted(files.items()))
        self.paths = list(self.files)
        # the structures come from the per-file parts ``search_cache`` keeps across index generations
        built = (cache or SearchCache()).build(self.files, file_documents)
        self.docs: list[tuple[str, Symbol | None]] = built.docs  # type: ignore[assignment]
        self.by_qualname = built.by_qualname
        self._callers: dict[str, list[tuple[str, Symbol]]] = {}
        self._defined = built.defined  # name → docs defining it
        self._users = built.users  # name → docs whose text uses it
        self._members = built.members  # (path, class) → its members
        self.sym_bm25, self.file_bm25 = built.sym_bm25, built.file_bm25
        self._sym_vocab = self._file_vocab = built.vocab
        # tests and docs are scored against the best *source* match (see ``_scores``)
        self._sym_source = np.array([not _is_aside(p, self.files[p], s) for p, s in self.docs], dtype=bool)
        self._file_source = np.array([not _is_aside(p, self.files[p], None) for p in self.paths], dtype=bool)
        self.path_forms = {p: _path_forms(p) for p in self.paths}
        position = {p: i for i, p in enumerate(self.paths)}
        self._doc_path = np.array([position[p] for p, _ in self.docs], dtype=np.int64)  # doc → its file
        self.definers = built.definers
        self.graph: FileGraph = built.graph
        self._memo: dict[tuple[Query, int | None], Ranking] = {}
        self._memo_lock = threading.Lock()

    def _near(self, lexical: np.ndarray) -> dict[int, float]:
        """doc index → closeness to the best lexical matches: a definition a match uses (0.6), one that uses a
        match (0.5), a sibling in the match's class (0.4), each times the match's score; the best relation
        counts. Names defined in many places (``get``, ``__init__``) carry no relation."""
        strong = np.flatnonzero(lexical >= 0.2)
        top = strong[np.lexsort((strong, -lexical[strong]))][:NEAR_HITS].tolist()
        near: dict[int, float] = {}

        def credit(index: int, value: float) -> None:
            if value > near.get(index, 0.0):
                near[index] = value

        for i in top:
            path, symbol = self.docs[i]
            if symbol is None:
                continue
            score = float(lexical[i])
            for ref in symbol.refs:
                if len(ref) >= 3 and 0 < len(self.definers.get(ref, ())) <= 3:
                    for j in self._defined.get(ref, ()):
                        credit(j, 0.6 * score)
            if len(symbol.name) >= 4 and len(self.definers.get(symbol.name, ())) <= 2:
                for j in self._users.get(symbol.name, ())[:40]:
                    if not _encloses(self.docs[j], path, symbol):
                        credit(j, 0.5 * score)
            if "." in symbol.qualname:
                for j in self._members.get((path, symbol.qualname.rsplit(".", 1)[0]), ()):
                    credit(j, 0.4 * score)
        for i in top:
            near.pop(i, None)
        return near

    def callers(self, name: str) -> list[tuple[str, Symbol]]:
        """Definitions whose text uses ``name`` (computed on first need, then kept)."""
        found = self._callers.get(name)
        if found is None:
            found = [self.docs[i] for i in self._users.get(name, ())]  # type: ignore[misc]
            self._callers[name] = found
        return found

    @staticmethod
    def _scores(model: object, vocab: set[str], terms: list[str], size: int, source: object = None) -> np.ndarray:
        """BM25 scores scaled so that the best *source* document scores 1 (``source``: a boolean mask; tests
        and docs may score above 1 and are halved later): a test that repeats the task's words must not
        squash the scores of the code it tests."""
        known = [t for t in stems(terms) if t in vocab]
        if not known or not size:
            return np.zeros(size)
        scores = np.asarray(model.get_scores(known), dtype=np.float64)  # type: ignore[attr-defined]
        top = float(scores[source].max()) if source is not None and source.any() else 0.0  # type: ignore[union-attr,index]
        top = top or (float(scores.max()) if len(scores) else 0.0)
        return scores / top if top > 0 else np.zeros(size)

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

    def ranked(self, query: Query, limit: int | None = None) -> Ranking:
        """``rank``, remembered for the last few queries of this generation (explore's map and candidates
        and the plan's pack ask for the same one; hits are immutable and callers only read the lists)."""
        key = (query, limit)
        with self._memo_lock:
            found = self._memo.get(key)
        if found is None:
            found = self.rank(query, limit)
            with self._memo_lock:
                self._memo[key] = found
                while len(self._memo) > RANKINGS_KEPT:
                    self._memo.pop(next(iter(self._memo)))
        return found

    def rank(self, query: Query, limit: int | None = None) -> Ranking:
        """Definitions and files by relevance to ``query``: every definition with a positive score, or (``limit``)
        those that can sort among the first ``limit`` — the same first ``limit`` hits, without making a hit for
        each of a large repository's definitions."""
        terms = words(query.task) + many(query.focus_symbols)
        names, mentioned_paths = self.mentioned(query)
        explicit = {p for p in (*query.named_files, *query.open_files, *query.diff_files, *query.traceback_files)
                    if p in self.files} | mentioned_paths  # fmt: skip
        seeds = {p: 1.0 for p in explicit}
        for name in names:
            for path, _ in self.by_qualname[name]:
                seeds[path] = seeds.get(path, 0) + 0.5
        lexical = self._scores(self.sym_bm25, self._sym_vocab, terms, len(self.docs), self._sym_source)
        file_lexical = self._scores(self.file_bm25, self._file_vocab, terms, len(self.paths), self._file_source)
        file_scores = dict(zip(self.paths, file_lexical.tolist(), strict=True))
        for path, score in sorted(file_scores.items(), key=lambda kv: (-kv[1], kv[0]))[:10]:
            if score > 0:
                seeds[path] = seeds.get(path, 0) + 0.3 * score
        ranks = pagerank(self.graph, seeds)
        top_rank = max(ranks.values(), default=0.0) or 1.0
        file_hits = self._rank_files(ranks, file_scores, explicit)
        inherited = _inheritance([h.path for h in file_hits if h.score > 0])
        near = self._near(lexical)
        pointed = bool(explicit or names)  # the graph is personalised toward what the task points at
        # every definition's score at once, in the order of operations the formula below spells out
        of_doc = self._doc_path
        closeness = np.zeros(len(self.docs))
        closeness[list(near)] = list(near.values())
        named = np.zeros(len(self.docs), dtype=bool)
        named[self._named_docs(names)] = True
        seeded = np.array([p in explicit for p in self.paths], dtype=bool)[of_doc]
        graph = np.array([ranks.get(p, 0.0) / top_rank if pointed else 0.0 for p in self.paths])[of_doc]
        relevant = np.where(named | seeded, 1.0,
                            np.maximum(np.minimum(1.0, 3 * lexical), np.minimum(1.0, 2 * closeness)))  # fmt: skip
        score = (W_LEXICAL * lexical + W_FILE * file_lexical[of_doc] + W_GRAPH * graph * relevant
                 + W_NEAR * closeness + W_NAMED * named + W_SEED * seeded * (0.3 + lexical))  # fmt: skip
        score = np.where(~seeded & ~self._sym_source, score * ASIDE_FACTOR, score)
        hits: dict[tuple[str, str | None, int], Hit] = {}
        for i in self._best(score, limit).tolist():
            path, symbol = self.docs[i]
            value = float(score[i])
            why = _why(float(lexical[i]), float(graph[i]), bool(named[i]), bool(seeded[i]), float(closeness[i]),
                       inherited.get(path, 0.0))  # fmt: skip
            key = (path, symbol.qualname if symbol else None, symbol.start if symbol else 0)
            if key not in hits or hits[key].score < value:
                hits[key] = Hit(path, symbol, value, why)
        ordered = sorted(hits.values(), key=_order)
        code = [h for h in ordered if h.symbol is not None]
        return Ranking(symbols=self._expand(code), files=file_hits)

    @staticmethod
    def _best(score: np.ndarray, limit: int | None) -> np.ndarray:
        """Indices (in order) of the positive scores, or of those that can sort among the first ``limit`` (ties
        by the nine decimals ``_order`` rounds to included: the caller's sort decides among them)."""
        positive = np.flatnonzero(score > 0)
        if limit is None or len(positive) <= limit:
            return positive
        kth = np.partition(score[positive], len(positive) - limit)[len(positive) - limit]
        return positive[score[positive] >= kth - 1e-9]

    def _named_docs(self, names: set[str]) -> list[int]:
        """Indices of the definitions whose name or ``Class.name`` the task spells out."""
        found = []
        for name in names:
            for j in {*self._defined.get(name.rsplit(".", 1)[-1], ()), *self._defined.get(name, ())}:
                symbol = self.docs[j][1]
                if symbol is not None and (symbol.name in names or symbol.qualname in names):
                    found.append(j)
        return found

    def _expand(self, hits: list[Hit]) -> list[Hit]:
        """Add a method's class, the callees and callers of the top hits, each below the hit that led to it."""
        extra: list[Hit] = []
        for hit in hits[:EXPAND_TOP]:
            symbol = hit.symbol
            assert symbol is not None
            if "." in symbol.qualname:
                parent = symbol.qualname.rsplit(".", 1)[0]
                extra += [Hit(p, s, hit.score * 0.4, f"encloses {symbol.qualname}")
                          for p, s in self.by_qualname.get(parent, [])
                          if p == hit.path and s.end - s.start < ENCLOSING_LINES]  # fmt: skip
            for ref in symbol.refs:
                targets = self.by_qualname.get(ref, [])
                if 0 < len(targets) <= 3 and len(ref) >= 3:
                    extra += [
                        Hit(p, s, hit.score * 0.35, f"called or used by {symbol.qualname}")
                        for p, s in targets
                    ]
            callers = self.callers(symbol.name) if len(symbol.name) >= 4 else []
            if len(self.definers.get(symbol.name, [])) <= 2:
                callers = [(p, s) for p, s in callers if not _encloses((p, s), hit.path, symbol)]
                extra += [Hit(p, s, hit.score * 0.3, f"uses {symbol.qualname}") for p, s in callers[:6]]
        merged = {_key(h): h for h in hits}  # a property's getter and setter share a qualname, not a line
        for hit in extra:
            key = _key(hit)
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
            found += [p for p in self.paths if _file_stem(p) in wanted and p not in found]
        return found


@lru_cache(maxsize=100_000)
def _file_stem(path: str) -> str:
    """``PurePosixPath(path).stem`` by string operations (run for every path on the first pack)."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


@lru_cache(maxsize=100_000)
def _path_forms(path: str) -> tuple[str, ...]:
    """How a task may name a file: its path, its name (when distinctive), its dotted module."""
    name = path.rsplit("/", 1)[-1].lower()  # the file's name (paths are relative, with "/")
    module = path.rsplit(".", 1)[0].replace("/", ".").lower()
    forms = [path.lower()]
    if len(name) > 6:
        forms.append(name)
    if "." in module:
        forms.append(module)
    return tuple(forms)


def _encloses(doc: tuple[str, Symbol | None], path: str, symbol: Symbol) -> bool:
    """Whether ``doc`` is a definition around ``symbol`` (a class names its methods: it does not use them)."""
    other = doc[1]
    return doc[0] == path and other is not None and other.start <= symbol.start and symbol.end <= other.end


def _is_aside(path: str, entry: FileEntry, symbol: Symbol | None) -> bool:
    """Tests, documentation and inline test modules: found by name and path, counted half."""
    return is_test_path(path) or entry.lang in _DOCS or _in_test_module(symbol)


def _in_test_module(symbol: Symbol | None) -> bool:
    """A definition inside an inline test module (Rust's ``mod tests``): a test, though not in a test file."""
    return symbol is not None and symbol.qualname.split(".", 1)[0] in _TEST_MODULES and "." in symbol.qualname


def _key(hit: Hit) -> tuple[str, str | None, int]:
    return (hit.path, hit.symbol.qualname if hit.symbol else None, hit.symbol.start if hit.symbol else 0)


def _order(hit: Hit) -> tuple[float, str, int]:
    return (-round(hit.score, 9), hit.path, hit.symbol.start if hit.symbol else 0)


def _inheritance(ordered_files: Sequence[str]) -> dict[str, float]:
    """path → the share of its file's score a definition inherits: ``INHERIT_TOP`` for the top file, falling
    linearly to nothing after the ``INHERIT_FILES``-th (a symbol that shares no word with the task still
    counts when its file is the task's)."""
    return {p: INHERIT_TOP * (1 - i / INHERIT_FILES) for i, p in enumerate(ordered_files[:INHERIT_FILES])}


def _why(
    lexical: float, graph: float, named: bool, seeded: bool, near: float = 0.0, inherit: float = 0.0
) -> str:
    parts = []
    if named:
        parts.append("named in the task")
    if seeded:
        parts.append("in a named, open, changed or failing file")
    if lexical >= 0.2:
        parts.append(f"matches the task's words ({lexical:.2f})")
    if graph >= 0.2:
        parts.append(f"central in the reference graph ({graph:.2f})")
    if near >= 0.1:
        parts.append(f"calls, is called by or sits beside a match ({near:.2f})")
    if inherit > 0 and lexical < 0.2 and not (named or seeded):
        parts.append("in a top-ranked file")
    return "; ".join(parts) or "weak match"

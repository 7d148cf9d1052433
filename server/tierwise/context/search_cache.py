"""The retriever's search structures, kept across index generations so that an edit costs its own file.

Built from nothing, the search structures (BM25 over definitions, BM25 over files, the reference graph, the
name maps) cost about a second on a 650-file repository. ``SearchCache`` keeps each file's part while the
file's entry is the same object (entries are immutable and keyed by content, so an unchanged file keeps its
entry) and assembles a generation from the parts with numpy:

* a file's part: its BM25 documents (from ``rank.file_documents``) as term ids with counts, the names its
  definitions use, and its outgoing edges in the reference graph;
* per generation: the two BM25 score matrices hold the float32 values ``bm25s.BM25.index`` computes, in
  the layout its ``get_scores`` reads (a test checks the scores are bit-identical); the name maps are
  merged; a file's graph edges are recomputed only when it changed or when a name it uses gained or lost
  a defining file. Which definitions use a name (``users``) is looked up on demand.

Term ids come from one vocabulary that only grows (a term that left the workspace keeps an empty column);
it starts over when most of it is stale.
"""

from __future__ import annotations

import gc
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from tierwise.context.graph import FileGraph, file_edges, graph_from_arrays
from tierwise.context.model import FileEntry, Symbol

Documents = Callable[[str, FileEntry], tuple[list[list[str]], list[str]]]
K1, B = 1.5, 0.75  # bm25s's defaults (method "lucene")
_PAIR = np.int64(32)
_LOW = np.int64(0xFFFFFFFF)


@dataclass
class FilePart:
    """One file's share of the search structures (valid while its entry is the same object)."""

    entry: FileEntry
    sym_doc: np.ndarray  # int64: local definition index of each (definition, term) pair
    sym_term: np.ndarray  # int64: term id of each pair
    sym_tf: np.ndarray  # float32: how often the term occurs in the definition's document
    sym_len: np.ndarray  # int64: tokens per definition document
    file_term: np.ndarray
    file_tf: np.ndarray
    file_len: int
    pairs: list[tuple[str, Symbol]]  # (path, definition), in order
    by_key: dict[str, list[tuple[str, Symbol]]]  # name and ``Class.name`` → its definitions
    defined: dict[str, list[int]]  # name → local indices of its definitions
    members: dict[str, list[int]]  # class qualname → local indices of its members
    users: dict[str, list[int]]  # identifier → local indices of the definitions whose text uses it
    used: frozenset[str]  # identifiers the file or its definitions use


@dataclass
class Structures:
    """One generation's search structures, as ``rank.Retriever`` uses them."""

    docs: list[tuple[str, Symbol]]
    by_qualname: Lookup  # name or ``Class.name`` → [(path, definition)] in ``docs`` order
    defined: Lookup  # name → indices in ``docs`` of its definitions
    users: Lookup  # identifier → indices in ``docs`` of the definitions whose text uses it
    members: Lookup  # (path, class qualname) → indices in ``docs`` of its members
    sym_bm25: Any
    file_bm25: Any
    vocab: set[str]
    definers: dict[str, list[str]]  # name → sorted paths defining it
    graph: FileGraph


class Lookup:
    """A read-only map whose values are computed per key on first need (then kept): ``get``, ``[]`` (an absent
    key gives an empty list) and ``in`` (true for a non-empty value), as the retriever uses its maps."""

    def __init__(self, compute: Callable[[Any], list[Any]]) -> None:
        self._compute = compute
        self._memo: dict[Any, list[Any]] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._compute(key)
        return found if found else default

    def __getitem__(self, key: Any) -> list[Any]:
        return self.get(key, [])

    def __contains__(self, key: object) -> bool:
        return bool(self.get(key))


class SearchCache:
    """Per-file parts of the search structures across index generations (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.vocab: dict[str, int] = {}
        self._documents: Documents | None = None
        self._parts: dict[str, FilePart] = {}
        self._using: dict[str, frozenset[str]] = {}  # identifier → files using it
        self._keyed: dict[str, frozenset[str]] = {}  # name or ``Class.name`` → files defining it
        self._definers: dict[str, list[str]] = {}  # name → sorted files defining it
        self._edges: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}  # path → (targets, raw weights)
        self._dst: dict[str, np.ndarray] = {}  # path → target positions, for ``self._paths``
        self._paths: tuple[str, ...] = ()

    def build(self, files: Mapping[str, FileEntry], documents: Documents) -> Structures:
        """The structures for ``files`` (path → entry, sorted by path), reusing every unchanged file's part."""
        with self._lock:
            if documents is not self._documents:
                self._reset()
                self._documents = documents
            return self._build(files, documents)

    def _build(self, files: Mapping[str, FileEntry], documents: Documents) -> Structures:
        paths = tuple(files)
        old = self._parts
        parts: dict[str, FilePart] = {}
        changed: list[str] = []
        for path, entry in files.items():
            part = old.get(path)
            if part is None or part.entry is not entry:
                part = self._part(path, entry, documents)
                changed.append(path)
            parts[path] = part
        gone = [p for p in old if p not in parts]
        touched: set[str] = set()  # names and qualnames defined before or after by a changed file
        for path in (*changed, *gone):
            for part, add in ((old.get(path), False), (parts.get(path), True)):
                if part is None:
                    continue
                touched.update(part.by_key)
                _move(self._using, part.used, path, add)
                _move(self._keyed, part.by_key, path, add)
        self._parts = parts
        moved = self._update_definers(touched, parts)
        stale = set(changed) | set(gone)
        for name in moved:
            stale |= self._using.get(name, frozenset())
        definers = dict(self._definers)
        graph = self._graph(paths, files, definers, stale)

        docs: list[tuple[str, Symbol]] = []
        offsets: dict[str, int] = {}
        for path in paths:
            offsets[path] = len(docs)
            docs.extend(parts[path].pairs)
        keyed, using = (
            dict(self._keyed),
            dict(self._using),
        )  # this generation's (sets are replaced, not changed)

        def by_qualname(key: str) -> list[tuple[str, Symbol]]:
            return [pair for p in sorted(keyed.get(key, ())) for pair in parts[p].by_key[key]]

        def defined(name: str) -> list[int]:
            return [offsets[p] + i for p in definers.get(name, ()) for i in parts[p].defined[name]]

        def users(name: str) -> list[int]:
            return [offsets[p] + i for p in sorted(using.get(name, ())) for i in parts[p].users.get(name, ())]

        def members(key: tuple[str, str]) -> list[int]:
            part = parts.get(key[0])
            return [offsets[key[0]] + i for i in part.members.get(key[1], ())] if part else []

        ordered = [parts[p] for p in paths]
        starts = np.fromiter((offsets[p] for p in paths), dtype=np.int64, count=len(paths))
        sym_terms = [p.sym_term for p in ordered]
        sym_doc = _concat([p.sym_doc for p in ordered]) + np.repeat(starts, _sizes(sym_terms))
        sym_bm25, live_sym = self._bm25(sym_doc, sym_terms, [p.sym_tf for p in ordered],
                                        _concat([p.sym_len for p in ordered]))  # fmt: skip
        file_terms = [p.file_term for p in ordered]
        file_doc = np.repeat(np.arange(len(paths), dtype=np.int64), _sizes(file_terms))
        file_bm25, live_file = self._bm25(file_doc, file_terms, [p.file_tf for p in ordered],
                                          np.array([p.file_len for p in ordered], dtype=np.int64))  # fmt: skip
        vocab = set(self.vocab) if paths else set()
        if len(self.vocab) > 50_000 and max(live_sym, live_file) * 3 < len(self.vocab):
            self._reset()  # mostly stale terms: the next generation starts over
        return Structures(docs, Lookup(by_qualname), Lookup(defined), Lookup(users), Lookup(members), sym_bm25,
                          file_bm25, vocab, definers, graph)  # fmt: skip

    def _update_definers(self, touched: set[str], parts: Mapping[str, FilePart]) -> set[str]:
        """Bring ``name → sorted defining files`` up to date for ``touched``; the names whose files changed."""
        moved = set()
        for name in touched:
            now = sorted(p for p in self._keyed.get(name, ()) if name in parts[p].defined)
            if now != self._definers.get(name, []):
                moved.add(name)
                if now:
                    self._definers[name] = now
                else:
                    self._definers.pop(name, None)
        return moved

    # -- one file -----------------------------------------------------------------------------------------
    def _ids(self, tokens: Iterable[str]) -> list[int]:
        vocab = self.vocab
        return [vocab.setdefault(t, len(vocab)) for t in tokens]

    def _part(self, path: str, entry: FileEntry, documents: Documents) -> FilePart:
        sym_docs, file_doc = documents(path, entry)
        if len(sym_docs) != len(entry.symbols):
            raise ValueError("one BM25 document per definition expected")
        lengths = np.fromiter((len(d) for d in sym_docs), dtype=np.int64, count=len(sym_docs))
        ids = np.array(self._ids(t for d in sym_docs for t in d), dtype=np.int64)
        owner = np.repeat(np.arange(len(sym_docs), dtype=np.int64), lengths)
        pairs_, counts = np.unique((owner << _PAIR) | ids, return_counts=True)
        file_ids, file_counts = np.unique(np.array(self._ids(file_doc), dtype=np.int64), return_counts=True)
        pairs = [(path, symbol) for symbol in entry.symbols]
        by_key: dict[str, list[tuple[str, Symbol]]] = {}
        defined: dict[str, list[int]] = {}
        members: dict[str, list[int]] = {}
        users: dict[str, list[int]] = {}
        for index, pair in enumerate(pairs):
            symbol = pair[1]
            by_key.setdefault(symbol.name, []).append(pair)
            if symbol.qualname != symbol.name:
                by_key.setdefault(symbol.qualname, []).append(pair)
            defined.setdefault(symbol.name, []).append(index)
            if "." in symbol.qualname:
                members.setdefault(symbol.qualname.rsplit(".", 1)[0], []).append(index)
            for ref in symbol.refs:
                users.setdefault(ref, []).append(index)
        return FilePart(
            entry=entry, sym_doc=pairs_ >> _PAIR, sym_term=pairs_ & _LOW, sym_tf=counts.astype(np.float32),
            sym_len=lengths, file_term=file_ids, file_tf=file_counts.astype(np.float32), file_len=len(file_doc),
            pairs=pairs, by_key=by_key, defined=defined, members=members, users=users,
            used=frozenset(entry.refs) | frozenset(users),
        )  # fmt: skip

    # -- a generation -------------------------------------------------------------------------------------
    def _bm25(self, doc: np.ndarray, terms: list[np.ndarray], tfs: list[np.ndarray], lengths: np.ndarray
              ) -> tuple[Any, int]:  # fmt: skip
        """A ``bm25s.BM25`` whose score matrix holds what ``index`` computes for these documents: ``doc`` and
        ``terms`` name each (document, term) pair, ``tfs`` its count; ``lengths`` are the documents' tokens."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        model = bm25s.BM25()
        n_docs = len(lengths)
        if n_docs == 0:
            return model, 0
        term = _concat(terms)
        tf = np.concatenate(tfs).astype(np.float32)
        width = len(self.vocab)
        avg = lengths.mean()  # as bm25s: np.array(lengths).mean()
        frequency = np.bincount(term, minlength=width)
        idf = np.zeros(width, dtype=np.float32)
        present = np.flatnonzero(frequency)
        distinct, which = np.unique(frequency[present], return_inverse=True)
        values = [math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for df in distinct.tolist()]  # bm25s's idf
        idf[present] = np.array(values, dtype=np.float64)[which]
        denominator = K1 * ((1 - B) + B * lengths[doc].astype(np.float64) / avg)
        tfc = tf / (denominator + tf)
        scores = (idf[term] * tfc).astype(np.float32)
        if width <= 1 << 16:  # a stable radix sort by term keeps each term's documents in order
            order = np.argsort(term.astype(np.uint16), kind="stable")
        else:
            order = np.argsort((term << _PAIR) | doc)
        indptr = np.zeros(width + 1, dtype=np.int64)
        np.cumsum(frequency, out=indptr[1:])
        model.scores = {"data": scores[order], "indices": doc[order].astype(np.int32), "indptr": indptr,
                        "num_docs": n_docs}  # fmt: skip
        model.vocab_dict = dict(self.vocab)
        model.unique_token_ids_set = set(model.vocab_dict.values())
        model.nonoccurrence_array = None
        return model, len(present)

    def _graph(
        self,
        paths: tuple[str, ...],
        files: Mapping[str, FileEntry],
        definers: Mapping[str, list[str]],
        stale: set[str],
    ) -> FileGraph:
        for path in stale:
            if path in files:
                edges = file_edges(path, files[path].refs, definers)
                targets = tuple(sorted(edges))
                self._edges[path] = (targets, np.array([edges[t] for t in targets], dtype=np.float64))
            else:
                self._edges.pop(path, None)
            self._dst.pop(path, None)
        if paths != self._paths:
            self._dst = {}
            self._paths = paths
        position = None
        dst: list[np.ndarray] = []
        for path in paths:
            found = self._dst.get(path)
            if found is None:
                position = position or {p: i for i, p in enumerate(paths)}
                found = np.array([position[t] for t in self._edges[path][0]], dtype=np.int64)
                self._dst[path] = found
            dst.append(found)
        raw = [self._edges[p][1] for p in paths]
        sizes = np.fromiter((len(r) for r in raw), dtype=np.int64, count=len(raw))
        src = np.repeat(np.arange(len(paths), dtype=np.int64), sizes)
        if not paths:
            return graph_from_arrays(paths, src, np.zeros(0, dtype=np.int64), np.zeros(0))
        return graph_from_arrays(paths, src, np.concatenate(dst), np.concatenate(raw))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while building: the structures allocate many small containers
    and nothing cyclic, and the collections it would run (over the whole index) cost more than the build."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _move(index: dict[str, frozenset[str]], keys: Iterable[str], path: str, add: bool) -> None:
    """Add ``path`` to (or remove it from) the files of each key; the sets are replaced, never changed, so an
    earlier generation's copy of ``index`` keeps its own."""
    for key in keys:
        files = index.get(key, frozenset())
        files = files | {path} if add else files - {path}
        if files:
            index[key] = files
        else:
            index.pop(key, None)


def _concat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)


def _sizes(arrays: list[np.ndarray]) -> np.ndarray:
    return np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))

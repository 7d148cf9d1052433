"""The retriever's search structures, kept across index generations so that an edit costs its own file.

Built from nothing, the search structures (BM25 over definitions, BM25 over files, the reference graph, the
name maps) cost about a second on a 650-file repository. ``SearchCache`` keeps each file's part while the
file's entry is the same object (entries are immutable and keyed by content, so an unchanged file keeps its
entry) and assembles a generation from the parts with numpy:

* a file's part: its BM25 documents (from ``documents.file_documents``) as term ids with counts, the names its
  definitions use, and its outgoing edges in the reference graph;
* per generation: the two BM25 score matrices hold the float32 values ``bm25s.BM25.index`` computes, in
  the layout its ``get_scores`` reads (a test checks the scores are bit-identical); the name maps are
  merged; a file's graph edges are recomputed only when it changed or when a name it uses gained or lost
  a defining file. Which definitions use a name (``users``) is looked up on demand.

Term ids come from one vocabulary that only grows (a term that left the workspace keeps an empty column);
it starts over when most of it is stale.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable, Mapping
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
    keys: frozenset[str]  # the names and ``Class.name``s it defines
    _maps: tuple[dict[str, list[tuple[str, Symbol]]], dict[str, list[int]], dict[str, list[int]]] | None = (
        None
    )
    _users: dict[str, list[int]] | None = None
    _used: frozenset[str] | None = None

    def _name_maps(
        self,
    ) -> tuple[dict[str, list[tuple[str, Symbol]]], dict[str, list[int]], dict[str, list[int]]]:
        if self._maps is None:
            by_key: dict[str, list[tuple[str, Symbol]]] = {}
            defined: dict[str, list[int]] = {}
            members: dict[str, list[int]] = {}
            for index, pair in enumerate(self.pairs):
                symbol = pair[1]
                by_key.setdefault(symbol.name, []).append(pair)
                if symbol.qualname != symbol.name:
                    by_key.setdefault(symbol.qualname, []).append(pair)
                defined.setdefault(symbol.name, []).append(index)
                if "." in symbol.qualname:
                    members.setdefault(symbol.qualname.rsplit(".", 1)[0], []).append(index)
            self._maps = (by_key, defined, members)
        return self._maps

    @property
    def by_key(self) -> dict[str, list[tuple[str, Symbol]]]:
        """name and ``Class.name`` → its definitions (the maps are made on first need)."""
        return self._name_maps()[0]

    @property
    def defined(self) -> dict[str, list[int]]:
        """name → local indices of its definitions."""
        return self._name_maps()[1]

    @property
    def members(self) -> dict[str, list[int]]:
        """class qualname → local indices of its members."""
        return self._name_maps()[2]

    @property
    def used(self) -> frozenset[str]:
        """The identifiers the file or its definitions use."""
        if self._used is None:
            self._used = frozenset(self.entry.refs).union(*(s.refs for s in self.entry.symbols))
        return self._used

    def users(self, name: str) -> list[int]:
        """Local indices of the definitions whose text uses ``name`` (found per name: a map of every
        identifier would cost more than the few names a query asks about)."""
        if self._users is None:
            self._users = {}
        found = self._users.get(name)
        if found is None:
            found = self._users[name] = [i for i, s in enumerate(self.entry.symbols) if name in s.refs]
        return found


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
        self._keyed: dict[str, frozenset[str]] = {}  # name or ``Class.name`` → files defining it
        self._definers: dict[str, list[str]] = {}  # name → sorted files defining it
        self._edges: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}  # path → (targets, raw weights)
        self._dst: dict[str, np.ndarray] = {}  # path → target positions, for ``self._paths``
        self._paths: tuple[str, ...] = ()
        self._touched: set[str] = set()  # names a restored snapshot's changed files defined
        self.dirty = False  # parts changed since the last save (or the last restore)

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
        fresh = [
            (path, entry)
            for path, entry in files.items()
            if getattr(old.get(path), "entry", None) is not entry
        ]
        made = self._parts_for(fresh, documents)
        changed = [path for path, _ in fresh]
        for path in files:
            parts[path] = made.get(path) or old[path]
        gone = [p for p in old if p not in parts]
        touched = self._touched  # names and qualnames defined before or after by a changed file
        self._touched = set()
        if old:
            for path in (*changed, *gone):
                for part, add in ((old.get(path), False), (parts.get(path), True)):
                    if part is not None:
                        touched.update(part.keys)
                        _move(self._keyed, part.keys, path, add)
            self._parts = parts
        else:  # built from nothing: every name is new
            self._parts = parts
            self._index_keys()
            touched.update(self._keyed)
        self.dirty = self.dirty or bool(changed or gone)
        moved = self._update_definers(touched, parts)
        stale = set(changed) | set(gone)
        if moved:
            stale |= {p for p in paths if not moved.isdisjoint(parts[p].used)}
        definers = dict(self._definers)
        graph = self._graph(paths, files, definers, stale)

        docs: list[tuple[str, Symbol]] = []
        offsets: dict[str, int] = {}
        for path in paths:
            offsets[path] = len(docs)
            docs.extend(parts[path].pairs)
        keyed = dict(self._keyed)  # this generation's (its sets are replaced, never changed)

        def by_qualname(key: str) -> list[tuple[str, Symbol]]:
            return [pair for p in sorted(keyed.get(key, ())) for pair in parts[p].by_key[key]]

        def defined(name: str) -> list[int]:
            return [offsets[p] + i for p in definers.get(name, ()) for i in parts[p].defined[name]]

        used: list[list[tuple[str, frozenset[str]]]] = []  # [(path, identifiers it uses)], on first need

        def users(name: str) -> list[int]:
            if not used:  # two threads may both make it: the same list; only the first is read
                used.append([(p, parts[p].used) for p in paths])
            return [offsets[p] + i for p, names in used[0] if name in names for i in parts[p].users(name)]

        def members(key: tuple[str, str]) -> list[int]:
            part = parts.get(key[0])
            return [offsets[key[0]] + i for i in part.members.get(key[1], ())] if part else []

        ordered = [parts[p] for p in paths]
        starts = np.fromiter((offsets[p] for p in paths), dtype=np.int64, count=len(paths))
        sym_terms = [p.sym_term for p in ordered]
        sym_doc = _concat([p.sym_doc for p in ordered]) + np.repeat(starts, _sizes(sym_terms))
        vocab_map = dict(self.vocab)  # this generation's (the models' query-time map)
        ids = set(range(len(vocab_map)))
        sym_bm25, live_sym = self._bm25(sym_doc, sym_terms, [p.sym_tf for p in ordered],
                                        _concat([p.sym_len for p in ordered]), vocab_map, ids)  # fmt: skip
        file_terms = [p.file_term for p in ordered]
        file_doc = np.repeat(np.arange(len(paths), dtype=np.int64), _sizes(file_terms))
        file_bm25, live_file = self._bm25(file_doc, file_terms, [p.file_tf for p in ordered],
                                          np.array([p.file_len for p in ordered], dtype=np.int64), vocab_map,
                                          ids)  # fmt: skip
        terms = set(vocab_map) if paths else set()
        if len(self.vocab) > 50_000 and max(live_sym, live_file) * 3 < len(self.vocab):
            self._reset()  # mostly stale terms: the next generation starts over
        return Structures(docs, Lookup(by_qualname), Lookup(defined), Lookup(users), Lookup(members), sym_bm25,
                          file_bm25, terms, definers, graph)  # fmt: skip

    def _index_keys(self) -> None:
        grouped: dict[str, set[str]] = {}
        for path, part in self._parts.items():
            for key in part.keys:
                grouped.setdefault(key, set()).add(path)
        self._keyed = {key: frozenset(found) for key, found in grouped.items()}

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

    def _parts_for(self, files: list[tuple[str, FileEntry]], documents: Documents) -> dict[str, FilePart]:
        """The parts of ``files``, counted with one ``np.unique`` per kind of document for all of them.

        One call per file would release and retake the GIL thousands of times in a second (numpy sorts
        without it); a thread waiting for the GIL restarts its wait at each hand-back, so the event loop of
        a language server waited 30–100 ms at a time while a large repository's structures were built."""
        if not files:
            return {}
        lengths: list[int] = []  # tokens per definition document, every file's in turn
        sym_ids, file_ids = _Int64s(), _Int64s()
        file_lens: list[int] = []
        starts = [0]  # first definition of each file in ``lengths``
        for path, entry in files:
            sym_docs, file_doc = documents(path, entry)
            if len(sym_docs) != len(entry.symbols):
                raise ValueError("one BM25 document per definition expected")
            lengths += map(len, sym_docs)
            sym_ids.extend(self._ids(t for d in sym_docs for t in d))
            file_lens.append(len(file_doc))
            file_ids.extend(self._ids(file_doc))
            starts.append(len(lengths))
        sym_len = np.array(lengths, dtype=np.int64)
        owner = np.repeat(np.arange(len(lengths), dtype=np.int64), sym_len)
        sym_pairs, sym_counts = _counted(owner, sym_ids.array())
        file_owner = np.repeat(np.arange(len(files), dtype=np.int64), np.array(file_lens, dtype=np.int64))
        file_pairs, file_counts = _counted(file_owner, file_ids.array())
        first = np.array(starts, dtype=np.int64)
        sym_cut = np.searchsorted(sym_pairs >> _PAIR, first).tolist()
        file_cut = np.searchsorted(file_pairs >> _PAIR, np.arange(len(files) + 1, dtype=np.int64)).tolist()
        made = {}
        for i, (path, entry) in enumerate(files):
            pairs = sym_pairs[sym_cut[i] : sym_cut[i + 1]]
            terms = file_pairs[file_cut[i] : file_cut[i + 1]]
            made[path] = make_part(path, entry, (pairs >> _PAIR) - starts[i], pairs & _LOW,
                                   sym_counts[sym_cut[i]:sym_cut[i + 1]], sym_len[starts[i]:starts[i + 1]],
                                   terms & _LOW, file_counts[file_cut[i]:file_cut[i + 1]], file_lens[i])  # fmt: skip
        return made

    # -- a generation -------------------------------------------------------------------------------------
    def _bm25(self, doc: np.ndarray, terms: list[np.ndarray], tfs: list[np.ndarray], lengths: np.ndarray,
              vocab: dict[str, int], ids: set[int]) -> tuple[Any, int]:  # fmt: skip
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
        width = len(vocab)
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
        model.vocab_dict = vocab
        model.unique_token_ids_set = ids
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


def make_part(
    path: str,
    entry: FileEntry,
    sym_doc: np.ndarray,
    sym_term: np.ndarray,
    sym_tf: np.ndarray,
    sym_len: np.ndarray,
    file_term: np.ndarray,
    file_tf: np.ndarray,
    file_len: int,
) -> FilePart:
    """A file's part from its BM25 arrays (computed, or read back from a snapshot) and its entry."""
    keys = frozenset(s.name for s in entry.symbols) | frozenset(s.qualname for s in entry.symbols)
    return FilePart(entry, sym_doc, sym_term, sym_tf, sym_len, file_term, file_tf, file_len,
                    [(path, symbol) for symbol in entry.symbols], keys)  # fmt: skip


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


class _Int64s:
    """Python ints gathered into an int64 array a chunk at a time: converting a list of a million ints is one
    C call that holds the GIL for tens of milliseconds; chunks of 32k keep each hold under a millisecond."""

    CHUNK = 1 << 15

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._pending: list[int] = []

    def extend(self, values: list[int]) -> None:
        self._pending += values
        if len(self._pending) >= self.CHUNK:
            self._chunks.append(np.array(self._pending, dtype=np.int64))
            self._pending = []

    def array(self) -> np.ndarray:
        return _concat([*self._chunks, np.array(self._pending, dtype=np.int64)])


def _counted(owner: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(owner << 32) | id`` pairs, sorted, and how often each occurs (float32)."""
    pairs, counts = np.unique((owner << _PAIR) | ids, return_counts=True)
    return pairs, counts.astype(np.float32)


def _concat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)


def _sizes(arrays: list[np.ndarray]) -> np.ndarray:
    return np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))

"""The search structures' per-file parts on disk, so that a new process (every CLI command) loads them.

``.tierwise/context/search.npz`` holds, for each file as it was indexed (path and content hash), its BM25
term ids and counts and its reference-graph edges, plus the vocabulary and the name → defining files map
of that generation; one ``numpy.savez`` file (no pickles: ``allow_pickle=False``), written atomically.
A new process restores the part of every file whose content hash is unchanged and recomputes the rest as
after an edit (``SearchCache`` does the same work either way). A snapshot written by another version of the
ranking code (the sources of the modules that make the documents and the graph are hashed into it), that
does not match its own counts, or that cannot be read, is ignored: the structures are built from the
index, never trusted blindly and never fatal.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

from tierwise.atomic import write_bytes_atomic
from tierwise.context.model import FileEntry
from tierwise.context.search_cache import Documents, SearchCache, make_part

VERSION = 2  # 2: the metadata as JSON lines of bounded size
FILE = "search.npz"
log = logging.getLogger(__name__)
_CODE = ("documents.py", "rank.py", "terms.py", "graph.py", "search_cache.py", "search_store.py", "model.py")


@lru_cache(maxsize=1)
def code_key() -> str:
    """A hash of the code that decides what the stored parts hold (and of the libraries' versions)."""
    import bm25s

    digest = hashlib.blake2b(f"{VERSION} {bm25s.__version__} {np.__version__}".encode(), digest_size=16)
    here = Path(__file__).resolve().parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def capture(cache: SearchCache) -> tuple:
    """The cache's current generation, as ``save`` writes it (cheap copies: the parts themselves are kept)."""
    with cache._lock:
        return dict(cache._parts), dict(cache._edges), dict(cache._definers), cache._paths, list(cache.vocab)


def save(folder: Path, state: tuple, digests: Mapping[str, str]) -> bool:
    """Write a ``capture``d generation (path → content hash from ``digests``, taken at the same time); False
    when there is nothing consistent to write."""
    parts, all_edges, definers, paths, vocab = state
    if not parts or any(p not in digests for p in parts) or tuple(parts) != paths:
        return False
    ordered = list(parts.values())
    edges = [all_edges[p] for p in parts]
    position = {p: i for i, p in enumerate(paths)}
    meta = {
        "version": VERSION,
        "code": code_key(),
        "vocab": vocab,
        "files": [
            [
                p,
                digests[p],
                len(part.sym_len),
                len(part.sym_term),
                len(part.file_term),
                part.file_len,
                len(edges[i][0]),
            ]
            for i, (p, part) in enumerate(parts.items())
        ],  # fmt: skip
        "definers": definers,
    }
    arrays = {
        "sym_doc": _cat([p.sym_doc for p in ordered], np.int32),
        "sym_term": _cat([p.sym_term for p in ordered], np.int32),
        "sym_tf": _cat([p.sym_tf for p in ordered], np.float32),
        "sym_len": _cat([p.sym_len for p in ordered], np.int32),
        "file_term": _cat([p.file_term for p in ordered], np.int32),
        "file_tf": _cat([p.file_tf for p in ordered], np.float32),
        "edge_dst": np.array([position[t] for targets, _ in edges for t in targets], dtype=np.int32),
        "edge_weight": _cat([w for _, w in edges], np.float64),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **{name: np.frombuffer(_json_lines(value), dtype=np.uint8) for name, value in meta.items()},
             **arrays)  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(folder / FILE, buffer.getvalue())
    return True


def load(folder: Path, cache: SearchCache, files: Mapping[str, FileEntry], digests: Mapping[str, str],
         documents: Documents) -> int:  # fmt: skip
    """Restore into an empty ``cache`` the stored part of every file of ``files`` whose content hash is the
    stored one; returns how many (0 when there is no usable snapshot)."""
    try:
        with np.load(folder / FILE, allow_pickle=False) as stored:
            if "version" not in stored.files or _read_json_lines(stored["version"].tobytes()) != VERSION:
                return 0
            if _read_json_lines(stored["code"].tobytes()) != code_key():
                return 0
            meta = {name: _read_json_lines(stored[name].tobytes()) for name in ("files", "vocab", "definers")}
            arrays = {name: stored[name] for name in stored.files if name not in (*meta, "version", "code")}
        return _restore(cache, meta, arrays, files, digests, documents)
    except FileNotFoundError:
        return 0
    except (
        OSError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        EOFError,
        zipfile.BadZipFile,
    ) as err:
        log.debug("search snapshot ignored: %s", err)
        return 0


def _restore(cache: SearchCache, meta: dict, arrays: dict[str, np.ndarray], files: Mapping[str, FileEntry],
             digests: Mapping[str, str], documents: Documents) -> int:  # fmt: skip
    rows, vocab, definers = meta["files"], meta["vocab"], meta["definers"]
    if not isinstance(rows, list) or not isinstance(vocab, list) or not isinstance(definers, dict):
        raise ValueError("files, vocabulary or definers of the wrong type")
    paths = tuple(r[0] for r in rows)
    counts = np.array([r[2:7] for r in rows], dtype=np.int64).reshape(len(rows), 5)
    n_sym, n_pairs, n_file, _, n_edges = counts.T
    sizes = {"sym_len": n_sym, "sym_doc": n_pairs, "sym_term": n_pairs, "sym_tf": n_pairs, "file_term": n_file,
             "file_tf": n_file, "edge_dst": n_edges, "edge_weight": n_edges}  # fmt: skip
    for name, size in sizes.items():
        if len(arrays[name]) != int(size.sum()):
            raise ValueError(f"{name}: {len(arrays[name])} values, {int(size.sum())} expected")
    if (
        len(arrays["sym_term"])
        and int(arrays["sym_term"].max()) >= len(vocab)
        or (len(arrays["file_term"]) and int(arrays["file_term"].max()) >= len(vocab))
    ):
        raise ValueError("term id outside the vocabulary")
    if len(arrays["edge_dst"]) and int(arrays["edge_dst"].max()) >= len(paths):
        raise ValueError("edge to an unknown file")
    if np.any(arrays["sym_doc"] >= np.repeat(n_sym, n_pairs)):
        raise ValueError("definition index outside its file")
    arrays["sym_len"] = arrays["sym_len"].astype(np.int64)  # as bm25s counts lengths (the mean must match)
    split = {name: _pieces(arrays[name], sizes[name]) for name in sizes}
    symbols = n_sym.tolist()
    parts = {}
    with cache._lock:
        cache._reset()
        cache._documents = documents
        cache.vocab = dict(zip(vocab, range(len(vocab)), strict=True))
        for i, row in enumerate(rows):
            path = paths[i]
            entry = files.get(path)
            if entry is None or digests.get(path) != row[1] or len(entry.symbols) != symbols[i]:
                continue
            parts[path] = make_part(path, entry, split["sym_doc"][i], split["sym_term"][i], split["sym_tf"][i],
                                    split["sym_len"][i], split["file_term"][i], split["file_tf"][i], int(row[5]))  # fmt: skip
            dst = split["edge_dst"][i]
            cache._edges[path] = (tuple(map(paths.__getitem__, dst.tolist())), split["edge_weight"][i])
            cache._dst[path] = dst
        cache._paths = paths
        cache._definers = definers
        missing = set(paths) - set(parts)  # changed or removed since: the names they defined may move
        cache._touched = {n for n, ps in definers.items() if not missing.isdisjoint(ps)} if missing else set()
        cache._parts = parts
        cache._index_keys()
    return len(parts)


JSON_LINE_ITEMS = 4096


def _json_lines(value: object) -> bytes:
    """``value`` as JSON, a big list or dict cut into lines of at most ``JSON_LINE_ITEMS`` items: one
    ``json.dumps`` (or ``loads``) of the whole vocabulary is a single C call that held the GIL for 40+ ms on a
    4,000-file repository, a wait for a language server's event loop; many small ones are not."""
    if isinstance(value, dict):
        items = list(value.items())
        chunks = [dict(items[i : i + JSON_LINE_ITEMS]) for i in range(0, len(items), JSON_LINE_ITEMS)]
        return b"d" + b"\n".join(json.dumps(c, separators=(",", ":")).encode() for c in chunks)
    if isinstance(value, list):
        chunks = [value[i : i + JSON_LINE_ITEMS] for i in range(0, len(value), JSON_LINE_ITEMS)]
        return b"l" + b"\n".join(json.dumps(c, separators=(",", ":")).encode() for c in chunks)
    return b"v" + json.dumps(value).encode()


def _read_json_lines(data: bytes) -> object:
    kind, lines = data[:1], data[1:].split(b"\n") if len(data) > 1 else []
    if kind == b"v":
        return json.loads(data[1:])
    if kind == b"d":
        found: dict = {}
        for line in lines:
            found.update(json.loads(line))
        return found
    if kind == b"l":
        return [item for line in lines for item in json.loads(line)]
    raise ValueError("unreadable metadata")


def _pieces(array: np.ndarray, sizes: np.ndarray) -> list[np.ndarray]:
    ends = np.cumsum(sizes).tolist()
    return [array[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def _cat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)

"""A file's BM25 documents for retrieval: one per definition and one for the file (``file_documents``).

Identifiers are split into words and every word lightly stemmed (``tierwise.context.terms``). Tests are
found by name and path: their documents leave out their bodies' words, which rarely need to change.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from tierwise.context.model import FileEntry, Symbol
from tierwise.context.render import CONTAINERS as CONTAINER_KINDS
from tierwise.context.terms import many, path_terms, split_identifier, stems, words

_TEST = re.compile(
    r"(^|/)(tests?|__tests__|spec|testing)/|(^|/)test_[^/]*$|_test\.[^/]+$|\.(test|spec)\.[^/]+$"
)


@lru_cache(maxsize=100_000)
def is_test_path(path: str) -> bool:
    return bool(_TEST.search(path))


def file_documents(path: str, entry: FileEntry) -> tuple[list[list[str]], list[str]]:
    """One file's BM25 documents, stemmed: one per definition, in order (its name split into words ×3, its
    class, its path, its docstring line and references unless it is a test), and the file's own."""
    p_terms = path_terms(path)
    brief = is_test_path(path)  # tests: found by name and path; their bodies rarely need to change
    own = _own_refs(entry.symbols)
    documents = []
    for symbol in entry.symbols:
        document = split_identifier(symbol.name) * 3 + many(symbol.qualname.split(".")[:-1]) + p_terms
        if not brief:
            document += words(symbol.doc) + many(own.get(symbol.qualname, symbol.refs))
        documents.append(stems(document) or ["_empty_"])
    file_document = (p_terms * 2 + many(s.name for s in entry.symbols) + many(entry.refs[:400])
                     + [t for c in entry.chunks for t in c.terms][:400])  # fmt: skip
    return documents, stems(file_document) or ["_empty_"]


def _own_refs(symbols: Sequence[Symbol]) -> dict[str, tuple[str, ...]]:
    """qualname → the identifiers a class (impl, trait, module...) uses outside its members, and not their
    names: its members are searched on their own, so a big class does not match every word its methods
    use. A function keeps the words of the functions nested in it: they are part of its body."""
    containers = {s.qualname for s in symbols if s.kind in CONTAINER_KINDS}
    inner: dict[str, set[str]] = defaultdict(set)
    for symbol in symbols:
        parent = symbol.qualname.rsplit(".", 1)[0] if "." in symbol.qualname else None
        if parent in containers:
            inner[parent].update((symbol.name, *symbol.refs))
    return {s.qualname: tuple(r for r in s.refs if r not in inner[s.qualname])
            for s in symbols if s.qualname in inner}  # fmt: skip

"""The index's records: a symbol, a text chunk, one file's entry, and why a file was skipped.

Plain frozen dataclasses with compact list forms for the on-disk index (``to_row``/``from_row``); a row that
does not have the expected shape raises ``ValueError`` and the store rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Symbol:
    """A definition: ``qualname`` is ``Class.method`` for nested ones; lines are 1-based and inclusive."""

    name: str
    qualname: str
    kind: str
    start: int
    end: int
    header_end: int  # last line of the signature (class/def line(s) up to the body)
    sig: str  # the signature text (at most a few lines)
    doc: str = ""  # first line of the docstring or leading comment
    refs: tuple[str, ...] = ()  # identifiers used inside the definition (unique, sorted)

    def to_row(self) -> list[Any]:
        return [self.name, self.qualname, self.kind, self.start, self.end, self.header_end, self.sig, self.doc,
                list(self.refs)]  # fmt: skip

    @classmethod
    def from_row(cls, row: Any) -> Symbol:
        name, qualname, kind, start, end, header_end, sig, doc, refs = row
        return cls(str(name), str(qualname), str(kind), int(start), int(end), int(header_end), str(sig), str(doc),
                   tuple(str(r) for r in refs))  # fmt: skip


@dataclass(frozen=True)
class Chunk:
    """A blank-line-separated block of a plain text file (or a stretch of code outside any definition)."""

    start: int
    end: int
    title: str  # its first non-empty line, shortened
    terms: tuple[str, ...] = ()

    def to_row(self) -> list[Any]:
        return [self.start, self.end, self.title, list(self.terms)]

    @classmethod
    def from_row(cls, row: Any) -> Chunk:
        start, end, title, terms = row
        return cls(int(start), int(end), str(title), tuple(str(t) for t in terms))


@dataclass(frozen=True)
class FileEntry:
    """What the index knows about one file content (keyed by its hash, so renames and copies are free)."""

    lang: str  # grammar name, or "text"
    lines: int
    symbols: tuple[Symbol, ...] = ()
    refs: tuple[str, ...] = ()
    chunks: tuple[Chunk, ...] = ()
    partial: bool = False  # tree-sitter reported syntax errors; what it recovered is kept

    def to_row(self) -> list[Any]:
        return [self.lang, self.lines, [s.to_row() for s in self.symbols], list(self.refs),
                [c.to_row() for c in self.chunks], self.partial]  # fmt: skip

    @classmethod
    def from_row(cls, row: Any) -> FileEntry:
        lang, lines, symbols, refs, chunks, partial = row
        return cls(str(lang), int(lines), tuple(Symbol.from_row(s) for s in symbols), tuple(str(r) for r in refs),
                   tuple(Chunk.from_row(c) for c in chunks), bool(partial))  # fmt: skip


@dataclass(frozen=True)
class Stamp:
    """A file's size and modification time when it was last read, and its content hash."""

    size: int
    mtime_ns: int
    digest: str


@dataclass
class RefreshStats:
    files: int = 0
    parsed: int = 0
    reused: int = 0
    removed: int = 0
    skipped: int = 0
    capped: bool = False
    rebuilt: str | None = None  # why the stored index was thrown away, if it was
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

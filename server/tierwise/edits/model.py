"""Data types of the edit engine: parsed blocks and per-block / per-file results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

BlockKind = Literal["search_replace", "whole_file", "udiff"]
Status = Literal["applied", "refused"]
Reason = Literal[
    "not_found",  # SEARCH matches nowhere
    "ambiguous",  # SEARCH matches several places and the context does not decide
    "file_missing",  # SEARCH given for a file that does not exist
    "outside_workspace",  # path escapes the workspace (or is protected, e.g. .git)
    "binary",  # the file is not text
    "too_large",  # the file is over the size limit
    "already_applied",  # SEARCH not found but REPLACE already present
    "file_refused",  # this block was fine, another block of the same file was refused
    "file_exists",  # a whole-file block (or empty SEARCH) for a file that already has content
    "no_path",  # no file name before the block
    "bad_elision",  # SEARCH elides lines ("...") but REPLACE does not elide the same way
    "unencodable",  # the new text cannot be written in the file's encoding
    "unreadable",  # the file exists but could not be read
]
STRATEGIES = ("exact", "whitespace", "indent", "blank_lines", "elision", "fuzzy", "create", "whole_file")


@dataclass(frozen=True)
class EditBlock:
    """One edit from a model reply. ``search``/``replace`` use ``\\n`` and end every line with it.

    ``index`` is the 0-based order of the block in the reply. For ``whole_file`` blocks ``search`` is
    ``""`` and ``replace`` is the whole content. ``splits``: when several lines between the SEARCH and
    REPLACE markers are exactly ``=======`` (an RST underline, a quoted git conflict), every
    ``(search, replace)`` the block could mean, in order (``search``/``replace`` are the first); the
    planner keeps only the one whose SEARCH the file holds (see plan).
    """

    path: str
    search: str
    replace: str
    kind: BlockKind
    index: int
    splits: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BlockOutcome:
    """What happened to one block. ``message`` (for refused blocks) is written for the model."""

    index: int
    path: str
    status: Status
    strategy: str | None = None
    reason: Reason | None = None
    message: str | None = None
    #: 1-based first and last line of the matched region in the text the block was applied to.
    lines: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["lines"] = list(self.lines) if self.lines else None
        return data


@dataclass
class FileResult:
    """All blocks of one file. ``new_text`` equals ``old_text`` when the file is not ``ok``."""

    path: str
    old_text: str | None
    new_text: str | None
    ok: bool
    blocks: list[BlockOutcome] = field(default_factory=list)
    #: Encoding facts used when writing (from disk when the file exists, defaults for new files).
    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"

    @property
    def changed(self) -> bool:
        return self.ok and self.new_text is not None and self.new_text != self.old_text


@dataclass
class EditResult:
    files: list[FileResult] = field(default_factory=list)

    @property
    def blocks(self) -> list[BlockOutcome]:
        """Every block outcome in reply order."""
        return sorted((b for f in self.files for b in f.blocks), key=lambda b: b.index)

    @property
    def all_applied(self) -> bool:
        return all(b.status == "applied" for b in self.blocks)

    @property
    def refused(self) -> list[BlockOutcome]:
        return [b for b in self.blocks if b.status == "refused"]

    def retry_message(self) -> str:
        """One text for the model covering every refused block; ``""`` when all were applied."""
        refused = self.refused
        if not refused:
            return ""
        untouched = sorted({b.path for b in refused if b.path})
        if any(not b.path for b in refused):
            untouched.append("(blocks without a file name)")
        applied = sorted(f.path for f in self.files if f.ok and f.blocks)
        head = [
            f"{len(refused)} of {len(self.blocks)} edit blocks were not applied.",
            "Files left unchanged (all-or-nothing per file): " + ", ".join(untouched) + ".",
        ]
        if applied:
            head.append("Files changed as requested: " + ", ".join(applied) + ".")
        head.append(
            "Resend SEARCH/REPLACE blocks only for the unchanged files, including the blocks that were "
            "held back because another block of the same file failed."
        )
        parts = ["\n".join(head)]
        parts.extend(b.message or f"Block {b.index + 1} ({b.path}): {b.reason}" for b in refused)
        return "\n\n".join(parts) + "\n"

"""SEARCH blocks that elide unchanged lines (``...`` or a comment saying the rest is unchanged)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tierwise.edits.locate import Match, Miss, locate

_COMMENT = r"(?:#|//|/\*|<!--|--)"
_DOTS = r"(?:\.\.\.|…)"
ELISION_RE = re.compile(
    rf"^\s*(?:{_COMMENT}\s*)?{_DOTS}\s*(?:\*/|-->)?\s*$"  # "..." or "# ..."
    rf"|^\s*{_COMMENT}\s*{_DOTS}?\s*\(?\s*(?:the\s+)?(?:rest\s+of|remaining|existing|unchanged|other|same)\b.*$"
    rf"|^\s*{_COMMENT}.*\b(?:unchanged|omitted|as\s+before)\s*{_DOTS}?\s*\)?\s*(?:\*/|-->)?\s*$",
    re.IGNORECASE,
)


def is_elision(line: str) -> bool:
    return bool(ELISION_RE.match(line))


def split_pieces(lines: Sequence[str]) -> list[list[str]]:
    """Split at elision lines; ``[lines]`` when there is none."""
    pieces: list[list[str]] = [[]]
    for line in lines:
        if is_elision(line):
            pieces.append([])
        else:
            pieces[-1].append(line)
    return pieces


@dataclass(frozen=True)
class Piece:
    match: Match
    search: list[str]
    replace: list[str]


def locate_pieces(
    lines: Sequence[str], search: Sequence[str], replace: Sequence[str]
) -> list[Piece] | Miss | str | None:
    """Locate every SEARCH piece, in order, each exactly once after the previous piece.

    Returns the pieces, a :class:`Miss`, ``"bad_elision"`` when REPLACE does not elide the same number
    of times (or a non-empty REPLACE piece pairs with a blank SEARCH piece), or ``None`` when SEARCH
    has no elision at all.
    """
    s_pieces = split_pieces(search)
    if len(s_pieces) == 1:
        return None
    r_pieces = split_pieces(replace)
    if len(r_pieces) != len(s_pieces):
        return "bad_elision"
    found: list[Piece] = []
    floor = 0
    for s_piece, r_piece in zip(s_pieces, r_pieces, strict=True):
        if not any(line.strip() for line in s_piece):
            if any(line.strip() for line in r_piece):
                return "bad_elision"
            continue
        located = locate(lines[floor:], s_piece, fuzzy=False)
        if isinstance(located, Miss):
            return Miss(located.reason, tuple(s + floor for s in located.starts), "elision")
        match = _shift(located, floor)
        found.append(Piece(match, s_piece, r_piece))
        floor = match.end
    return found or Miss("not_found")


def _shift(match: Match, offset: int) -> Match:
    return Match(
        match.start + offset,
        match.end + offset,
        tuple(a + offset if a is not None else None for a in match.align),
        "elision",
        match.indent,
    )

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


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def locate_pieces(
    lines: Sequence[str], search: Sequence[str], replace: Sequence[str]
) -> list[Piece] | Miss | str | None:
    """Locate every SEARCH piece, in order, each exactly once after the previous piece.

    Returns the pieces, a :class:`Miss`, ``"bad_elision"`` when REPLACE does not elide the same number
    of times (or a non-empty REPLACE piece pairs with an empty SEARCH piece), or ``None`` when SEARCH
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
        s_clean = _strip_blank_edges(s_piece)
        if not s_clean:
            if _strip_blank_edges(r_piece):
                return "bad_elision"
            continue
        located = locate(lines[floor:], s_clean, fuzzy=False)
        if isinstance(located, Miss):
            return Miss(located.reason, tuple(s + floor for s in located.starts), "elision")
        match = _shift(located, floor)
        found.append(Piece(match, s_clean, _replace_for(s_piece, s_clean, r_piece)))
        floor = match.end
    return found or Miss("not_found")


def _replace_for(s_piece: list[str], s_clean: list[str], r_piece: list[str]) -> list[str]:
    """Drop from REPLACE the blank edge lines that were dropped from SEARCH (when they correspond)."""
    lead = next((i for i, line in enumerate(s_piece) if line.strip()), 0)
    trail = len(s_piece) - lead - len(s_clean)
    r = list(r_piece)
    while lead and r and not r[0].strip():
        r.pop(0)
        lead -= 1
    while trail and r and not r[-1].strip():
        r.pop()
        trail -= 1
    return r


def _shift(match: Match, offset: int) -> Match:
    return Match(
        match.start + offset,
        match.end + offset,
        tuple(a + offset if a is not None else None for a in match.align),
        "elision",
        match.indent,
    )

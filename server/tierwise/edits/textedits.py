"""Minimal LSP text edits between two texts, in UTF-16, UTF-8 or UTF-32 position units.

Lines are diffed first (Myers); inside each changed hunk only the characters between the common prefix
and suffix are replaced, and a hunk of paired lines gets one edit per changed line. Unchanged lines are
never part of an edit; edits are sorted, non-overlapping and never touch each other.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal

from tierwise.edits.diff import opcodes
from tierwise.edits.text import split_keepends

Encoding = Literal["utf-16", "utf-8", "utf-32"]


@dataclass(frozen=True)
class TextEdit:
    """An LSP ``TextEdit``: 0-based line and character (in the negotiated encoding's code units)."""

    start_line: int
    start_character: int
    end_line: int
    end_character: int
    new_text: str

    def to_lsp(self) -> dict[str, object]:
        return {
            "range": {
                "start": {"line": self.start_line, "character": self.start_character},
                "end": {"line": self.end_line, "character": self.end_character},
            },
            "newText": self.new_text,
        }


def units(text: str, encoding: Encoding) -> int:
    """Length of ``text`` in code units of ``encoding``."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-16":
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


def _trim(old: str, new: str) -> tuple[int, int, int]:
    """Common prefix length and the two suffix starts, never splitting a ``\\r\\n`` of ``old``."""
    limit = min(len(old), len(new))
    pre = 0
    while pre < limit and old[pre] == new[pre]:
        pre += 1
    if 0 < pre < len(old) and old[pre - 1] == "\r" and old[pre] == "\n":
        pre -= 1
    suf = 0
    while suf < limit - pre and old[len(old) - 1 - suf] == new[len(new) - 1 - suf]:
        suf += 1
    end_old, end_new = len(old) - suf, len(new) - suf
    if 0 < end_old < len(old) and old[end_old - 1] == "\r" and old[end_old] == "\n":
        end_old += 1
        end_new += 1
    return pre, end_old, end_new


Span = tuple[int, int, str]  # old start offset, old end offset, new text


def _hunk_spans(a: Sequence[str], b: Sequence[str], a_starts: Sequence[int], op: tuple[str, int, int, int, int]) -> list[Span]:
    _, i1, i2, j1, j2 = op
    if i2 - i1 == j2 - j1:
        pairs = [(a_starts[i], a[i], b[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
    else:
        pairs = [(a_starts[i1], "".join(a[i1:i2]), "".join(b[j1:j2]))]
    spans: list[Span] = []
    for base, old, new in pairs:
        if old == new:
            continue
        pre, end_old, end_new = _trim(old, new)
        spans.append((base + pre, base + end_old, new[pre:end_new]))
    return spans


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end, text in spans:
        if merged and merged[-1][1] >= start:
            p_start, _p_end, p_text = merged[-1]
            merged[-1] = (p_start, end, p_text + text)
        else:
            merged.append((start, end, text))
    return merged


class _Positions:
    """Offsets ↔ LSP positions for one text."""

    def __init__(self, text: str, encoding: Encoding, lines: list[str] | None = None) -> None:
        self.text = text
        self.encoding = encoding
        self.lines = split_keepends(text) if lines is None else lines
        self.starts = [0, *accumulate(map(len, self.lines))][:-1] if self.lines else []

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset) - 1
        if line < 0:
            return 0, 0
        if offset == len(self.text) and self.text[-1] in "\r\n":
            return len(self.lines), 0  # after the final line break
        return line, units(self.text[self.starts[line] : offset], self.encoding)

    def offset(self, line: int, character: int) -> int:
        if line >= len(self.lines):
            return len(self.text)
        content = self.lines[line].rstrip("\r\n")
        start = self.starts[line]
        if self.encoding == "utf-32" or content.isascii():
            return start + min(character, len(content))
        count = 0
        for i, ch in enumerate(content):
            if count >= character:
                return start + i
            count += units(ch, self.encoding)
        return start + len(content)


def minimal_text_edits(old: str, new: str, encoding: Encoding = "utf-16") -> list[TextEdit]:
    """The smallest sorted, non-overlapping, non-adjacent edits turning ``old`` into ``new``."""
    if old == new:
        return []
    a, b = split_keepends(old), split_keepends(new)
    positions = _Positions(old, encoding, a)
    starts = [*positions.starts, len(old)]
    spans: list[Span] = []
    for op in opcodes(a, b):
        if op[0] != "equal":
            spans.extend(_hunk_spans(a, b, starts, op))
    edits = []
    for start, end, text in _merge(spans):
        (sl, sc), (el, ec) = positions.position(start), positions.position(end)
        edits.append(TextEdit(sl, sc, el, ec, text))
    return edits


def apply_text_edits(old: str, edits: Sequence[TextEdit], encoding: Encoding = "utf-16") -> str:
    """Apply LSP edits (all relative to ``old``) as an editor would; raises ``ValueError`` on overlap."""
    positions = _Positions(old, encoding)
    spans = sorted(
        (
            (positions.offset(e.start_line, e.start_character), positions.offset(e.end_line, e.end_character), k, e.new_text)
            for k, e in enumerate(edits)
        ),
    )
    out: list[str] = []
    pos = 0
    for start, end, _k, text in spans:
        if start < pos or end < start:
            raise ValueError("overlapping or inverted text edits")
        out.append(old[pos:start])
        out.append(text)
        pos = end
    out.append(old[pos:])
    return "".join(out)

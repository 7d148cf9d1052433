"""Line utilities shared by the edit engine: splitting that keeps line endings apart, newline detection."""

from __future__ import annotations

import re
from collections.abc import Iterable

_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Split ``text`` into line contents and their endings (``"\\r\\n"``, ``"\\r"``, ``"\\n"`` or ``""``).

    Only LSP line breaks count (``\\r\\n``, ``\\r``, ``\\n``); a final line without ending has ending ``""``;
    a text ending in a newline has no empty last line. ``"".join(c + e ...)`` gives ``text`` back.
    """
    if not text:
        return [], []
    if "\r" not in text:
        contents = text.split("\n")
        if contents[-1] == "":
            contents.pop()
            return contents, ["\n"] * len(contents)
        ends = ["\n"] * (len(contents) - 1)
        ends.append("")
        return contents, ends
    contents: list[str] = []
    ends: list[str] = []
    pos = 0
    for match in _NEWLINE.finditer(text):
        contents.append(text[pos : match.start()])
        ends.append(match.group())
        pos = match.end()
    if pos < len(text):
        contents.append(text[pos:])
        ends.append("")
    return contents, ends


def split_keepends(text: str) -> list[str]:
    """Lines with their endings attached (LSP line breaks only)."""
    if "\r" not in text:
        lines = text.split("\n")
        last = lines.pop()
        out = [line + "\n" for line in lines]
        if last:
            out.append(last)
        return out
    contents, ends = split_lines(text)
    return [c + e for c, e in zip(contents, ends, strict=True)]


def content_lines(text: str) -> list[str]:
    """Line contents without endings; ``""`` gives ``[]``."""
    return split_lines(text)[0]


def dominant_newline(text: str, default: str = "\n") -> str:
    """The most frequent line ending of ``text`` (``default`` when it has none)."""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    best = max((crlf, "\r\n"), (lf, "\n"), (cr, "\r"), key=lambda pair: pair[0])
    return best[1] if best[0] else default


def join_lines(contents: Iterable[str], ends: Iterable[str]) -> str:
    return "".join(c + e for c, e in zip(contents, ends, strict=True))


def leading_ws(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def line_breaks(text: str) -> int:
    """How many LSP line breaks ``text`` holds (``\\r\\n`` counts once)."""
    return len(_NEWLINE.findall(text))

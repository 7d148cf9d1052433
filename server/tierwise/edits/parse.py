"""Parsing model replies into :class:`EditBlock` objects.

Accepted: SEARCH/REPLACE blocks (inside or outside code fences, file name before the fence, inside the
fence or as the fence's info string), whole-file fenced blocks preceded by a file-name line, and unified
diffs. Tolerates prose, CRLF, stray blank lines and trailing spaces on marker lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tierwise.edits.model import BlockKind, EditBlock
from tierwise.edits.paths import clean_relpath

SEARCH_RE = re.compile(r"^\s*<{5,9}\s*SEARCH\b.*$")
DIVIDER_RE = re.compile(r"^\s*={7}\s*$")
REPLACE_RE = re.compile(r"^\s*>{5,9}\s*REPLACE\s*$")
FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")
_PATH_TOKEN = re.compile(r"^(?:[A-Za-z]:)?[\w.@+~-]*(?:/[\w.@+~-]+)*/?[\w.@+~-]+$")
_DECORATION = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+|\d+\.\s+)?(?:(?:file(?:name)?|path)\s*:\s*)?", re.IGNORECASE)
_BACKTICKED = re.compile(r"`([^`\s]+)`")
_BARE_NAMES = frozenset({"Makefile", "Dockerfile", "LICENSE", "Procfile", "Gemfile", "Rakefile", "Justfile"})
_LANGS = frozenset({"python", "py", "diff", "patch", "text", "txt", "js", "ts", "json", "yaml", "toml"})


@dataclass(frozen=True)
class _Raw:
    name: Name
    search: list[str]
    replace: list[str]
    kind: BlockKind


def _as_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


#: Name = (path, decorated spelling); the second is set when stripped underscores could belong to the name.
Name = tuple[str, "str | None"]
_UNDERSCORE_PAIRS = ("__", "_")


def _undecorate(text: str) -> Name:
    """Strip Markdown decoration around a whole name: ``*``, backticks and quotes (never part of a name we
    accept) anywhere at the ends, underscores only as matched pairs (``__x.py__``) — a name that merely
    begins with ``_`` (``_pytest/__init__.py``) keeps it. Returns the bare name and, when underscore
    pairs were stripped, the decorated spelling (a real name if only it exists)."""
    text = text.replace("\\_", "_").strip()
    decorated: str | None = None
    while True:
        bare = text.strip().rstrip(":").strip().strip("*`'\"").strip().rstrip(":").strip()
        for mark in _UNDERSCORE_PAIRS:
            if len(bare) > 2 * len(mark) and bare.startswith(mark) and bare.endswith(mark):
                decorated = decorated or bare
                bare = bare[len(mark) : -len(mark)]
                break
        if bare == text:
            return bare, decorated
        text = bare


def _checked(text: str) -> str | None:
    if not text or not _PATH_TOKEN.match(text) or text.endswith("."):
        return None
    if "/" in text or "." in text.lstrip(".") or text in _BARE_NAMES:
        if set(text) <= set("./~-"):
            return None
        return clean_relpath(text)
    return None


def name_from_line(line: str) -> Name | None:
    """The file name a line names on its own, with its decorated spelling when that could be the name."""
    text = _DECORATION.sub("", line.strip(), count=1).strip()
    bare, decorated = _undecorate(text)
    path = _checked(bare)
    if path is None:
        return None
    return path, _checked(decorated) if decorated else None


def path_from_line(line: str) -> str | None:
    """The file path a line names on its own (``foo/bar.py``, ``**`foo.py`**:``, ``# File: x.py``)."""
    name = name_from_line(line)
    return name[0] if name else None


def _path_in_prose(line: str) -> Name | None:
    """A single backticked path in a prose line such as ``Now in `src/app.py`:``."""
    found = {n for n in (name_from_line(m) for m in _BACKTICKED.findall(line)) if n and "." in n[0]}
    return found.pop() if len(found) == 1 else None


def _path_from_fence_info(info: str) -> Name | None:
    for token in reversed(info.split()):
        if token.lower() in _LANGS:
            continue
        name = name_from_line(token)
        if name and ("/" in name[0] or "." in name[0]):
            return name
    return None


def _path_before(lines: list[str], index: int, floor: int) -> Name | None:
    """Look back from ``index`` (exclusive) to ``floor`` for the file name of a block."""
    for k in range(index - 1, floor - 1, -1):
        line = lines[k]
        if not line.strip():
            continue
        fence = FENCE_RE.match(line)
        if fence:
            info_path = _path_from_fence_info(fence.group(2))
            if info_path:
                return info_path
            continue
        return name_from_line(line) or _path_in_prose(line)
    return None


def _closing_fence(lines: list[str], start: int, marker: str) -> int:
    for k in range(start + 1, len(lines)):
        match = FENCE_RE.match(lines[k])
        if match and match.group(1)[0] == marker[0] and len(match.group(1)) >= len(marker) and not match.group(2):
            return k
    return len(lines)


def _is_udiff_start(lines: list[str], k: int) -> bool:
    return lines[k].startswith("--- ") and k + 1 < len(lines) and lines[k + 1].startswith("+++ ")


def _diff_path(header: str) -> str | None:
    raw = header[4:].split("\t", 1)[0].strip()
    if raw == "/dev/null":
        return None
    if raw[:2] in ("a/", "b/"):
        raw = raw[2:]
    return clean_relpath(raw)


def _parse_udiff(lines: list[str], k: int) -> tuple[list[_Raw], int]:
    """Parse consecutive file diffs starting at ``lines[k]``; returns blocks and the next line index."""
    raws: list[_Raw] = []
    while k < len(lines) and _is_udiff_start(lines, k):
        old_path, new_path = _diff_path(lines[k]), _diff_path(lines[k + 1])
        k += 2
        while k < len(lines) and lines[k].startswith("@@"):
            k += 1
            hunk: list[str] = []
            while k < len(lines) and not lines[k].startswith("@@") and not _is_udiff_start(lines, k):
                line = lines[k]
                if line and line[0] not in " +-\\":
                    break
                hunk.append(line)
                k += 1
            while hunk and hunk[-1] == "":
                hunk.pop()
            search = [ln[1:] for ln in hunk if ln == "" or ln[0] in " -"]
            replace = [ln[1:] for ln in hunk if ln == "" or ln[0] in " +"]
            if new_path is None:
                continue  # deleting a file is not supported
            raws.append(_Raw((new_path, None), [] if old_path is None else search, replace, "udiff"))
        while k < len(lines) and lines[k].startswith(("diff --git", "index ", "new file", "deleted file")):
            k += 1
    return raws, k


def _parse_lines(lines: list[str]) -> list[_Raw]:
    raws: list[_Raw] = []
    floor = 0  # do not look for file names before the end of the previous block
    last_path: Name | None = None
    open_closers: set[int] = set()  # closing fences of fences that hold SEARCH/REPLACE blocks or diffs
    k = 0
    while k < len(lines):
        line = lines[k]
        if k in open_closers:
            k += 1
            continue
        if SEARCH_RE.match(line):
            path = _path_before(lines, k, floor) or last_path
            divider = next((j for j in range(k + 1, len(lines)) if DIVIDER_RE.match(lines[j])), None)
            if divider is None:
                break
            end = next((j for j in range(divider + 1, len(lines)) if REPLACE_RE.match(lines[j])), None)
            if end is None:
                break
            raws.append(_Raw(path or ("", None), lines[k + 1 : divider], lines[divider + 1 : end], "search_replace"))
            last_path = path or last_path
            k = floor = end + 1
            continue
        if _is_udiff_start(lines, k):
            found, k = _parse_udiff(lines, k)
            raws.extend(found)
            floor = k
            continue
        fence = FENCE_RE.match(line)
        if fence:
            close = _closing_fence(lines, k, fence.group(1))
            body = lines[k + 1 : close]
            if any(SEARCH_RE.match(b) for b in body) or any(_is_udiff_start(body, j) for j in range(len(body))):
                open_closers.add(close)
                k += 1  # let the loop see the markers inside the fence
                continue
            path = _path_from_fence_info(fence.group(2)) or _strict_path_before(lines, k, floor)
            if path and close < len(lines):
                raws.append(_Raw(path, [], body, "whole_file"))
                floor = close + 1
            k = close + 1
            continue
        k += 1
    return raws


def _strict_path_before(lines: list[str], index: int, floor: int) -> Name | None:
    """For whole-file blocks: the line just before the fence (blank lines allowed) must be a bare path."""
    for k in range(index - 1, max(floor, index - 3) - 1, -1):
        if lines[k].strip():
            return name_from_line(lines[k])
    return None


def _settle(name: Name, exists: Callable[[str], bool] | None) -> str:
    """The bare name, unless only the decorated spelling (underscore pairs kept) names an existing file."""
    path, decorated = name
    if decorated and exists is not None and not exists(path) and exists(decorated):
        return decorated
    return path


def parse_reply(text: str, *, exists: Callable[[str], bool] | None = None) -> list[EditBlock]:
    """Parse every edit block of a model reply, in reply order (``index`` 0, 1, ...).

    ``exists(relpath)`` (optional) tells whether a workspace file exists; it decides the rare name
    written inside underscore pairs (``__x.py__``): the bare name unless only the decorated one exists.
    """
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    raws = _parse_lines(normalized.split("\n"))
    return [
        EditBlock(
            path=_settle(r.name, exists), search=_as_text(r.search), replace=_as_text(r.replace), kind=r.kind, index=i
        )
        for i, r in enumerate(raws)
    ]

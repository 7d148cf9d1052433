"""C-speed line searches over a file's ``\\n``-joined text (no per-line Python loops on large files)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

MAX_CANDIDATES = 20
MAX_KEY_HITS = 200  # past this many lines like the key line, fall back to two full scans

LineOf = Callable[[int], int]


def _count_lines(joined: str) -> LineOf:
    return lambda offset: joined.count("\n", 0, offset)


def find_exact_at(
    joined: str, search: Sequence[str], line_of: LineOf | None = None, limit: int = MAX_CANDIDATES
) -> list[tuple[int, int]]:
    """``(line, offset)`` of each place where ``search`` occurs exactly as whole lines of ``joined``."""
    if not search:
        return []
    line_of = line_of or _count_lines(joined)
    needle = "\n".join(search)
    found: list[tuple[int, int]] = []
    if not needle:  # a single empty line
        for match in re.finditer(r"(?m)^$", joined):
            found.append((line_of(match.start()), match.start()))
            if len(found) >= limit:
                break
        return found
    pos = joined.find(needle)
    while pos != -1 and len(found) < limit:
        end = pos + len(needle)
        if (pos == 0 or joined[pos - 1] == "\n") and (end == len(joined) or joined[end] == "\n"):
            found.append((line_of(pos), pos))
        pos = joined.find(needle, pos + 1)
    return found


def find_exact(lines: Sequence[str], search: Sequence[str], joined: str | None = None) -> list[int]:
    """Start lines where ``search`` occurs exactly."""
    if not lines:
        return []
    return [line for line, _ in find_exact_at(joined if joined is not None else "\n".join(lines), search)]


def _loose_pattern(search: Sequence[str]) -> re.Pattern[str]:
    parts = [r"[ \t]*" + (re.escape(line.strip()) + r"[ \t]*" if line.strip() else "") for line in search]
    return re.compile(r"(?m)^" + r"\n".join(parts) + r"(?=\n|\Z)")


def loose_starts(joined: str, search: Sequence[str], limit: int = MAX_CANDIDATES) -> list[int]:
    """Start lines where ``search`` occurs ignoring each line's leading and trailing blanks."""
    starts: list[int] = []
    for found in _loose_pattern(search).finditer(joined):
        starts.append(joined.count("\n", 0, found.start()))
        if len(starts) >= limit:
            break
    return starts


def exact_and_loose(
    joined: str, search: Sequence[str], line_of: LineOf | None = None
) -> tuple[list[tuple[int, int]], list[int]]:
    """Exact matches ``(line, offset)`` and indentation-insensitive match lines, in one scan.

    Scans for the longest SEARCH line (stripped); each whole line equal to it, modulo blanks, proposes
    a start that is checked exactly and loosely in place. Falls back to two full scans when the key
    line is very common or SEARCH is blank.
    """
    line_of = line_of or _count_lines(joined)
    keys = [line.strip() for line in search]
    key = max(keys, key=len) if keys else ""
    if not key:
        return find_exact_at(joined, search, line_of), loose_starts(joined, search)
    key_index = keys.index(key)
    needle = "\n".join(search)
    pattern = _loose_pattern(search)
    exact: list[tuple[int, int]] = []
    loose: list[int] = []
    seen: set[int] = set()
    hits = 0
    pos = joined.find(key)
    while pos != -1:
        hits += 1
        if hits > MAX_KEY_HITS:
            return find_exact_at(joined, search, line_of), loose_starts(joined, search)
        line_start = joined.rfind("\n", 0, pos) + 1
        line_end = joined.find("\n", pos)
        line_end = len(joined) if line_end == -1 else line_end
        if joined[line_start:line_end].strip() == key and line_start not in seen:
            seen.add(line_start)
            start = line_start
            for _ in range(key_index):
                if start == 0:
                    start = -1
                    break
                start = joined.rfind("\n", 0, start - 1) + 1
            if start >= 0 and pattern.match(joined, start):
                line = line_of(start)
                loose.append(line)
                end = start + len(needle)
                if joined.startswith(needle, start) and (end == len(joined) or joined[end] == "\n"):
                    exact.append((line, start))
        pos = joined.find(key, line_end)
    return exact[:MAX_CANDIDATES], loose[:MAX_CANDIDATES]

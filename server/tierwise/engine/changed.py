"""Compact views of files for review and fix: the definitions a task changed (or a failing log points at),
whole and numbered, instead of the whole file.

A reviewer or fixer needs the changed code in full with its enclosing definition, with real line numbers
(findings cite them, SEARCH blocks copy the text); the rest of a large file is unchanged, and what of it
matters the task prefix already shows (the context engine's pack: outlines and full definitions).

The definitions come from the file's outline as the context port renders it (``N | signature`` rows):
a definition runs from its signature to the line before the next signature at the same or a lower
indentation. Pure functions over text (docs/prompts.md, "Layout").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

MAX_REGION_LINES = 200
"""An enclosing definition longer than this is not shown whole: the changed lines and a few around."""
AROUND = 3
"""Lines shown either side of a changed line that no definition (of a fitting size) encloses."""

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_NEW_FILE = re.compile(r"^\+\+\+ (?:b/)?(\S+)")
_OUTLINE_ROW = re.compile(r"^ *(\d+) \| (.*)$")
_LOG_LINE = re.compile(
    r"(?P<path>[\w./-]+\.\w+)(?::(?P<a>\d+)|\", line (?P<b>\d+)|\((?P<c>\d+)[,:)])"
)
_LOG_DIFF_FILE = re.compile(r"^--- (?:a/)?(\S+)")
_LOG_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_LANG = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".ts": "typescript", ".tsx": "tsx",
         ".go": "go", ".rs": "rust", ".java": "java"}  # fmt: skip


_DEF_NAME = re.compile(
    r"\b(?:def|class|function|fn|func|interface|struct|enum|trait|type|impl)\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)"
    r"|^(?:(?:public|private|protected|static|async|export|readonly|get|set)\s+)*([A-Za-z_$][\w$]*)\s*[(<=:]"
)


@dataclass(frozen=True)
class Definition:
    start: int
    end: int
    indent: int
    label: str

    @property
    def name(self) -> str:
        """The defined name, read from the signature (empty when it cannot be read)."""
        m = _DEF_NAME.search(self.label)
        return (m.group(1) or m.group(2)) if m else ""


def _diff_rows(diff: str) -> Iterator[tuple[str | None, str, int, str, bool]]:
    """``(path, kind, line, text, gap)`` per row of a unified diff that matters: ``kind`` is ``"file"`` when a
    file starts (``path`` None for ``/dev/null``), else the row's ``+``, `` `` or ``-``; ``line`` is the line of
    the new version the row is at or stands before; ``gap`` marks a hunk that leaves no line on the new side
    (its removal happened after line ``line - 1``)."""
    path: str | None = None
    line, gap = 0, False
    previous = ""
    for row in diff.splitlines():
        new_file = _NEW_FILE.match(row) if previous.startswith("--- ") else None
        previous = row
        if new_file:
            path = None if new_file.group(1) == "/dev/null" else new_file.group(1)
            yield path, "file", 0, "", False
            continue
        hunk = _HUNK.match(row)
        if hunk:
            gap = hunk.group(2) == "0"
            line = int(hunk.group(1)) + gap
            continue
        if path is None or not row or row.startswith(("---", "\\")):
            continue
        if row[0] in "+ -":
            yield path, row[0], line, row[1:], gap
        if row[0] in "+ ":
            line += 1


def changed_lines(diff: str) -> dict[str, list[int]]:
    """Per file of a unified diff, the lines of the new version that were added or changed; a hunk that only
    removes lines marks the line where they were."""
    result: dict[str, set[int]] = {}
    for path, kind, line, _, gap in _diff_rows(diff):
        if path is not None and kind == "+":
            result.setdefault(path, set()).add(line)
        elif path is not None and kind == "-":
            result.setdefault(path, set()).add(max(1, line - 1 if gap else line))
    return {p: sorted(ls) for p, ls in result.items()}


def log_lines(log: str, paths: Iterable[str]) -> dict[str, list[int]]:
    """Lines of ``paths`` a failing command's output points at: ``path:12``, ``File "path", line 12``,
    ``(path:12:3)``, and the old-side hunks of a diff it prints (formatters, snapshot checks)."""
    wanted = set(paths)
    found: dict[str, set[int]] = {}

    def match(name: str) -> str | None:
        return next((p for p in wanted if name == p or name.endswith("/" + p) or p.endswith("/" + name)), None)

    for m in _LOG_LINE.finditer(log):
        path = match(m.group("path"))
        if path:
            found.setdefault(path, set()).add(int(m.group("a") or m.group("b") or m.group("c")))
    current: str | None = None
    for row in log.splitlines():
        head = _LOG_DIFF_FILE.match(row)
        if head:
            current = match(head.group(1))
            continue
        hunk = _LOG_HUNK.match(row)
        if hunk and current:
            start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
            found.setdefault(current, set()).update(range(start, start + max(count, 1)))
    return {p: sorted(ls) for p, ls in found.items()}


def definitions(view: str, total: int) -> list[Definition]:
    """The definitions of a file from its view's outline (rows ``N | signature``; a row right after one
    that leaves a parameter list open continues its signature), each running to the line before the next one at its indentation or less."""
    body = view.split("Outline:\n", 1)
    if len(body) < 2:
        return []
    fence = body[1].split("\n", 1)
    rows = fence[1].split("\n" + fence[0] + "\n", 1)[0].split("\n") if len(fence) == 2 else []
    groups: list[tuple[int, int, str]] = []  # (start, indent, first line)
    last, previous = -1, ""
    for row in rows:
        m = _OUTLINE_ROW.match(row)
        if not m:
            continue
        number, text = int(m.group(1)), m.group(2)
        if not (number == last + 1 and _continues(previous, text)):
            groups.append((number, len(text) - len(text.lstrip()), text.strip()))
        last, previous = number, text
    found: list[Definition] = []
    for i, (start, indent, label) in enumerate(groups):
        end = next((s - 1 for s, ind, _ in groups[i + 1 :] if ind <= indent), total)
        found.append(Definition(start, max(start, end), indent, label))
    return found


def _continues(previous: str, row: str) -> bool:
    """Whether ``row`` continues the multi-line signature ``previous`` started (an open parameter list)."""
    return previous.rstrip().endswith(("(", ",", "[", "|", "->", "=>")) or row.lstrip().startswith((")", "]", "|"))


def _trim(lines: Sequence[str], start: int, end: int) -> tuple[int, int]:
    """Decorators above a definition in; blank lines at its end out."""
    while start > 1 and lines[start - 2].lstrip().startswith("@"):
        start -= 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def regions(lines: Sequence[str], defs: Sequence[Definition], marked: Iterable[int]) -> list[tuple[int, int, str]]:
    """(start, end, label) to show for the ``marked`` lines: each line's innermost enclosing definition of at
    most ``MAX_REGION_LINES`` lines, else the line and ``AROUND`` lines either side; merged when they touch."""
    total = len(lines)
    spans: list[tuple[int, int, str]] = []
    for line in sorted(set(marked)):
        line = min(max(1, line), max(total, 1))
        inside = [d for d in defs if d.start <= line <= d.end and d.end - d.start < MAX_REGION_LINES]
        if inside:
            best = max(inside, key=lambda d: d.start)
            start, end = _trim(lines, best.start, best.end)
            if start <= line <= end:
                spans.append((start, end, best.label))
                continue
        spans.append((max(1, line - AROUND), min(total, line + AROUND), "changed lines"))
    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            a, b, first = merged[-1]
            merged[-1] = (a, max(b, end), first if b >= end else f"{first}; {label}")
            continue
        merged.append((start, end, label))
    return merged


def render(path: str, lines: Sequence[str], spans: Sequence[tuple[int, int, str]], why: str) -> str:
    """The regions with their real line numbers, under one heading for the file."""
    width = len(str(len(lines)))
    lang = next((v for k, v in _LANG.items() if path.endswith(k)), "")
    parts = [f"### {path} ({len(lines)} lines; {why}. Line numbers are not part of the file.)"]
    for start, end, label in spans:
        body = "\n".join(f"{n:>{width}} | {lines[n - 1]}" for n in range(start, end + 1))
        mark = "````" if "```" in body else "```"
        parts.append(f"Lines {start}-{end} ({label[:100]}):\n{mark}{lang}\n{body}\n{mark}")
    return "\n".join(parts)


def plain_lines(views: str) -> str:
    """``views`` with the ``N | `` line-number prefixes taken off (to tell what code they show)."""
    return re.sub(r"(?m)^ *\d+ \| ?", "", views)


def diff_marks(diff: str) -> dict[str, tuple[set[int], dict[int, list[str]]]]:
    """Per file of a unified diff: the lines of the new version that were added, and the removed lines, each
    group keyed by the new line it stood before."""
    result: dict[str, tuple[set[int], dict[int, list[str]]]] = {}
    for path, kind, line, text, _ in _diff_rows(diff):
        if path is None:
            continue
        added, removed = result.setdefault(path, (set(), {}))
        if kind == "+":
            added.add(line)
        elif kind == "-":
            removed.setdefault(line, []).append(text)
    return result


def render_changes(
    path: str,
    lines: Sequence[str],
    spans: Sequence[tuple[int, int, str]],
    added: set[int],
    removed: dict[int, list[str]],
) -> str:
    """The regions of a changed file as a diff in place: every line with its number in the file now, ``+``
    on the lines the task added or changed, and the lines it removed (``-``, no number) where they stood."""
    width = len(str(max(len(lines), 1)))
    lang = next((v for k, v in _LANG.items() if path.endswith(k)), "")
    parts = [f"### {path} ({len(lines)} lines now)"]
    for start, end, label in spans:
        rows: list[str] = []
        for n in range(start, end + 2):
            rows += [f"{'':>{width}} - {old}" for old in removed.get(n, [])]
            if n <= end:
                rows.append(f"{n:>{width}} {'+' if n in added else '|'} {lines[n - 1]}")
        body = "\n".join(rows)
        mark = "````" if "```" in body else "```"
        parts.append(f"Lines {start}-{end} ({label[:100]}):\n{mark}{lang}\n{body}\n{mark}")
    return "\n".join(parts)


def file_diffs(diff: str) -> list[tuple[str, bool, str]]:
    """(path, deleted, its part of the diff) for each file of a unified diff, git's or difflib's."""
    lines = diff.splitlines(keepends=True)
    starts = [i for i, row in enumerate(lines)
              if row.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")]  # fmt: skip
    header = ("diff --git ", "index ", "deleted file", "new file", "similarity ", "rename ", "old mode", "new mode")
    firsts = []
    for i in starts:
        first = i
        while first > 0 and lines[first - 1].startswith(header):
            first -= 1
        firsts.append(first)
    found: list[tuple[str, bool, str]] = []
    for n, i in enumerate(starts):
        end = firsts[n + 1] if n + 1 < len(starts) else len(lines)
        old = lines[i][4:].split("\t")[0].strip()
        new = lines[i + 1][4:].split("\t")[0].strip()
        deleted = new == "/dev/null"
        path = (old if deleted else new).removeprefix("a/").removeprefix("b/")
        found.append((path, deleted, "".join(lines[firsts[n] : end])))
    return found

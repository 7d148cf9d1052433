"""What a context shows of a task's changed code: full bodies, `def` lines, file skeletons.

A context is any text a model receives. It may number its lines (``  12 | code``, ``12: code``) or draw
them like Aider's map (``│code``, ``⋮`` for elisions): each line is normalised by dropping such a prefix
and surrounding whitespace, and blank lines and elision marks are left out on both sides. Then:

* a **full body** is present when all of the definition's lines (first line to last, decorators left out)
  appear in the context consecutively, in order;
* a **`def` line** is present when the definition's first line appears as a whole line of the context and
  the file's path is named somewhere in it;
* a file's **skeleton** coverage is the share of its definitions' first lines present (same rule).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_PREFIX = re.compile(r"^\s*(?:\d+\s*(?:\||:|│)(?: |$)|│ ?)")
_ELISION = frozenset({"⋮", "...", "…", "⋮..."})


def forms(line: str) -> tuple[str, ...]:
    """The ways a context line may stand for a source line: as it is, and without a line-number or bar
    prefix (both stripped of surrounding whitespace)."""
    plain = line.strip()
    bare = _PREFIX.sub("", line, count=1).strip()
    return (plain,) if bare == plain else (plain, bare)


def source_lines(text: str) -> list[str]:
    """A source text's lines as compared: stripped, blank lines and elision marks left out."""
    return [s for s in (line.strip() for line in text.splitlines()) if s and s not in _ELISION]


@dataclass
class ContextView:
    """A context prepared for many membership questions."""

    text: str

    def __post_init__(self) -> None:
        self.lines: list[tuple[str, ...]] = []
        for line in self.text.splitlines():
            alts = forms(line)
            if all(alt and alt not in _ELISION for alt in alts):  # a numbered blank line is blank
                self.lines.append(alts)
        self.positions: dict[str, list[int]] = {}
        for index, alts in enumerate(self.lines):
            for alt in alts:
                self.positions.setdefault(alt, []).append(index)

    def has_block(self, block: str) -> bool:
        """All non-blank lines of ``block`` appear consecutively (blank context lines skipped)."""
        wanted = source_lines(block)
        if not wanted:
            return False
        for start in self.positions.get(wanted[0], ()):
            if start + len(wanted) <= len(self.lines) and all(
                want in self.lines[start + offset] for offset, want in enumerate(wanted)
            ):
                return True
        return False

    def has_line(self, line: str) -> bool:
        wanted = line.strip()
        return bool(wanted) and wanted in self.positions

    def names_file(self, path: str) -> bool:
        """The workspace-relative path appears whole (``bash_completions.go`` does not name ``completions.go``)."""
        return re.search(r"(?<![\w./-])" + re.escape(path) + r"(?![\w/-])", self.text) is not None


def skeleton_coverage(view: ContextView, path: str, headers: Iterable[str]) -> float | None:
    """Share of ``headers`` (a file's definition first lines) shown, 0 when the file is not named; None for
    a file without definitions (nothing to outline)."""
    wanted = [h for h in headers if h.strip()]
    if not wanted:
        return None
    if not view.names_file(path):
        return 0.0
    return sum(view.has_line(h) for h in wanted) / len(wanted)


def median(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

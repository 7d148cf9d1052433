"""Locating a SEARCH text in a file, as a cascade of ever looser but still unambiguous strategies.

exact → whitespace (trailing whitespace ignored) → indent (uniform indentation offset) → blank_lines
(blank lines ignored) → fuzzy (unique and clearly better than the runner-up). Elision is handled in
:mod:`tierwise.edits.elision`. Every strategy refuses rather than guess when it finds several matches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Literal

from tierwise.edits.scan import (
    MAX_CANDIDATES,
    LineOf,
    exact_and_loose,
    find_exact,
    find_exact_at,
    loose_starts,
)

__all__ = ["Indent", "Located", "Match", "Miss", "find_exact", "find_exact_at", "locate", "locate_fuzzy", "loose_starts"]
FUZZY_MIN_RATIO = 0.85
FUZZY_MIN_RATIO_SHORT = 0.92  # fewer than 4 non-blank SEARCH lines
FUZZY_MARGIN = 0.1
FUZZY_MAX_WINDOWS = 24


@dataclass(frozen=True)
class Indent:
    """A uniform indentation offset between SEARCH and the file: ``add`` or ``remove`` a prefix."""

    add: str = ""
    remove: str = ""

    def apply(self, line: str) -> str:
        if not line.strip():
            return line
        if self.add:
            return self.add + line
        if self.remove:
            if line.startswith(self.remove):
                return line[len(self.remove) :]
            lead = len(line) - len(line.lstrip(" \t"))
            return line[min(lead, len(self.remove)) :]
        return line


@dataclass(frozen=True)
class Match:
    """Where SEARCH sits: file lines ``[start, end)`` and, per SEARCH line, its file line (or None)."""

    start: int
    end: int
    align: tuple[int | None, ...]
    strategy: str
    indent: Indent = Indent()
    #: Offset of the region in the ``\\n``-joined text, when the strategy knows it.
    char_start: int | None = None
    #: For an exact match: start lines of the same lines at another uniform indentation elsewhere.
    copies: tuple[int, ...] = ()

    @property
    def shifted(self) -> bool:
        """Whether SEARCH only matched with its indentation changed."""
        return self.indent != Indent()


@dataclass(frozen=True)
class Miss:
    reason: Literal["not_found", "ambiguous"]
    starts: tuple[int, ...] = ()
    strategy: str | None = None


Located = Match | Miss


def find_runs(keys: Sequence[str], skeys: Sequence[str]) -> list[int]:
    """Start indices where ``skeys`` occurs as a contiguous run of ``keys``."""
    n = len(skeys)
    if n == 0:
        return []
    anchor = next((i for i, k in enumerate(skeys) if k), 0)
    first = skeys[anchor]
    keys = list(keys)
    starts: list[int] = []
    pos = -1
    while len(starts) < MAX_CANDIDATES:
        try:
            pos = keys.index(first, pos + 1)
        except ValueError:
            break
        start = pos - anchor
        if start >= 0 and keys[start : start + n] == list(skeys):
            starts.append(start)
    return starts


def uniform_indent(file_lines: Sequence[str], search_lines: Sequence[str]) -> Indent | None:
    """The single indentation offset turning every non-blank SEARCH line into its file line, if any."""
    found: Indent | None = None
    for f_raw, s_raw in zip(file_lines, search_lines, strict=True):
        f, s = f_raw.rstrip(), s_raw.rstrip()
        if not f and not s:
            continue
        if f == s:
            cand = Indent()
        elif s and f.endswith(s) and not f[: len(f) - len(s)].strip():
            cand = Indent(add=f[: len(f) - len(s)])
        elif f and s.endswith(f) and not s[: len(s) - len(f)].strip():
            cand = Indent(remove=s[: len(s) - len(f)])
        else:
            return None
        if found is None:
            found = cand
        elif cand != found:
            return None
    return found or Indent()


def _decide(matches: list[Match], strategy: str) -> Located | None:
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        return Miss("ambiguous", tuple(m.start for m in matches), strategy)
    return None


def _contiguous(starts: list[int], n: int, strategy: str, indents: list[Indent] | None = None) -> list[Match]:
    return [
        Match(s, s + n, tuple(range(s, s + n)), strategy, indents[i] if indents else Indent())
        for i, s in enumerate(starts)
    ]


def _exact(lines: Sequence[str], search: Sequence[str], joined: str, line_of: LineOf | None) -> Located | None:
    """Exact matches. A unique one is accepted; the places where the same lines sit at another uniform
    indentation are kept on the match (``copies``): if the rest of the reply shows the model shifted its
    indentation, this SEARCH may be a shifted copy of one of them (the caller decides, see plan)."""
    if not lines:
        return None
    n = len(search)
    exact, loose = exact_and_loose(joined, search, line_of)
    found = [Match(line, line + n, tuple(range(line, line + n)), "exact", char_start=pos) for line, pos in exact]
    decided = _decide(found, "exact")
    if isinstance(decided, Match) and len(loose) > 1:
        copies = tuple(
            s for s in loose if s != decided.start and uniform_indent(lines[s : s + n], search) not in (None, Indent())
        )
        if copies:
            return replace(decided, copies=copies)
    return decided


def _whitespace(lines: Sequence[str], search: Sequence[str]) -> Located | None:
    keys = [line.rstrip() for line in lines]
    starts = find_runs(keys, [s.rstrip() for s in search])
    return _decide(_contiguous(starts, len(search), "whitespace"), "whitespace")


def _indent(lines: Sequence[str], search: Sequence[str]) -> Located | None:
    keys = [line.strip() for line in lines]
    starts, indents = [], []
    for start in find_runs(keys, [s.strip() for s in search]):
        indent = uniform_indent(lines[start : start + len(search)], search)
        if indent is not None:
            starts.append(start)
            indents.append(indent)
    return _decide(_contiguous(starts, len(search), "indent", indents), "indent")


def _pair_blanks(lines: Sequence[str], search: Sequence[str], align: list[int | None]) -> tuple[int | None, ...]:
    """Align runs of blank SEARCH lines with blank file lines: between the same two neighbours, and at
    the edges with the blank lines just before / after the region (when the file has them)."""
    s = 0
    while s < len(search):
        if align[s] is not None:
            s += 1
            continue
        run_end = s
        while run_end < len(search) and align[run_end] is None:
            run_end += 1
        prev_f = align[s - 1] if s > 0 else None
        next_f = align[run_end] if run_end < len(search) else None
        if prev_f is not None and next_f is not None:
            gap = [f for f in range(prev_f + 1, next_f) if not lines[f].strip()]
            for offset, f in enumerate(gap[: run_end - s]):
                align[s + offset] = f
        elif next_f is not None:  # leading blank lines of SEARCH
            f, k = next_f - 1, run_end - 1
            while k >= s and f >= 0 and not lines[f].strip():
                align[k] = f
                f, k = f - 1, k - 1
        elif prev_f is not None:  # trailing blank lines of SEARCH
            f, k = prev_f + 1, s
            while k < run_end and f < len(lines) and not lines[f].strip():
                align[k] = f
                f, k = f + 1, k + 1
        s = run_end
    return tuple(align)


def _blank_lines(lines: Sequence[str], search: Sequence[str]) -> Located | None:
    s_idx = [i for i, s in enumerate(search) if s.strip()]
    if not s_idx:
        return None
    f_idx = [i for i, line in enumerate(lines) if line.strip()]
    for key, needs_indent in ((str.rstrip, False), (str.strip, True)):
        fkeys = [key(lines[i]) for i in f_idx]
        skeys = [key(search[i]) for i in s_idx]
        matches: list[Match] = []
        for run in find_runs(fkeys, skeys):
            mapped = f_idx[run : run + len(s_idx)]
            indent = Indent()
            if needs_indent:
                found = uniform_indent([lines[f] for f in mapped], [search[i] for i in s_idx])
                if found is None:
                    continue
                indent = found
            align: list[int | None] = [None] * len(search)
            for si, f in zip(s_idx, mapped, strict=True):
                align[si] = f
            paired = _pair_blanks(lines, search, align)
            used = [f for f in paired if f is not None]
            matches.append(Match(min(used), max(used) + 1, paired, "blank_lines", indent))
        decided = _decide(matches, "blank_lines")
        if decided is not None:
            return decided
    return None


def _line_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio() if matcher.real_quick_ratio() > 0.5 and matcher.quick_ratio() > 0.5 else 0.0


def _window_scores(lines: Sequence[str], search: Sequence[str]) -> list[tuple[float, int, int]]:
    """Candidate windows over non-blank lines as (score, first, last) file line indices, best first.

    Windows are ranked by how many of their lines occur in SEARCH; the best few are scored by the mean
    similarity of the k-th non-blank SEARCH line with the k-th non-blank window line.
    """
    s_keys = [s.strip() for s in search if s.strip()]
    f_idx = [i for i, line in enumerate(lines) if line.strip()]
    m = len(s_keys)
    if m == 0 or len(f_idx) < m:
        return []
    f_keys = [lines[i].strip() for i in f_idx]
    wanted = set(s_keys)
    hits = [1 if k in wanted else 0 for k in f_keys]
    window = sum(hits[:m])
    counts = [window]
    for i in range(m, len(hits)):
        window += hits[i] - hits[i - m]
        counts.append(window)
    ranked = sorted(range(len(counts)), key=lambda i: -counts[i])[:FUZZY_MAX_WINDOWS]
    scored = []
    for start in ranked:
        if counts[start] == 0 and scored:
            break
        total = sum(_line_similarity(f_keys[start + k], s_keys[k]) for k in range(m))
        scored.append((total / m, f_idx[start], f_idx[start + m - 1]))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return scored


def closest_region(lines: Sequence[str], search: Sequence[str]) -> tuple[int, int] | None:
    """The file lines ``[first, last]`` most similar to ``search`` (for refusal messages), if any."""
    scored = _window_scores(lines, search)
    return (scored[0][1], scored[0][2]) if scored and scored[0][0] > 0.3 else None


FUZZY_LINE_RATIO = 0.5


def _fuzzy_align(lines: Sequence[str], search: Sequence[str], first: int, last: int) -> tuple[int | None, ...] | None:
    """One-to-one: the k-th non-blank SEARCH line ↔ the k-th non-blank file line of the window.

    ``None`` when some pair is not similar: then the model quoted different lines, not the same lines
    with small slips, and guessing which file lines its REPLACE stands for could misapply it.
    """
    f_nonblank = [f for f in range(first, last + 1) if lines[f].strip()]
    s_nonblank = [i for i, line in enumerate(search) if line.strip()]
    if len(f_nonblank) != len(s_nonblank):
        return None
    align: list[int | None] = [None] * len(search)
    for s_i, f in zip(s_nonblank, f_nonblank, strict=True):
        a, b = lines[f].strip(), search[s_i].strip()
        if a != b and SequenceMatcher(None, a, b, autojunk=False).ratio() < FUZZY_LINE_RATIO:
            return None
        align[s_i] = f
    return _pair_blanks(lines, search, align)


def locate_fuzzy(lines: Sequence[str], search: Sequence[str]) -> Located | None:
    """Unique fuzzy match clearly better than the runner-up; ``None`` when nothing is close."""
    nonblank = sum(1 for s in search if s.strip())
    if nonblank < 2:
        return None
    scored = _window_scores(lines, search)
    if not scored:
        return None
    ratio, first, last = scored[0]
    runner_up = max((r for r, a, b in scored[1:] if b < first or a > last), default=0.0)
    needed = FUZZY_MIN_RATIO if nonblank >= 4 else FUZZY_MIN_RATIO_SHORT
    if ratio < needed:
        return None
    if ratio - runner_up < FUZZY_MARGIN:
        return Miss("ambiguous", (first,), "fuzzy")
    align = _fuzzy_align(lines, search, first, last)
    if align is None:
        return None
    offsets = Counter(
        uniform_indent([lines[f]], [search[s]])
        for s, f in enumerate(align)
        if f is not None and search[s].strip() and lines[f].strip() == search[s].strip()
    )
    offsets.pop(None, None)
    indent = offsets.most_common(1)[0][0] if offsets else Indent()
    used = [f for f in align if f is not None]
    return Match(min(used), max(used) + 1, align, "fuzzy", indent or Indent())


def locate(
    lines: Sequence[str],
    search: Sequence[str],
    joined: str | None = None,
    *,
    fuzzy: bool = True,
    line_of: LineOf | None = None,
) -> Located:
    """Run the cascade; the first strategy that finds anything decides (one match, or ambiguous).

    ``joined`` is ``"\\n".join(lines)`` when the caller has it cached; ``line_of(offset)`` turns an
    offset in it into a line number (a caller with a cache can make this incremental).
    """
    if joined is None:
        joined = "\n".join(lines)
    steps: list[Callable[[], Located | None]] = [
        lambda: _exact(lines, search, joined, line_of),
        lambda: _whitespace(lines, search),
        lambda: _indent(lines, search),
        lambda: _blank_lines(lines, search),
    ]
    if fuzzy:
        steps.append(lambda: locate_fuzzy(lines, search))
    for step in steps:
        found = step()
        if found is not None:
            return found
    return Miss("not_found")

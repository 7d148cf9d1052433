"""The new region for a SEARCH matched with blank-line slips (steps blank_lines and fuzzy).

There SEARCH's non-blank lines sit one-to-one on the file's non-blank lines, but its blank runs may be
longer or shorter than the file's. Building the region from the SEARCH→REPLACE diff alone pairs REPLACE's
blank lines with the wrong SEARCH blank lines: a blank line REPLACE keeps is dropped (it was SEARCH's extra
one) or doubled (the file has it, SEARCH forgot it, REPLACE has it). Here the diff only decides which
non-blank SEARCH line each non-blank REPLACE line stands for (kept lines come from the file); each blank
run of REPLACE is then settled against the SEARCH run and the file run it stands for: a run REPLACE leaves
exactly as SEARCH had it keeps the file's blank lines (a slip copied into REPLACE is not spread into the
file); a run REPLACE changes gets REPLACE's blank lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tierwise.edits.apply import FileState
    from tierwise.edits.locate import Match

Item = tuple[str, "str | None"]


def _pairs(search: Sequence[str], s_nb: list[int], replace: Sequence[str], r_nb: list[int]) -> tuple[list[int | None], list[bool]]:
    """For each non-blank REPLACE line: the non-blank SEARCH line (its rank) it stands for, and whether kept.

    The diff runs on the whole lines, blank ones included: they help place a change where a line occurs
    twice (``color = get(t)`` kept at the top or at the bottom of a deleted stretch)."""
    rank_of = {i: k for k, i in enumerate(s_nb)}
    slot_of = {j: k for k, j in enumerate(r_nb)}
    pair: list[int | None] = [None] * len(r_nb)
    kept = [False] * len(r_nb)
    matcher = SequenceMatcher(None, list(search), list(replace), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        s_side = [i for i in range(i1, i2) if i in rank_of]
        r_side = [j for j in range(j1, j2) if j in slot_of]
        if tag == "equal" or (tag == "replace" and len(s_side) == len(r_side)):
            for i, j in zip(s_side, r_side, strict=True):
                pair[slot_of[j]] = rank_of[i]
                kept[slot_of[j]] = tag == "equal"
    return pair, kept


def build_with_slips(
    state: FileState, match: Match, search: Sequence[str], replace: Sequence[str]
) -> list[Item] | None:
    """New (content, ending) lines for the region, or ``None`` when the match is not of that shape."""
    s_nb = [i for i, line in enumerate(search) if line.strip()]
    f_nb = [match.align[i] for i in s_nb]
    if not s_nb or any(f is None for f in f_nb) or any(b <= a for a, b in zip(f_nb, f_nb[1:], strict=False)):  # type: ignore[operator]
        return None
    anchors_s = [-1, *s_nb, len(search)]
    anchors_f: list[int] = [match.start - 1, *f_nb, match.end]  # type: ignore[list-item]
    f_runs = [list(range(a + 1, b)) for a, b in zip(anchors_f, anchors_f[1:], strict=False)]
    if any(state.contents[f].strip() for run in f_runs for f in run):
        return None
    s_runs = [list(search[a + 1 : b]) for a, b in zip(anchors_s, anchors_s[1:], strict=False)]
    s_counts = [len(run) for run in s_runs]
    r_nb = [j for j, line in enumerate(replace) if line.strip()]
    pair, kept = _pairs(search, s_nb, replace, r_nb)
    n = len(s_nb)

    def file_line(f: int) -> Item:
        return state.contents[f], state.ends[f]

    def file_run(k: int) -> list[Item]:
        return [file_line(f) for f in f_runs[k]]

    def new_run(k: int | None, r_lines: Sequence[str]) -> list[Item]:
        """REPLACE's blank lines, taking the file's own where they are the same (keeps their endings)."""
        run = f_runs[k] if k is not None else []
        return [
            file_line(run[i]) if i < len(run) and state.contents[run[i]] == line else (line, None)
            for i, line in enumerate(r_lines)
        ]

    ranks: list[int | None] = [-1, *pair, n]  # the start (rank -1), each non-blank REPLACE line, the end
    positions = [-1, *r_nb, len(replace)]
    gaps = [[match.indent.apply(x) for x in replace[a + 1 : b]] for a, b in zip(positions, positions[1:], strict=False)]

    def settle(g: int) -> list[Item]:
        """The blank run of REPLACE between its items ``g`` and ``g + 1``."""
        r_lines, cp, cq = gaps[g], ranks[g], ranks[g + 1]
        if cp is not None and cq is not None:
            if cq == cp + 1:  # one SEARCH run: kept as SEARCH had it → the file's; changed → REPLACE's
                return file_run(cp + 1) if r_lines == s_runs[cp + 1] else new_run(cp + 1, r_lines)
            # lines deleted between: REPLACE kept the run after cp or the one before cq as SEARCH had
            # them → the file's (the longer if both: the other may be a slip); else REPLACE's
            same = [k for k in (cp + 1, cq) if r_lines == s_runs[k]]
            return file_run(max(same, key=lambda k: len(f_runs[k]))) if same else new_run(None, r_lines)
        if cp is None and cq is None:
            return new_run(None, r_lines)  # inside lines REPLACE adds
        # on one side of lines REPLACE adds: find the other side
        if cp is not None:
            h = next(h for h in range(g + 1, len(gaps)) if ranks[h + 1] is not None)
            run, other, split, lead = cp + 1, len(gaps[h]), ranks[h + 1] == cp + 1, True
        else:
            h = next(h for h in range(g - 1, -1, -1) if ranks[h] is not None)
            run, other, split, lead = cq, len(gaps[h]), ranks[h] == cq - 1, False  # type: ignore[operator]
        # a side REPLACE keeps as SEARCH had it gets the file's run, a changed side REPLACE's; when lines
        # are added inside one SEARCH run that REPLACE keeps on both sides of them, a run SEARCH had empty
        # (the file's blank lines missed) stays once, before them
        if r_lines != s_runs[run]:
            return new_run(run, r_lines)
        if split and other == s_counts[run] == 0 and not lead:
            return []
        return file_run(run)

    out: list[Item] = []
    for g in range(len(gaps)):
        out.extend(settle(g))
        if g < len(r_nb):
            rank = pair[g]
            if kept[g] and rank is not None:
                out.append(file_line(f_nb[rank]))  # type: ignore[arg-type]
            else:
                out.append((match.indent.apply(replace[r_nb[g]]), None))
    return out

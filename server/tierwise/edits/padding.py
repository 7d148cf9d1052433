"""Blank-line padding: some models put extra blank lines after every line of a reply.

A SEARCH padded that way only matches with blank-line tolerance; when its REPLACE carries the same pattern,
the padding is taken out of both before the block is applied, so it never reaches the file. Independently,
a block matched with blank-line tolerance never inserts a run of blank lines longer than any run the file
or the SEARCH had.
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_GAPS = 2
Item = tuple[str, "str | None"]  # (content, ending); None ending: a new line (from REPLACE)


def _runs(lines: Sequence[str]) -> tuple[int, list[int], int] | None:
    """(leading blank run, blank runs between non-blank lines, trailing run); None without a non-blank line."""
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        return None
    inner = [b - a - 1 for a, b in zip(nonblank, nonblank[1:], strict=False)]
    return nonblank[0], inner, len(lines) - 1 - nonblank[-1]


def _edges_fit(lead: int, trail: int, pad: int) -> bool:
    """Padding follows every line: a leading run is whole padded blank lines, a trailing one ends in a pad
    (or the reply stopped right after its last line)."""
    return lead % (pad + 1) == 0 and (trail == 0 or (trail >= pad and (trail - pad) % (pad + 1) == 0))


def padding_of(search: Sequence[str], file_gaps: Sequence[int]) -> int:
    """The pad ``p`` (blank lines added after every line) that turns the file's blank runs ``file_gaps``
    (between the matched non-blank lines) into SEARCH's; 0 when SEARCH is not padded that way. At least
    two gaps must show it: one extra blank line is a slip, not a padded reply."""
    runs = _runs(search)
    if runs is None or len(runs[1]) != len(file_gaps) or len(file_gaps) < MIN_GAPS:
        return 0
    pads = {(s - f) / (f + 1) for s, f in zip(runs[1], file_gaps, strict=True)}  # s = p + (p + 1) * f
    pad = pads.pop() if len(pads) == 1 else 0
    if pad < 1 or pad != int(pad) or not _edges_fit(runs[0], runs[2], int(pad)):
        return 0
    return int(pad)


def carries_padding(lines: Sequence[str], pad: int) -> bool:
    """Whether every blank run of ``lines`` is what padding by ``pad`` makes (``pad + (pad + 1) * k``
    between lines)."""
    runs = _runs(lines)
    if runs is None or pad < 1 or not _edges_fit(runs[0], runs[2], pad):
        return False
    return all(r >= pad and (r - pad) % (pad + 1) == 0 for r in runs[1])


def unpad(lines: Sequence[str], pad: int) -> list[str]:
    """Remove the padding: a blank run of ``pad + (pad + 1) * k`` lines becomes its ``k`` real blank lines
    (each real line is followed by its ``pad``, so they sit at ``pad, 2 * pad + 1, ...`` in the run; at
    the start, at ``0, pad + 1, ...``). A real line that holds only spaces keeps them."""
    out: list[str] = []
    run: list[str] = []
    seen_text = False

    def flush(final: bool) -> None:
        first = pad if seen_text else 0
        keep = (len(run) - pad) // (pad + 1) if seen_text else len(run) // (pad + 1)
        out.extend(run[first :: pad + 1][: max(0, keep)])
        run.clear()

    for line in lines:
        if not line.strip():
            run.append(line)
            continue
        if run:
            flush(False)
        out.append(line)
        seen_text = True
    if run:
        flush(True)
    return out


def longest_blank_run(lines: Sequence[str]) -> int:
    best = run = 0
    for line in lines:
        run = run + 1 if not line.strip() else 0
        best = max(best, run)
    return best


def clamp_new_blank_runs(items: list[Item], cap: int) -> list[Item]:
    """Drop new blank lines (``None`` ending) from every blank run longer than ``cap``; the file's own
    blank lines stay."""
    out: list[Item] = []
    run: list[Item] = []

    def flush() -> None:
        excess = len(run) - max(cap, sum(1 for _, e in run if e is not None))
        for item in reversed(run):
            if excess > 0 and item[1] is None:
                excess -= 1
                run.remove(item)
        out.extend(run)
        run.clear()

    for item in items:
        if item[0].strip():
            flush()
            out.append(item)
        else:
            run.append(item)
    flush()
    return out

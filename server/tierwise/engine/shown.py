"""Code the task prefix already shows is not sent again in a later part of the prompt.

The task prefix (prompts/prefix.md) holds the context engine's pack: full bodies of the definitions that
matter, each under its file's ``### path`` heading as ``Lines a-b, kind `name`:`` and a fenced block. Later
phases show the same files again in other forms (implement's whole files, the numbered regions of fix and
review). ``without_shown`` rewrites such a file view so that a definition the pack shows, byte for byte and
at the same lines of the file as it is now, becomes a one-line pointer to it; everything else of the view
is kept as it was. A definition the task changed (or that moved) differs from the pack's copy and is kept:
the model always sees the exact current text of what it may have to copy into a SEARCH block, once.

Pure functions over text (docs/prompts.md, "Layout").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

EDGE_LINES = 6
"""Lines kept at each end of a definition the plan names (where the edits will be) when it is cut from a
view, so that a SEARCH block reaching a few lines across its first or last line (the signature and the code
above it, the end and what follows) is still visible in one piece; a SEARCH block inside the definition is
visible whole in the prefix."""
OTHER_EDGE_LINES = 3
"""The same for a definition the plan does not name (an edit next to it, such as a new definition after it,
copies a line or two of its end)."""
MIN_CUT_LINES = 4
"""A cut shorter than this is not made (a pointer would save next to nothing)."""
MIN_SPAN_LINES = 2 * OTHER_EDGE_LINES + MIN_CUT_LINES

_HEADING = re.compile(r"^### (\S+)")
_BODY = re.compile(r"^Lines (\d+)-(\d+), \w+ `([^`]+)`:$")
_LEGACY = re.compile(r"^### (\S+) lines (\d+)-(\d+) \(\w+ `([^`]+)`\)$")
_REGION = re.compile(r"^Lines (\d+)-(\d+) \(.*\):$")
_FENCE = re.compile(r"^(`{3,})\w*$")
_NUMBERED = re.compile(r"^ *(\d+) \| ?")


@dataclass(frozen=True)
class Span:
    """A definition the prefix shows: lines ``start``..``end`` (1-based) of ``path``, whose text is ``body``."""

    path: str
    start: int
    end: int
    label: str
    body: str


def _fence_end(lines: Sequence[str], open_at: int) -> int | None:
    """Index of the line closing the fence opened at ``open_at`` (the same run of backticks), or None."""
    mark = _FENCE.match(lines[open_at])
    assert mark is not None
    for i in range(open_at + 1, len(lines)):
        if lines[i] == mark.group(1):
            return i
    return None


def pack_spans(pack: str) -> dict[str, list[Span]]:
    """The full definitions a context pack shows, per path (both the grouped and the one-heading forms)."""
    lines = pack.splitlines()
    spans: dict[str, list[Span]] = {}
    path: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        legacy = _LEGACY.match(line)
        body = _BODY.match(line)
        heading = _HEADING.match(line)
        found: tuple[str, int, int, str] | None = None
        if legacy:
            path = legacy.group(1)
            found = (path, int(legacy.group(2)), int(legacy.group(3)), legacy.group(4))
        elif body and path is not None:
            found = (path, int(body.group(1)), int(body.group(2)), body.group(3))
        elif heading:
            path = heading.group(1)
        if found and i + 1 < len(lines) and _FENCE.match(lines[i + 1]):
            end = _fence_end(lines, i + 1)
            if end is not None:
                text = "\n".join(lines[i + 2 : end])
                spans.setdefault(found[0], []).append(Span(found[0], found[1], found[2], found[3], text))
                i = end
        i += 1
    return spans


def verified(spans: Iterable[Span], text: str) -> list[Span]:
    """The spans whose body is exactly lines ``start``..``end`` of ``text`` (the file as it is now), at least
    ``MIN_SPAN_LINES`` long, outermost first; a span inside another kept span is dropped."""
    lines = text.splitlines()
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end - span.start + 1 < MIN_SPAN_LINES or span.end > len(lines):
            continue
        if "\n".join(lines[span.start - 1 : span.end]) != span.body:
            continue
        if any(k.start <= span.start and span.end <= k.end for k in kept):
            continue
        kept.append(span)
    return kept


def edge(span: Span, focus: Collection[str]) -> int:
    """Lines kept at each end of ``span`` when it is cut (more for a definition the plan names)."""
    named = span.label in focus or span.label.rsplit(".", 1)[-1] in focus
    return EDGE_LINES if named else OTHER_EDGE_LINES


def pointer(span: Span, edge_lines: int) -> str:
    return (f"(lines {span.start + edge_lines}-{span.end - edge_lines} of `{span.label}` (lines {span.start}-"
            f"{span.end}): unchanged, exactly as shown above in the repository context; copy SEARCH text from "
            "there)")  # fmt: skip


def _numbers(body: Sequence[str], whole: bool) -> list[int] | None:
    """The file line number of each line of a fenced block: ``N | `` prefixes, or 1.. for a whole file."""
    found = [_NUMBERED.match(line) for line in body]
    if body and all(found):
        return [int(m.group(1)) for m in found if m]
    return list(range(1, len(body) + 1)) if whole else None


def _split(
    open_line: str, close: str, body: Sequence[str], numbers: list[int], spans: Sequence[Span], focus: Collection[str]
) -> list[str]:
    """A fenced block with the spans' lines replaced by pointers (a span is cut only when it lies whole
    inside the block, its lines in order)."""
    index = {n: i for i, n in enumerate(numbers)}
    cuts: list[tuple[int, int, Span]] = []
    for span in spans:
        first, last = index.get(span.start), index.get(span.end)
        if first is None or last is None or last - first != span.end - span.start:
            continue
        if any(not (last < a or first > b) for a, b, _ in cuts):
            continue
        cuts.append((first, last, span))
    if not cuts:
        return [open_line, *body, close]
    out: list[str] = []
    at = 0
    for first, last, span in sorted(cuts, key=lambda c: c[0]):
        keep = edge(span, focus)
        if last - first + 1 - 2 * keep < MIN_CUT_LINES:
            continue
        first, last = first + keep, last - keep
        out += [open_line, *body[at:first], close, pointer(span, keep)]
        at = last + 1
    if any(line.strip() for line in body[at:]):
        out += [open_line, *body[at:], close]
    return out


def without_shown(
    view: str, path: str, spans: Mapping[str, Sequence[Span]], focus: Collection[str] = ()
) -> str:
    """``view`` (one file's view: the file whole, plain or numbered, or its outline and numbered regions)
    with every definition of ``spans[path]`` (already ``verified`` against the file as it is now) that lies
    whole inside one of its code blocks replaced by a pointer to the prefix. Outlines are kept as they are."""
    own = spans.get(path) or []
    if not own:
        return view
    lines = view.split("\n")
    out: list[str] = []
    fences = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        end = _fence_end(lines, i) if _FENCE.match(line) else None
        if end is None:
            out.append(line)
            i += 1
            continue
        fences += 1
        body = lines[i + 1 : end]
        label = next((p for p in reversed(out) if p.strip()), "")
        numbers = None
        if label != "Outline:":
            whole = fences == 1 and label.startswith("### ") and _REGION.match(label) is None
            numbers = _numbers(body, whole)
        out += _split(line, lines[end], body, numbers, own, focus) if numbers else lines[i : end + 1]
        i = end + 1
    return "\n".join(out)


def shown_in(pack: str, texts: Mapping[str, str | None]) -> dict[str, list[Span]]:
    """The pack's definitions that are still exactly as shown in the files ``texts`` (path → text now)."""
    spans = pack_spans(pack)
    return {p: verified(spans[p], t) for p, t in texts.items() if t is not None and p in spans}

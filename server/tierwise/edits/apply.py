"""Applying one located SEARCH/REPLACE to a file's lines, keeping its line endings and indentation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from dataclasses import replace as replace_
from difflib import SequenceMatcher, get_close_matches

from tierwise.edits.elision import locate_pieces, split_pieces
from tierwise.edits.locate import Match, Miss, find_exact, locate, locate_fuzzy
from tierwise.edits.padding import carries_padding, clamp_new_blank_runs, longest_blank_run, padding_of, unpad
from tierwise.edits.slips import build_with_slips
from tierwise.edits.text import dominant_newline, split_lines


@dataclass
class FileState:
    """A file's text as line contents plus their endings; mutated block by block.

    ``joined()`` (contents joined with ``\\n``, used for C-speed searching) is cached and patched in
    place on each splice when the region's offset is known, so large files stay fast.
    """

    contents: list[str]
    ends: list[str]
    newline: str
    _joined: str | None = field(default=None, repr=False, compare=False)
    _anchor: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)  # (offset, line) in _joined

    def joined(self) -> str:
        if self._joined is None:
            self._joined = "\n".join(self.contents)
            self._anchor = (0, 0)
        return self._joined

    def line_of(self, offset: int) -> int:
        """Line number of an offset in ``joined()``, counted from the last answer when possible."""
        text = self.joined()
        at, line = self._anchor
        line = line + text.count("\n", at, offset) if offset >= at else text.count("\n", 0, offset)
        self._anchor = (offset, line)
        return line

    def _patch_joined(self, start: int, end: int, char_start: int | None, new: list[str]) -> None:
        if self._joined is None or char_start is None:
            self._joined = None
            return
        if self._anchor[0] > char_start:
            self._anchor = (char_start, start)  # the text before the region does not change
        old_len = sum(len(line) for line in self.contents[start:end]) + (end - start - 1)
        text = self._joined
        if new:
            self._joined = text[:char_start] + "\n".join(new) + text[char_start + old_len :]
        elif end < len(self.contents):
            self._joined = text[:char_start] + text[char_start + old_len + 1 :]
        elif start > 0:
            self._joined = text[: char_start - 1]
        else:
            self._joined = ""

    @classmethod
    def from_text(cls, text: str, default_newline: str = "\n") -> FileState:
        contents, ends = split_lines(text)
        return cls(contents, ends, dominant_newline(text, default_newline))

    def text(self) -> str:
        return "".join(c + e for c, e in zip(self.contents, self.ends, strict=True))


@dataclass(frozen=True)
class Applied:
    strategy: str
    first: int  # 0-based first line of the region in the text before this block
    last: int  # 0-based exclusive end
    shifted: bool = False  # SEARCH matched only with its indentation changed
    copies: tuple[int, ...] = ()  # exact match: the same lines at another uniform indentation start here
    refusal: str | None = None  # the ambiguity message, should the copies make the caller refuse the block


@dataclass(frozen=True)
class Refused:
    reason: str
    starts: tuple[int, ...] = ()  # candidate start lines (ambiguous)
    found: tuple[int, int] | None = None  # where REPLACE already is (already_applied)


def _gaps(match: Match) -> dict[int, list[int]]:
    """For each aligned SEARCH line, the unaligned file lines that follow it inside the region."""
    pairs = sorted((f, s) for s, f in enumerate(match.align) if f is not None)
    gaps: dict[int, list[int]] = {}
    for k, (f, s) in enumerate(pairs):
        nxt = pairs[k + 1][0] if k + 1 < len(pairs) else match.end
        gaps[s] = list(range(f + 1, nxt))
    return gaps


def build_replacement(
    state: FileState, match: Match, search: Sequence[str], replace: Sequence[str]
) -> list[tuple[str, str | None]]:
    """New (content, ending) lines for the region; ``None`` ending means the file's newline.

    SEARCH lines that REPLACE keeps are taken from the file as they are (so whitespace the model got
    wrong is not spread into the file); changed lines come from REPLACE, re-indented by the offset. When
    SEARCH's blank lines do not sit one-to-one on the region's lines, blank runs are settled by
    :func:`tierwise.edits.slips.build_with_slips`.
    """
    if match.align != tuple(range(match.start, match.end)):
        settled = build_with_slips(state, match, search, replace)
        if settled is not None:
            return settled
    gaps = _gaps(match)

    def file_line(f: int) -> tuple[str, str | None]:
        return state.contents[f], state.ends[f]

    def gap(s: int) -> list[tuple[str, str | None]]:
        return [file_line(f) for f in gaps.get(s, ())]

    out: list[tuple[str, str | None]] = []
    matcher = SequenceMatcher(None, list(search), list(replace), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        new = [(match.indent.apply(line), None) for line in replace[j1:j2]]
        if tag == "equal":
            for s in range(i1, i2):
                f = match.align[s]
                if f is not None:
                    out.append(file_line(f))
                    out.extend(gap(s))
        elif tag == "insert":
            out.extend(new)
        elif tag == "delete":
            out.extend(gap(i2 - 1))
        elif i2 - i1 == j2 - j1:
            for k, s in enumerate(range(i1, i2)):
                out.append(new[k])
                out.extend(gap(s))
        else:
            out.extend(new)
            for s in range(i1, i2):
                out.extend(gap(s))
    return out


def splice(
    state: FileState, match: Match, search: Sequence[str], replace: Sequence[str], *, blank_cap: int | None = None
) -> None:
    """Replace the matched region in ``state`` and repair line endings at the seams; with ``blank_cap``, no
    new blank line makes a blank run longer than that."""
    items = build_replacement(state, match, search, replace)
    if blank_cap is not None:
        items = clamp_new_blank_runs(items, blank_cap)
    at_eof = match.end == len(state.contents)
    no_final_newline = bool(state.contents) and state.ends[-1] == ""
    new_contents = [c for c, _ in items]
    state._patch_joined(match.start, match.end, match.char_start, new_contents)
    state.contents[match.start : match.end] = new_contents
    state.ends[match.start : match.end] = [state.newline if e is None else e for _, e in items]
    last = len(state.contents) - 1
    for i in range(max(0, match.start - 1), min(last, match.start + len(items)) + 1):
        if state.ends[i] == "" and i != last:
            state.ends[i] = state.newline
    if at_eof and no_final_newline and state.contents:
        state.ends[-1] = ""


def _nonblank_lines(state: FileState, match: Match) -> list[int]:
    return [f for f in match.align if f is not None and state.contents[f].strip()]


def _without_padding(
    state: FileState, match: Match, search: Sequence[str], replace: Sequence[str]
) -> tuple[Match, Sequence[str], Sequence[str], int | None]:
    """A SEARCH padded with blank lines after every line: when REPLACE carries the same padding, the block
    without it (located again: it must land on the same lines); when REPLACE does not, the block as it is
    with a cap on new blank runs (the longest run of the file or of SEARCH). Not padded: unchanged."""
    found = _nonblank_lines(state, match)
    pad = padding_of(search, [b - a - 1 for a, b in zip(found, found[1:], strict=False)])
    if not pad:
        return match, search, replace, None
    cap = max(longest_blank_run(state.contents), longest_blank_run(search))
    if not carries_padding(replace, pad):
        return match, search, replace, cap
    bare_search, bare_replace = unpad(search, pad), unpad(replace, pad)
    again = locate(state.contents, bare_search, state.joined(), fuzzy=False, line_of=state.line_of)
    if not isinstance(again, Match) or _nonblank_lines(state, again) != found:
        return match, search, replace, cap
    return replace_(again, strategy="blank_lines"), bare_search, bare_replace, None


def _strip_blank_edges(lines: Sequence[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return list(lines[start:end])


def _reapplied(state: FileState, match: Match, search: Sequence[str], replace: Sequence[str]) -> tuple[int, int] | None:
    """An exact SEARCH that sits inside an exact REPLACE already in the file: the block was applied."""
    if len(replace) <= len(search) or match.strategy != "exact":
        return None
    for start in find_exact(state.contents, replace, state.joined()):
        if start <= match.start and match.end <= start + len(replace):
            return (start, start + len(replace))
    return None


def _adds_new_lines(search: Sequence[str], replace: Sequence[str]) -> bool:
    """Whether REPLACE has a non-blank line that is neither in SEARCH nor a near copy of a SEARCH line."""
    quoted = [s.strip() for s in search if s.strip()]
    exact = set(quoted)
    for line in (r.strip() for r in replace):
        if line and line not in exact and not get_close_matches(line, quoted, n=1, cutoff=0.8):
            return True
    return False


def _already_present(state: FileState, search: Sequence[str], replace: Sequence[str]) -> tuple[int, int] | None:
    wanted = _strip_blank_edges([r for r in replace if not split_pieces([r])[1:]])
    if not wanted or not _adds_new_lines(search, replace):
        return None  # REPLACE adds nothing new (a deletion, or slips in quoted lines): finding it proves nothing
    found = locate(state.contents, wanted, fuzzy=False)
    return (found.start, found.end) if isinstance(found, Match) else None


def apply_search_replace(state: FileState, search: Sequence[str], replace: Sequence[str]) -> Applied | Refused:
    """Locate ``search`` (non-empty) with the cascade and apply ``replace``; mutates ``state``."""
    located = locate(state.contents, search, state.joined(), fuzzy=False, line_of=state.line_of)
    if isinstance(located, Match):
        again = _reapplied(state, located, search, replace)
        if again is not None:
            return Refused("already_applied", found=again)
        cap = None
        if located.strategy == "blank_lines":
            located, search, replace, cap = _without_padding(state, located, search, replace)
        splice(state, located, search, replace, blank_cap=cap)
        return Applied(located.strategy, located.start, located.end, located.shifted, located.copies)
    if located.reason == "ambiguous":
        return Refused("ambiguous", starts=located.starts)
    pieces = locate_pieces(state.contents, search, replace)
    if pieces == "bad_elision":
        return Refused("bad_elision")
    if isinstance(pieces, Miss) and pieces.reason == "ambiguous":
        return Refused("ambiguous", starts=pieces.starts)
    if isinstance(pieces, list):
        first, last = pieces[0].match.start, pieces[-1].match.end
        for piece in reversed(pieces):
            splice(state, piece.match, piece.search, piece.replace)
        return Applied("elision", first, last, any(p.match.shifted for p in pieces))
    if pieces is not None:
        present = _already_present(state, search, replace)
        # never fuzzy-match a SEARCH that elides lines
        return Refused("already_applied", found=present) if present else Refused("not_found")
    return _fuzzy_or_already(state, search, replace)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _fuzzy_or_already(state: FileState, search: Sequence[str], replace: Sequence[str]) -> Applied | Refused:
    """Last resort: a fuzzy match, unless REPLACE already sits there (or, with no match, anywhere)."""
    fuzzy = locate_fuzzy(state.contents, search)
    present = _already_present(state, search, replace)
    if isinstance(fuzzy, Match):
        if present is not None and _overlaps(present, (fuzzy.start, fuzzy.end)):
            return Refused("already_applied", found=present)
        region = list(zip(state.contents[fuzzy.start : fuzzy.end], state.ends[fuzzy.start : fuzzy.end], strict=True))
        new = [(c, state.newline if e is None else e) for c, e in build_replacement(state, fuzzy, search, replace)]
        if new == region:  # REPLACE already there, up to slips in SEARCH: nothing to do
            return Refused("already_applied", found=(fuzzy.start, fuzzy.end))
        splice(state, fuzzy, search, replace)
        return Applied("fuzzy", fuzzy.start, fuzzy.end, fuzzy.shifted)
    if present is not None:
        return Refused("already_applied", found=present)
    if isinstance(fuzzy, Miss):
        return Refused("ambiguous", starts=fuzzy.starts)
    return Refused("not_found")

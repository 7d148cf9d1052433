"""Property tests: random old/new pairs round-trip through blocks and through minimal text edits."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.edits import (
    apply_text_edits,
    format_blocks,
    make_blocks,
    minimal_text_edits,
    parse_reply,
    plan_edits,
)

TEXT_ALPHABET = st.sampled_from(["a", "b", " ", "\n", "\r", "\r\n", "é", "🙂", "e\u0301", "中", "\t", "x"])
texts = st.lists(TEXT_ALPHABET, max_size=40).map("".join)

LINES = st.sampled_from(
    ["", "x", "y", "    x", "    y", "  z ", "...", "def f():", "    return 1", "é🙂", "```", "# rest unchanged", "}"]
)


@settings(max_examples=200, deadline=None)
@given(old=texts, new=texts, encoding=st.sampled_from(["utf-16", "utf-8", "utf-32"]))
def test_minimal_text_edits_round_trip(old: str, new: str, encoding: str) -> None:
    edits = minimal_text_edits(old, new, encoding)  # type: ignore[arg-type]
    assert apply_text_edits(old, edits, encoding) == new  # type: ignore[arg-type]
    starts = [(e.start_line, e.start_character) for e in edits]
    ends = [(e.end_line, e.end_character) for e in edits]
    assert all(s <= e for s, e in zip(starts, ends, strict=True))
    assert all(ends[k] < starts[k + 1] for k in range(len(edits) - 1))  # sorted, not even touching
    assert (old == new) == (edits == [])


@settings(max_examples=200, deadline=None)
@given(
    old_lines=st.lists(LINES, min_size=1, max_size=30),
    new_lines=st.lists(LINES, max_size=30),
    crlf=st.booleans(),
)
def test_blocks_round_trip(old_lines: list[str], new_lines: list[str], crlf: bool) -> None:
    newline = "\r\n" if crlf else "\n"
    old = "".join(line + newline for line in old_lines)
    new = "".join(line + newline for line in new_lines)
    if not old.strip():
        return  # blank old files are created whole
    reply = format_blocks(make_blocks(old, new, "pkg/m.py"))
    result = plan_edits(parse_reply(reply), Path("/nowhere"), read=lambda p: old)
    assert result.all_applied, result.retry_message()
    expected = new if new_lines else ""
    assert (result.files[0].new_text if result.files else old) == expected
    assert all(b.strategy in ("exact", "create") for b in result.blocks)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(LINES, min_size=1, max_size=25),
    edits=st.lists(st.tuples(st.integers(0, 24), st.integers(1, 4), st.lists(LINES, max_size=4)), max_size=5),
)
def test_cached_joined_text_stays_consistent(lines: list[str], edits: list[tuple[int, int, list[str]]]) -> None:
    from tierwise.edits.apply import Applied, FileState, apply_search_replace

    state = FileState(list(lines), ["\n"] * len(lines), "\n")
    for start, size, new in edits:
        if not state.contents:
            break
        start %= len(state.contents)
        search = state.contents[start : start + size]
        if not any(s.strip() for s in search):
            continue
        expected = state.contents[:start] + new + state.contents[start + len(search) :]
        outcome = apply_search_replace(state, search, new)
        joined = state.joined()
        assert joined == "\n".join(state.contents)  # the patched cache equals a fresh join
        for offset in (0, len(joined) // 3, len(joined)):
            assert state.line_of(offset) == joined.count("\n", 0, offset)  # incremental line numbers
        if isinstance(outcome, Applied) and outcome.strategy == "exact" and outcome.first == start:
            assert state.contents == expected


BIG_LINES = st.one_of(st.integers(0, 400).map(lambda n: f"unique {n}"), LINES)


@settings(max_examples=100, deadline=None)
@given(
    old_lines=st.lists(BIG_LINES, min_size=40, max_size=160),
    cuts=st.lists(st.tuples(st.integers(0, 159), st.integers(0, 6), st.lists(BIG_LINES, max_size=6)), max_size=12),
)
def test_large_rewrites_use_anchors_and_round_trip(old_lines: list[str], cuts: list[tuple[int, int, list[str]]]) -> None:
    new_lines = list(old_lines)
    for at, size, insert in cuts:
        at %= len(new_lines) + 1
        new_lines[at : at + size] = insert
    old, new = "\n".join(old_lines) + "\n", "\n".join(new_lines) + "\n"
    edits = minimal_text_edits(old, new)
    assert apply_text_edits(old, edits) == new
    reply = format_blocks(make_blocks(old, new, "m.py"))
    result = plan_edits(parse_reply(reply), Path("/nowhere"), read=lambda p: old)
    assert result.all_applied and (result.files[0].new_text if result.files else old) == new

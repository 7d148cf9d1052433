"""Minimal LSP text edits: positions in UTF-16/8/32, CRLF, minimality, speed."""

from __future__ import annotations

import random

import pytest

from tierwise.edits import TextEdit, apply_text_edits, make_blocks, minimal_text_edits, plan_edits
from tierwise.edits.diff import opcodes


def test_single_character_change_is_one_tiny_edit() -> None:
    assert minimal_text_edits("abc\ndef\nghi\n", "abc\ndXf\nghi\n") == [TextEdit(1, 1, 1, 2, "X")]


def test_unchanged_lines_between_changes_are_never_edited() -> None:
    old = "a1\nsame\nsame2\nb1\n"
    new = "a2\nsame\nsame2\nb2\n"
    edits = minimal_text_edits(old, new)
    assert edits == [TextEdit(0, 1, 0, 2, "2"), TextEdit(3, 1, 3, 2, "2")]


def test_insert_and_delete_lines() -> None:
    assert minimal_text_edits("a\nc\n", "a\nb\nc\n") == [TextEdit(1, 0, 1, 0, "b\n")]
    assert minimal_text_edits("a\nb\nc\n", "a\nc\n") == [TextEdit(1, 0, 2, 0, "")]
    assert minimal_text_edits("a\n", "a\nb") == [TextEdit(1, 0, 1, 0, "b")]
    assert minimal_text_edits("a", "a\n") == [TextEdit(0, 1, 0, 1, "\n")]
    assert minimal_text_edits("", "x") == [TextEdit(0, 0, 0, 0, "x")]
    assert minimal_text_edits("x\n", "") == [TextEdit(0, 0, 1, 0, "")]


@pytest.mark.parametrize(
    ("encoding", "start"),
    [("utf-16", 8), ("utf-8", 11), ("utf-32", 7)],
)
def test_surrogate_pairs_and_encodings(encoding: str, start: int) -> None:
    old = "é🙂ab = 1\n"  # é: 1/2/1 units, 🙂: 2/4/1 units, "ab = ": 5 (utf-16/utf-8/utf-32)
    new = "é🙂ab = 2\n"
    (edit,) = minimal_text_edits(old, new, encoding)  # type: ignore[arg-type]
    assert (edit.start_line, edit.start_character, edit.new_text) == (0, start, "2")
    assert apply_text_edits(old, [edit], encoding) == new  # type: ignore[arg-type]


def test_change_inside_emoji_sequence_and_combining_marks() -> None:
    old = "x = '👩‍💻 e\u0301 中文'\n"
    new = "x = '👩‍🔬 e\u0300 中文字'\n"
    for encoding in ("utf-16", "utf-8", "utf-32"):
        edits = minimal_text_edits(old, new, encoding)  # type: ignore[arg-type]
        assert apply_text_edits(old, edits, encoding) == new  # type: ignore[arg-type]


def test_crlf_is_never_split() -> None:
    old = "a\r\nb\r\n"
    new = "a\nb\r\n"
    edits = minimal_text_edits(old, new)
    assert apply_text_edits(old, edits) == new
    for edit in edits:
        assert edit.start_character <= 1 and edit.end_character <= 1
    assert edits == [TextEdit(0, 1, 1, 0, "\n")]


def test_lone_cr_is_a_line_break() -> None:
    old = "a\rb\rc"
    new = "a\rB\rc"
    assert minimal_text_edits(old, new) == [TextEdit(1, 0, 1, 1, "B")]


def test_edits_are_sorted_non_overlapping_and_non_adjacent() -> None:
    rng = random.Random(7)
    old_lines = [f"line {i} " + "x" * rng.randint(0, 5) for i in range(300)]
    new_lines = list(old_lines)
    for _ in range(40):
        new_lines[rng.randrange(len(new_lines))] = "changed " + str(rng.random())
    old, new = "\n".join(old_lines) + "\n", "\n".join(new_lines) + "\n"
    edits = minimal_text_edits(old, new)
    keys = [(e.start_line, e.start_character, e.end_line, e.end_character) for e in edits]
    for (a, b) in zip(keys, keys[1:], strict=False):
        assert (a[2], a[3]) < (b[0], b[1])
    assert apply_text_edits(old, edits) == new


def test_apply_text_edits_rejects_overlap() -> None:
    with pytest.raises(ValueError):
        apply_text_edits("abcdef", [TextEdit(0, 0, 0, 3, "x"), TextEdit(0, 2, 0, 4, "y")])


def test_myers_opcodes_are_minimal() -> None:
    a = list("abcabba")
    b = list("cbabac")
    ops = opcodes(a, b)
    equal = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    assert equal == 4  # LCS length of the classic Myers example
    rebuilt: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        rebuilt.extend(a[i1:i2] if tag == "equal" else b[j1:j2])
    assert rebuilt == b


def _big_case(seed: int = 1) -> tuple[str, str]:
    rng = random.Random(seed)
    lines = [f"    value_{i} = compute({i}, {rng.randint(0, 999)})" if i % 7 else "" for i in range(10_000)]
    new = list(lines)
    for pos in sorted(rng.sample(range(10_000), 50)):
        new[pos] = new[pos] + "  # changed"
    return "\n".join(lines) + "\n", "\n".join(new) + "\n"


def test_10k_lines_50_changes_are_50_minimal_edits() -> None:
    """Correctness on a big file; its speed is measured by bench/edits (docs/benchmarks.md), not here."""
    old, new = _big_case()
    blocks = make_blocks(old, new, "big.py")
    result = plan_edits(blocks, __import__("pathlib").Path("/nowhere"), read=lambda p: old)
    edits = minimal_text_edits(old, result.files[0].new_text or "")
    assert result.files[0].new_text == new
    assert apply_text_edits(old, edits) == new
    assert len(edits) == 50

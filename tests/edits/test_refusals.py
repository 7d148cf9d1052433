"""Every refusal reason, the messages written for the model, and all-or-nothing per file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tierwise.edits import parse_reply, plan_edits

from ._helpers import plan_text, sr

CODE = "def f():\n    return 1\n\n\ndef g():\n    return 1\n"


def test_not_found_message_shows_closest_lines() -> None:
    result = plan_text(CODE, sr("f.py", "def g():\n    return 11111\n    pass\n", "def g():\n    return 2\n"))
    (outcome,) = result.blocks
    assert (outcome.status, outcome.reason) == ("refused", "not_found")
    assert "Block 1 (f.py)" in outcome.message
    assert "not found" in outcome.message
    assert "5 | def g():" in outcome.message
    assert result.files[0].new_text == CODE


def test_ambiguous_lists_every_match() -> None:
    result = plan_text(CODE, sr("f.py", "    return 1\n", "    return 2\n"))
    (outcome,) = result.blocks
    assert outcome.reason == "ambiguous"
    assert "2 places" in outcome.message and "lines 2-2, 6-6" in outcome.message
    assert result.files[0].ok is False


def test_ambiguous_resolved_by_context() -> None:
    result = plan_text(CODE, sr("f.py", "def g():\n    return 1\n", "def g():\n    return 2\n"))
    assert result.all_applied
    assert result.files[0].new_text == CODE[: CODE.index("def g")] + "def g():\n    return 2\n"


def test_loose_strategy_ambiguity_is_refused() -> None:
    old = "if a:\n    x = 1\nif b:\n        x = 1\n"
    result = plan_text(old, sr("f.py", "  x = 1\n", "  x = 2\n"))
    assert result.blocks[0].reason == "ambiguous"


def test_already_applied() -> None:
    result = plan_text(CODE, sr("f.py", "def f():\n    return 0\n", "def f():\n    return 1\n"))
    (outcome,) = result.blocks
    assert outcome.reason == "already_applied"
    assert "already done" in outcome.message


def test_already_applied_insertion_is_not_duplicated() -> None:
    old = "import os\nimport sys\n\nx = 1\n"
    result = plan_text(old, sr("f.py", "import os\n", "import os\nimport sys\n"))
    assert result.blocks[0].reason == "already_applied"
    assert result.files[0].new_text == old


def test_file_missing_suggests_similar_names(ws: Path) -> None:
    (ws / "src").mkdir()
    (ws / "src" / "_make.py").write_text("x = 1\n")
    result = plan_edits(parse_reply(sr("src/make.py", "x = 1\n", "x = 2\n")), ws)
    (outcome,) = result.blocks
    assert outcome.reason == "file_missing"
    assert "src/_make.py" in outcome.message
    assert "does not exist" in outcome.message


@pytest.mark.parametrize("path", ["../evil.py", "/etc/passwd", "a/../../x.py", ".git/config", "C:/x.py"])
def test_outside_workspace(ws: Path, path: str) -> None:
    result = plan_edits(parse_reply(sr(path, "", "boom\n")), ws)
    (outcome,) = result.blocks
    assert (outcome.status, outcome.reason) == ("refused", "outside_workspace")
    assert "outside the workspace" in outcome.message


def test_absolute_path_inside_workspace_is_fine(ws: Path) -> None:
    (ws / "a.py").write_text("x = 1\n")
    result = plan_edits(parse_reply(sr(str(ws / "a.py"), "x = 1\n", "x = 2\n")), ws)
    assert result.all_applied
    assert result.files[0].path == "a.py"


def test_symlink_out_of_workspace(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "t.py").write_text("x = 1\n")
    os.symlink(outside, ws / "link")
    result = plan_edits(parse_reply(sr("link/t.py", "x = 1\n", "x = 2\n")), ws)
    assert result.blocks[0].reason == "outside_workspace"


def test_binary_and_too_large(ws: Path) -> None:
    (ws / "b.bin").write_bytes(b"\x00\x01\x02abc")
    (ws / "big.py").write_text("x = 1\n" * 100)
    reply = sr("b.bin", "abc\n", "x\n") + sr("big.py", "x = 1\n", "x = 2\n")
    result = plan_edits(parse_reply(reply), ws, max_bytes=100)
    assert [b.reason for b in result.blocks] == ["binary", "too_large"]


def test_no_path() -> None:
    result = plan_text(CODE, "<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n")
    assert result.blocks[0].reason == "no_path"


def test_whole_file_on_existing_file_is_refused() -> None:
    result = plan_text(CODE, "f.py\n```\nprint(1)\n```\n")
    assert result.blocks[0].reason == "file_exists"
    assert plan_text(None, "f.py\n```\nprint(1)\n```\n").files[0].new_text == "print(1)\n"


def test_empty_search_on_non_empty_file_is_refused() -> None:
    assert plan_text(CODE, sr("f.py", "", "x\n")).blocks[0].reason == "file_exists"
    assert plan_text("\n", sr("f.py", "", "x\n")).files[0].new_text == "x\n"


def test_bad_elision() -> None:
    result = plan_text(CODE, sr("f.py", "def f():\n...\n    return 1\n\n\ndef g():\n", "def f():\n    return 3\n"))
    assert result.blocks[0].reason == "bad_elision"


def test_unencodable_in_latin1_file(ws: Path) -> None:
    (ws / "l.py").write_bytes("café = 1\n".encode("cp1252") + b"\x81\n")
    result = plan_edits(parse_reply(sr("l.py", "café = 1\n", "café = '🙂'\n")), ws)
    assert result.blocks[0].reason == "unencodable"


def test_all_or_nothing_per_file() -> None:
    reply = sr("f.py", "def f():\n", "def f2():\n") + sr("f.py", "nothing like this\n", "x\n") + sr("g.py", "", "ok\n")
    files = {"f.py": CODE, "g.py": None}
    result = plan_edits(parse_reply(reply), Path("/nowhere"), read=files.get)
    by_path = {f.path: f for f in result.files}
    assert by_path["f.py"].ok is False and by_path["f.py"].new_text == CODE
    assert [b.reason for b in by_path["f.py"].blocks] == ["file_refused", "not_found"]
    assert by_path["f.py"].blocks[0].strategy == "exact"
    assert by_path["g.py"].ok and by_path["g.py"].new_text == "ok\n"
    assert not result.all_applied
    message = result.retry_message()
    assert "2 of 3 edit blocks were not applied" in message
    assert "Block 1 (f.py) was held back" in message and "Block 2 (f.py) was not applied" in message
    assert "Files changed as requested: g.py" in message


def test_retry_message_empty_when_all_applied() -> None:
    result = plan_text(CODE, sr("f.py", "def f():\n", "def f2():\n"))
    assert result.all_applied and result.retry_message() == ""


def test_blocks_are_in_reply_order_across_files() -> None:
    reply = sr("a.py", "", "a\n") + sr("b.py", "", "b\n") + sr("a.py", "a\n", "A\n")
    result = plan_edits(parse_reply(reply), Path("/nowhere"), read=lambda p: None)
    assert [b.index for b in result.blocks] == [0, 1, 2]
    assert {f.path: f.new_text for f in result.files} == {"a.py": "A\n", "b.py": "b\n"}

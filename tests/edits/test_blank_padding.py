"""Replies padded with a blank line after every line do not put that padding into code (issue #12, item 3)."""

from __future__ import annotations

from tierwise.edits.padding import carries_padding, clamp_new_blank_runs, padding_of, unpad

from ._helpers import plan_text, sr

FILE = '''import os


def load(path):
    with open(path) as handle:
        data = handle.read()
    return data


def save(path, data):
    pass
'''


def _pad(text: str, pad: int = 1) -> str:
    return "".join(line + "\n" + "\n" * pad for line in text.splitlines())


def test_padded_search_and_replace_leave_no_padding_in_the_file() -> None:
    search = "    with open(path) as handle:\n        data = handle.read()\n    return data\n"
    replace = "    with open(path) as handle:\n        data = handle.read()\n        size = len(data)\n        log(size)\n    return data\n"
    result = plan_text(FILE, sr("f.py", _pad(search), _pad(replace)))
    assert [(b.status, b.strategy) for b in result.blocks] == [("applied", "blank_lines")]
    assert result.files[0].new_text == FILE.replace(search, replace)


def test_padding_of_two_and_real_blank_lines_inside_the_block() -> None:
    search = "    return data\n\n\ndef save(path, data):\n    pass\n"
    replace = "    return data\n\n\ndef save(path, data, mode='w'):\n    check(mode)\n    pass\n"
    result = plan_text(FILE, sr("f.py", _pad(search, 2), _pad(replace, 2)))
    assert result.all_applied
    assert result.files[0].new_text == FILE.replace(search, replace)


def test_inconsistently_padded_replace_never_adds_blank_runs_the_file_and_search_lack() -> None:
    search = "    with open(path) as handle:\n        data = handle.read()\n    return data\n"
    replace = "    with open(path) as handle:\n\n\n\n\n        data = handle.read()\n        data = data.strip()\n    return data\n"
    result = plan_text(FILE, sr("f.py", _pad(search), replace))
    assert result.all_applied
    new = result.files[0].new_text or ""
    assert "\n\n\n\n" not in new  # the file's longest blank run is 2, SEARCH's 1
    assert "        data = handle.read()\n        data = data.strip()\n" in new


def test_a_slip_matched_with_blank_tolerance_keeps_the_blank_runs_its_replace_adds() -> None:
    # found by the benchmark (pluggy): not a padded reply, so new code keeps its two blank lines even
    # though the file had runs of one only
    old = "import a\n\ndef f():\n    pass\n"
    search = "import a\n\ndef f():\n\n    pass\n"  # one stray blank line
    replace = "import a\n\nX = 1\n\n\ndef f():\n\n    pass\n"
    result = plan_text(old, sr("f.py", search, replace))
    assert result.files[0].new_text == "import a\n\nX = 1\n\n\ndef f():\n    pass\n"


def test_unpadded_replies_and_exact_blank_lines_are_untouched() -> None:
    search = "def load(path):\n"
    replace = "def load(path):\n\n\n\n    '''Read a file.'''\n"  # exact match: the model's blank lines are kept
    result = plan_text(FILE, sr("f.py", search, replace))
    assert result.files[0].new_text == FILE.replace(search, replace)


def test_an_extra_blank_line_slip_is_not_taken_for_padding() -> None:
    # found by the benchmark (pytest's capture.py): the block deletes one of three blank lines; its SEARCH
    # and REPLACE also carry one stray blank line inside the function
    old = "x = 1\n\n\n\ndef f(p):\n    g = p\n    return g\n"
    search = "\n\n\ndef f(p):\n\n    g = p\n"
    replace = "\n\ndef f(p):\n\n    g = p\n"
    result = plan_text(old, sr("f.py", search, replace))
    assert result.files[0].new_text == "x = 1\n\n\ndef f(p):\n    g = p\n    return g\n"


def test_padding_helpers() -> None:
    assert padding_of(["a", "", "b", "", "c", ""], [0, 0]) == 1
    assert padding_of(["a", "", "b", "", ""], [0]) == 0  # one extra blank line is a slip, not padding
    assert padding_of(["", "", "", "a", "", "b", "", "c"], [0, 0]) == 0  # 3 leading blanks: not padded by 1
    assert padding_of(["a", "", "b", "", "", "", "c"], [0, 1]) == 1
    assert padding_of(["a", "", "b", "c"], [0, 0]) == 0  # not every line padded
    assert carries_padding(["x", "", "y", "", "", "", "z", ""], 1)
    assert not carries_padding(["x", "y"], 1)
    assert unpad(["x", "", "y", "", "", "", "z", ""], 1) == ["x", "y", "", "z"]
    assert unpad(["x", "", "   ", "", "z"], 1) == ["x", "   ", "z"]  # the real line, not its pad
    items = [("a", "\n"), ("", None), ("", None), ("", "\n"), ("b", None)]
    assert clamp_new_blank_runs(items, 2) == [("a", "\n"), ("", None), ("", "\n"), ("b", None)]

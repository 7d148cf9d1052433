"""Every step of the locate cascade, through the public plan_edits API."""

from __future__ import annotations

from ._helpers import plan_text, sr

CODE = """import os


class A:
    def f(self):
        x = 1
        return x

    def g(self):
        y = 2
        return y
"""


def applied(old: str, search: str, replace: str) -> tuple[str | None, str | None]:
    result = plan_text(old, sr("f.py", search, replace))
    (outcome,) = result.blocks
    assert outcome.status == "applied", outcome.message
    return result.files[0].new_text, outcome.strategy


def test_exact() -> None:
    new, strategy = applied(CODE, "        x = 1\n", "        x = 10\n")
    assert strategy == "exact"
    assert new == CODE.replace("x = 1\n", "x = 10\n")


def test_trailing_whitespace_and_crlf_in_search() -> None:
    new, strategy = applied(CODE, "    def f(self):   \r\n        x = 1\t\r\n", "    def f(self):\n        x = 3\n")
    assert strategy == "whitespace"
    assert new == CODE.replace("x = 1\n", "x = 3\n")


def test_context_lines_keep_the_file_version() -> None:
    old = "a = 1   \nb = 2\n"
    new, strategy = applied(old, "a = 1\nb = 2\n", "a = 1\nb = 3\n")
    assert strategy == "whitespace"
    assert new == "a = 1   \nb = 3\n"


def test_uniform_indent_offset_reindents_replace() -> None:
    search = "def g(self):\n    y = 2\n    return y\n"
    replace = "def g(self):\n    y = 2\n    if y:\n        return y\n    return 0\n"
    new, strategy = applied(CODE, search, replace)
    assert strategy == "indent"
    assert new == CODE.replace(
        "        return y\n", "        if y:\n            return y\n        return 0\n"
    )


def test_indent_offset_removal() -> None:
    old = "def h():\n    return 1\n"
    new, strategy = applied(old, "    def h():\n        return 1\n", "    def h():\n        return 2\n")
    assert strategy == "indent"
    assert new == "def h():\n    return 2\n"


def test_non_uniform_indent_is_not_an_indent_match() -> None:
    result = plan_text(CODE, sr("f.py", "def f(self):\n        x = 1\n", "def f(self):\n        x = 2\n"))
    assert result.blocks[0].strategy != "indent"


def test_stray_blank_lines_in_search() -> None:
    new, strategy = applied(CODE, "\n\n        x = 1\n        return x\n\n", "\n\n        x = 5\n        return x\n\n")
    assert strategy == "blank_lines"
    assert new == CODE.replace("x = 1\n", "x = 5\n")


def test_missing_blank_line_in_search_keeps_file_blank_line() -> None:
    search = "        return x\n    def g(self):\n        y = 2\n"
    replace = "        return x\n    def g(self):\n        y = 20\n"
    new, strategy = applied(CODE, search, replace)
    assert strategy == "blank_lines"
    assert new == CODE.replace("y = 2\n", "y = 20\n")


def test_extra_blank_line_in_search() -> None:
    search = "        x = 1\n\n        return x\n"
    new, strategy = applied(CODE, search, "        x = 7\n\n        return x\n")
    assert strategy == "blank_lines"
    assert new == CODE.replace("x = 1\n", "x = 7\n")


def test_elision_with_dots_in_both() -> None:
    search = "    def f(self):\n        ...\n        return x\n"
    replace = "    def f(self, z):\n        ...\n        return x + z\n"
    new, strategy = applied(CODE, search, replace)
    assert strategy == "elision"
    assert new == CODE.replace("def f(self):", "def f(self, z):").replace("return x\n", "return x + z\n")


def test_elision_comment_marker() -> None:
    search = "class A:\n    # ... rest of the code unchanged ...\n        return y\n"
    replace = "class B:\n    # ... rest of the code unchanged ...\n        return -y\n"
    new, strategy = applied(CODE, search, replace)
    assert strategy == "elision"
    assert new == CODE.replace("class A:", "class B:").replace("return y\n", "return -y\n")


def test_literal_ellipsis_in_file_matches_exactly() -> None:
    old = "class P(Protocol):\n    def f(self) -> int:\n        ...\n"
    new, strategy = applied(old, "    def f(self) -> int:\n        ...\n", "    def f(self) -> str:\n        ...\n")
    assert strategy == "exact"
    assert new == old.replace("int", "str")


def test_fuzzy_unique_close_match() -> None:
    old = "".join(f"line number {i} here\n" for i in range(40))
    search = "line number 10 here\nline numbr 11 here\nline number 12 here\nline number 13 here\n"
    replace = "line number 10 here\nline numbr 11 here\nCHANGED\nline number 13 here\n"
    new, strategy = applied(old, search, replace)
    assert strategy == "fuzzy"
    assert new == old.replace("line number 12 here\n", "CHANGED\n")


def test_fuzzy_refuses_when_runner_up_is_close() -> None:
    old = "def a():\n    x = 1\n    y = 2\n    z = 3\n\ndef b():\n    x = 1\n    y = 2\n    z = 4\n"
    result = plan_text(old, sr("f.py", "    x = 1\n    y = 22\n    z = 5\n", "    x = 1\n    y = 0\n    z = 5\n"))
    (outcome,) = result.blocks
    assert outcome.status == "refused"
    assert result.files[0].new_text == old


def test_create_file_with_empty_search() -> None:
    result = plan_text(None, sr("new.py", "", "print(1)\n"), path="new.py")
    assert result.all_applied
    assert result.files[0].old_text is None
    assert result.files[0].new_text == "print(1)\n"
    assert result.blocks[0].strategy == "create"


def test_empty_replace_deletes_lines() -> None:
    new, _ = applied(CODE, "    def g(self):\n        y = 2\n        return y\n", "")
    assert new == CODE.replace("    def g(self):\n        y = 2\n        return y\n", "")


def test_sequential_blocks_see_previous_edits() -> None:
    reply = sr("f.py", "        x = 1\n", "        x = 100\n") + sr("f.py", "        x = 100\n        return x\n", "        x = 100\n        return -x\n")
    result = plan_text(CODE, reply)
    assert result.all_applied
    assert result.files[0].new_text == CODE.replace("x = 1\n        return x", "x = 100\n        return -x")


def test_crlf_file_keeps_its_endings() -> None:
    old = CODE.replace("\n", "\r\n")
    new, _ = applied(old, "        x = 1\n", "        x = 1\n        x += 1\n")
    assert new == CODE.replace("x = 1\n", "x = 1\n        x += 1\n").replace("\n", "\r\n")


def test_no_final_newline_is_preserved() -> None:
    new, _ = applied("a\nb", "b\n", "b\nc\n")
    assert new == "a\nb\nc"
    new, _ = applied("a\nb", "b\n", "")
    assert new == "a"


def test_mixed_endings_keep_line_endings_of_untouched_lines() -> None:
    old = "a\r\nb\nc\r\nd\r\n"
    new, _ = applied(old, "b\n", "B\nB2\n")
    assert new == "a\r\nB\r\nB2\r\nc\r\nd\r\n"


def test_udiff_applies() -> None:
    reply = "```diff\n--- a/f.py\n+++ b/f.py\n@@ -5,3 +5,3 @@\n     def f(self):\n-        x = 1\n+        x = 9\n         return x\n```\n"
    result = plan_text(CODE, reply)
    assert result.all_applied, result.retry_message()
    assert result.files[0].new_text == CODE.replace("x = 1", "x = 9")


def test_fuzzy_typo_in_context_keeps_the_file_line() -> None:
    old = "def alpha(x):\n    first = compute(x)\n    second = transform(first)\n    return second\n\n\ndef beta():\n    pass\n"
    search = "def alpha(x):\n    frist = compute(x)\n    second = transform(first)\n    return second\n"
    replace = "def alpha(x):\n    frist = compute(x)\n    second = transform(first, strict=True)\n    return second\n"
    new, strategy = applied(old, search, replace)
    assert strategy == "fuzzy"
    assert new == old.replace("transform(first)", "transform(first, strict=True)")  # 'first' line untouched


def test_fuzzy_deletion_with_typo_is_not_called_already_applied() -> None:
    old = "a_long_line_one = 1\nremove_me_please = 2\nkeep_this_line_three = 3\nkeep_this_line_four = 4\n"
    search = "a_long_line_one = 1\nremove_me_please = 2\nkeep_this_lnie_three = 3\nkeep_this_line_four = 4\n"
    replace = "a_long_line_one = 1\nkeep_this_lnie_three = 3\nkeep_this_line_four = 4\n"
    new, strategy = applied(old, search, replace)
    assert strategy == "fuzzy"
    assert new == "a_long_line_one = 1\nkeep_this_line_three = 3\nkeep_this_line_four = 4\n"


def test_fuzzy_refuses_when_a_quoted_line_is_not_similar() -> None:
    old = "".join(f"line number {i} here\n" for i in range(40))
    search = "line number 10 here\ncompletely different text\nline number 12 here\nline number 13 here\n"
    result = plan_text(old, sr("f.py", search, "x\n"))
    assert result.blocks[0].status == "refused"
    assert result.files[0].new_text == old

from __future__ import annotations

from tierwise.edits import EditBlock, parse_reply

BASIC = """I will change the function.

src/app.py
```python
<<<<<<< SEARCH
def f():
    return 1
=======
def f():
    return 2
>>>>>>> REPLACE
```
That's it.
"""


def test_basic_block_in_fence_with_prose() -> None:
    assert parse_reply(BASIC) == [
        EditBlock("src/app.py", "def f():\n    return 1\n", "def f():\n    return 2\n", "search_replace", 0)
    ]


def test_crlf_and_trailing_spaces_on_markers() -> None:
    reply = BASIC.replace("<<<<<<< SEARCH", "<<<<<<< SEARCH  ").replace("=======", "======= ")
    reply = reply.replace(">>>>>>> REPLACE", ">>>>>>> REPLACE\t").replace("\n", "\r\n")
    blocks = parse_reply(reply)
    assert len(blocks) == 1
    assert blocks[0].search == "def f():\n    return 1\n"
    assert blocks[0].replace == "def f():\n    return 2\n"


def test_without_fence_and_several_files_and_blocks() -> None:
    reply = (
        "a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n\n\n\n"
        "<<<<<<< SEARCH\ny = 1\n=======\ny = 2\n>>>>>>> REPLACE\n"
        "Then in `b/c.py`:\n<<<<<<< SEARCH\nz\n=======\n>>>>>>> REPLACE\n"
    )
    blocks = parse_reply(reply)
    assert [(b.path, b.search, b.replace, b.index) for b in blocks] == [
        ("a.py", "x = 1\n", "x = 2\n", 0),
        ("a.py", "y = 1\n", "y = 2\n", 1),
        ("b/c.py", "z\n", "", 2),
    ]


def test_file_name_inside_fence_and_in_info_string() -> None:
    inside = "```python\npkg/mod.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n"
    info = "```python pkg/other.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n"
    assert [b.path for b in parse_reply(inside + "\n" + info)] == ["pkg/mod.py", "pkg/other.py"]


def test_decorated_file_names() -> None:
    for line in ("**src/x.py**", "`src/x.py`:", "# File: src/x.py", "### src/x.py", "- src/x.py"):
        reply = f"{line}\n```\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n"
        assert [b.path for b in parse_reply(reply)] == ["src/x.py"], line


def test_empty_sections_and_blank_lines_kept() -> None:
    reply = "n.py\n<<<<<<< SEARCH\n=======\n\nline\n\n>>>>>>> REPLACE\n"
    (block,) = parse_reply(reply)
    assert block.search == ""
    assert block.replace == "\nline\n\n"


def test_missing_path_gives_empty_path() -> None:
    (block,) = parse_reply("<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n")
    assert block.path == ""


def test_unterminated_block_is_ignored() -> None:
    assert parse_reply("a.py\n<<<<<<< SEARCH\na\n=======\nb\n") == []


def test_whole_file_block() -> None:
    reply = "Create it:\n\nnew/thing.py\n\n```python\nimport os\n\nprint(os)\n```\n"
    assert parse_reply(reply) == [EditBlock("new/thing.py", "", "import os\n\nprint(os)\n", "whole_file", 0)]


def test_fenced_example_after_prose_is_not_a_file() -> None:
    assert parse_reply("For example:\n```python\nprint(1)\n```\n") == []


def test_whole_file_after_search_replace_fence() -> None:
    reply = "a.py\n```\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n\nb.txt\n```\nhello\n```\n"
    blocks = parse_reply(reply)
    assert [(b.path, b.kind) for b in blocks] == [("a.py", "search_replace"), ("b.txt", "whole_file")]


def test_unified_diff() -> None:
    reply = (
        "```diff\n--- a/q.py\n+++ b/q.py\n@@ -1,4 +1,4 @@\n a\n-b\n+c\n\n d\n@@ -10,2 +10,3 @@\n x\n+y\n```\n"
        "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+one\n+two\n"
    )
    assert [(b.path, b.search, b.replace, b.kind) for b in parse_reply(reply)] == [
        ("q.py", "a\nb\n\nd\n", "a\nc\n\nd\n", "udiff"),
        ("q.py", "x\n", "x\ny\n", "udiff"),
        ("new.py", "", "one\ntwo\n", "udiff"),
    ]


def test_markers_inside_search_content_other_equals_lines() -> None:
    reply = "doc.rst\n<<<<<<< SEARCH\nTitle\n=====\n=======\nTitle!\n=====\n>>>>>>> REPLACE\n"
    (block,) = parse_reply(reply)
    assert block.search == "Title\n=====\n"  # the divider is exactly seven "="


def test_unified_diff_no_newline_marker_and_git_headers() -> None:
    reply = (
        "diff --git a/x.py b/x.py\nindex 1..2 100644\n--- a/x.py\n+++ b/x.py\n"
        "@@ -1,2 +1,2 @@\n a = 1\n-b = 2\n\\ No newline at end of file\n+b = 3\n\\ No newline at end of file\n"
    )
    (block,) = parse_reply(reply)
    assert (block.path, block.search, block.replace) == ("x.py", "a = 1\nb = 2\n", "a = 1\nb = 3\n")


def test_deleting_a_file_by_diff_is_not_supported() -> None:
    assert parse_reply("--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n") == []

"""Later phases do not re-send code the task prefix shows, and review/fix show what changed compactly
(docs/prompts.md, "Layout"): ``engine.shown`` (pointers to the prefix's pack) and ``engine.changed`` (the
definitions enclosing a change, the diff in place)."""

from __future__ import annotations

from tierwise.engine.changed import (
    changed_lines,
    definitions,
    diff_marks,
    file_diffs,
    log_lines,
    plain_lines,
    regions,
    render,
    render_changes,
)
from tierwise.engine.prompts import without_repeats
from tierwise.engine.shown import EDGE_LINES, OTHER_EDGE_LINES, pack_spans, shown_in, verified, without_shown

LONG = ["def long_one(x):", *[f"    step_{i} = x + {i}" for i in range(20)], "    return x", ""]
SHORT = ["def short_one():", "    return 1", ""]
HEAD = ["import os", ""]
FILE = "\n".join([*HEAD, *LONG, *SHORT]) + "\n"
START = len(HEAD) + 1  # line of `def long_one`
END = START + len(LONG) - 2  # its `return x`


def pack_for(text: str) -> str:
    lines = text.splitlines()
    body = "\n".join(lines[START - 1 : END])
    short_at = END + 2
    short = "\n".join(lines[short_at - 1 : short_at + 1])
    return ("## Code that matters for this task (full definitions)\n\n### m.py\n"
            f"Lines {START}-{END}, function `long_one`:\n```python\n{body}\n```\n\n"
            f"Lines {short_at}-{short_at + 1}, function `short_one`:\n```python\n{short}\n```\n")  # fmt: skip


def whole_view(text: str) -> str:
    return f"### m.py\n```python\n{text.rstrip(chr(10))}\n```"


def test_pack_spans_reads_grouped_and_one_heading_bodies() -> None:
    legacy = "### n.py lines 3-5 (function `g`)\n```python\na\nb\nc\n```\n"
    spans = pack_spans(pack_for(FILE) + "\n" + legacy)
    assert [(s.start, s.end, s.label) for s in spans["m.py"]] == [(START, END, "long_one"), (END + 2, END + 3, "short_one")]
    assert spans["n.py"][0].body == "a\nb\nc" and spans["n.py"][0].start == 3


def test_a_definition_the_pack_shows_is_not_repeated_in_implements_view() -> None:
    view = whole_view(FILE)
    out = without_shown(view, "m.py", shown_in(pack_for(FILE), {"m.py": FILE}), focus=["long_one"])
    assert "    step_10 = x + 10" not in out  # the middle is a pointer to the prefix ...
    assert f"(lines {START + EDGE_LINES}-{END - EDGE_LINES} of `long_one` (lines {START}-{END})" in out
    # ... its first and last lines stay, so text reaching across its edges is visible in one piece
    assert "import os\n\ndef long_one(x):\n    step_0 = x + 0" in out
    assert "    step_19 = x + 19\n    return x\n\ndef short_one():\n    return 1" in out  # short: never cut
    assert len(out) < len(view)
    other = without_shown(view, "m.py", shown_in(pack_for(FILE), {"m.py": FILE}))  # a definition the plan does not name
    assert f"(lines {START + OTHER_EDGE_LINES}-{END - OTHER_EDGE_LINES} of `long_one`" in other and len(other) < len(out)


def test_a_definition_that_changed_since_the_pack_is_shown_again() -> None:
    changed = FILE.replace("step_10 = x + 10", "step_10 = x * 10")
    view = whole_view(changed)
    assert without_shown(view, "m.py", shown_in(pack_for(FILE), {"m.py": changed})) == view
    moved = "# a new first line\n" + FILE  # same text, other lines: not the pack's lines any more
    assert verified(pack_spans(pack_for(FILE))["m.py"], moved) == []


def test_numbered_regions_are_cut_and_outlines_kept() -> None:
    lines = FILE.splitlines()
    numbered = "\n".join(f"{n:>2} | {lines[n - 1]}" for n in range(START - 2, END + 3))
    view = (f"### m.py (27 lines: too large to show whole; ...)\nOutline:\n```\n{START:>2} | def long_one(x):\n```\n"
            f"Lines {START - 2}-{END + 2} (long_one):\n```python\n{numbered}\n```")  # fmt: skip
    out = without_shown(view, "m.py", shown_in(pack_for(FILE), {"m.py": FILE}))
    assert f"Outline:\n```\n{START:>2} | def long_one(x):\n```" in out
    kept = (START + OTHER_EDGE_LINES - 1, END - OTHER_EDGE_LINES + 1)
    assert "step_10" not in out and f"{kept[0]:>2} |" in out and f"{kept[1]:>2} |" in out
    assert f"{kept[0] + 1:>2} |" not in out


OLD = "\n".join(["import os", "", "class A:", "    def keep(self):", "        return 0", "",
                 "    def change(self):", "        a = 1", "        return a", "", "def tail():", "    return 2", ""])  # fmt: skip
NEW = OLD.replace("        a = 1\n", "        a = 2\n        b = a\n").replace("        return a", "        return b")
DIFF = """diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -7,4 +7,5 @@ class A:
     def change(self):
-        a = 1
-        return a
+        a = 2
+        b = a
+        return b
""" + " \n"  # a blank context line is one space
OUTLINE = ("### m.py (13 lines: ...)\nOutline:\n```\n 3 | class A:\n 4 |     def keep(self):\n 7 |     def change(\n"
           " 8 |         self,\n 9 |     ):\n12 | def tail():\n```")  # a signature over three rows, as outlines show it


def test_changed_lines_and_the_enclosing_definition() -> None:
    assert changed_lines(DIFF) == {"m.py": [8, 9, 10]}
    lines = NEW.splitlines()
    defs = definitions(OUTLINE, len(lines))
    assert [(d.start, d.end, d.name) for d in defs] == [(3, 11, "A"), (4, 6, "keep"), (7, 11, "change"), (12, 13, "tail")]
    assert regions(lines, defs, [8, 9, 10]) == [(7, 10, "def change(")]  # the method, not the class; no blank end
    view = render("m.py", lines, regions(lines, defs, [8]), "changed")
    assert " 7 |     def change(self):" in view and " 4 |" not in view


def test_review_shows_each_change_once_in_its_enclosing_definition() -> None:
    lines = NEW.splitlines()
    added, removed = diff_marks(DIFF)["m.py"]
    assert added == {8, 9, 10} and removed == {8: ["        a = 1", "        return a"]}
    spans = regions(lines, definitions(OUTLINE, len(lines)), [*added, *removed])
    text = render_changes("m.py", lines, spans, added, removed)
    assert " 7 |     def change(self):\n   -         a = 1\n   -         return a\n 8 +         a = 2" in text
    assert "10 +         return b" in text and "def keep" not in text and "def tail" not in text


def test_log_lines_reads_tracebacks_locations_and_printed_diffs() -> None:
    log = ('File "src/m.py", line 12, in f\nsrc/other.py:40: error\n--- a/src/m.py (now)\n+++ b/src/m.py (expected)\n'
           "@@ -30,2 +30,3 @@\n")  # fmt: skip
    assert log_lines(log, ["src/m.py", "src/other.py"]) == {"src/m.py": [12, 30, 31], "src/other.py": [40]}


def test_related_code_leaves_out_pieces_shown_above_one_by_one() -> None:
    body_a = "def a():\n    return 'the first body, long enough'"
    body_b = "def b():\n    return 'changed, so not shown above yet'"
    related = (f"## Code that matters for this task (full definitions)\n\n### m.py\nLines 1-2, function `a`:\n"
               f"```python\n{body_a}\n```\n\nLines 4-5, function `b`:\n```python\n{body_b}\n```\n")  # fmt: skip
    numbered_view = "### m.py\nLines 1-2 (a):\n```python\n1 | def a():\n2 |     return 'the first body, long enough'\n```"
    out = without_repeats(related, plain_lines(numbered_view))
    assert "def a()" not in out and "def b()" in out and "### m.py" in out
    assert out.rstrip().endswith("(1 related definitions, outlines or map lines are left out here: they are shown, "
                                 "unchanged, above)")  # fmt: skip


def test_related_outline_rows_shown_above_are_left_out() -> None:
    shown = ("### m.py (40 lines)\n```\n 3 | def a():\n 9 | def b(x):\n```\n\n"
             "### o.py (40 lines)\n```\n 3 | def a():\n```")
    related = ("## Outlines of related files (signatures with line numbers)\n\n"
               "### m.py (40 lines)\n```\n 3 | def a():\n 9 | def b(x):\n20 | def c():\n```\n\n"
               "### n.py (12 lines)\n```\n 1 | def a():\n```\n\n### o.py (40 lines)\n```\n 3 | def a():\n```\n")  # fmt: skip
    out = without_repeats(related, shown)
    assert "### m.py (40 lines)\n```\n20 | def c():\n```" in out  # only the new row of m.py
    assert "### n.py (12 lines)\n```\n 1 | def a():" in out  # not shown for n.py (nor anywhere)
    assert "### o.py" not in out  # every row shown above: the outline goes
    assert without_repeats(related, shown.replace("### o.py", "### p.py")).count("### o.py") == 1  # other file


def test_file_diffs_split_git_and_difflib_diffs_and_name_deleted_files() -> None:
    git = (DIFF + "diff --git a/old.py b/old.py\ndeleted file mode 100644\nindex 1..0\n--- a/old.py\n+++ /dev/null\n"
           "@@ -1 +0,0 @@\n-x = 1\n")  # fmt: skip
    parts = file_diffs(git)
    assert [(p, d) for p, d, _ in parts] == [("m.py", False), ("old.py", True)]
    assert parts[1][2].startswith("diff --git a/old.py b/old.py\ndeleted file") and parts[1][2].endswith("-x = 1\n")
    assert parts[0][2].startswith("diff --git a/m.py") and "old.py" not in parts[0][2]
    difflib_style = "--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-y = 2\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a\n+b\n"
    assert [(p, d) for p, d, _ in file_diffs(difflib_style)] == [("gone.py", True), ("m.py", False)]
    assert diff_marks(difflib_style) == {"m.py": ({1}, {1: ["a"]})}

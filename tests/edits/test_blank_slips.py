"""A SEARCH matched with a blank line too many or too few keeps the blank lines REPLACE keeps (audit item 6).

Real text: jinja commit 033c20015c and werkzeug commit 005d93bf34 (CHANGES.rst), a few lines each.
"""

from __future__ import annotations

from ._helpers import plan_text, sr

JINJA_OLD = """.. currentmodule:: jinja2

Version 3.1.5
-------------

Released 2024-12-21
"""
JINJA_NEW = """.. currentmodule:: jinja2

Version 3.1.6
-------------

Unreleased

Version 3.1.5
-------------

Released 2024-12-21
"""


def test_an_extra_blank_line_in_search_does_not_drop_a_blank_line_replace_keeps() -> None:
    search = ".. currentmodule:: jinja2\n\n\nVersion 3.1.5\n-------------\n"  # one blank line too many
    replace = ".. currentmodule:: jinja2\n\nVersion 3.1.6\n-------------\n\nUnreleased\n\nVersion 3.1.5\n-------------\n"
    result = plan_text(JINJA_OLD, sr("CHANGES.rst", search, replace), path="CHANGES.rst")
    assert [(b.status, b.strategy) for b in result.blocks] == [("applied", "blank_lines")]
    assert result.files[0].new_text == JINJA_NEW


WERKZEUG_OLD = """.. currentmodule:: werkzeug

Version 3.1.7
-------------

Unreleased

-   ``parse_list_header`` preserves partially quoted items, discards empty
"""


def test_a_blank_line_missing_from_search_is_not_doubled_when_replace_has_it() -> None:
    search = "Version 3.1.7\n-------------\nUnreleased\n"  # the file has a blank line before "Unreleased"
    replace = "Version 3.1.7\n-------------\n\nReleased 2026-03-23\n"
    result = plan_text(WERKZEUG_OLD, sr("CHANGES.rst", search, replace), path="CHANGES.rst")
    assert [(b.status, b.strategy) for b in result.blocks] == [("applied", "blank_lines")]
    assert result.files[0].new_text == WERKZEUG_OLD.replace("Unreleased", "Released 2026-03-23")


def test_slips_copied_into_replace_are_still_not_spread_into_the_file() -> None:
    old = "a = 1\n\nb = 2\nc = 3\n"
    # the model saw two blank lines and kept them in REPLACE: the file keeps its one
    assert plan_text(old, sr("f.py", "a = 1\n\n\nb = 2\n", "a = 1\n\n\nb = 20\n")).files[0].new_text == (
        "a = 1\n\nb = 20\nc = 3\n"
    )
    # the model missed the blank line in both: inserting or deleting next to it keeps it once
    assert plan_text(old, sr("f.py", "a = 1\nb = 2\n", "a = 1\nx = 0\nb = 2\n")).files[0].new_text == (
        "a = 1\n\nx = 0\nb = 2\nc = 3\n"
    )
    assert plan_text(old, sr("f.py", "a = 1\nb = 2\nc = 3\n", "a = 1\nc = 3\n")).files[0].new_text == "a = 1\n\nc = 3\n"


def test_a_deletion_next_to_a_slip_keeps_the_blank_line_of_the_run_the_file_agrees_on() -> None:
    # found with jinja's pyproject.toml (commit b7ce542db1): SEARCH has a stray blank line after the
    # line before the deleted one
    old = 'dependencies = ["MarkupSafe>=3.0"]\ndynamic = ["version"]\n\n[project.urls]\n'
    search = 'dependencies = ["MarkupSafe>=3.0"]\n\ndynamic = ["version"]\n\n[project.urls]\n'
    replace = 'dependencies = ["MarkupSafe>=3.0"]\n\n[project.urls]\n'
    result = plan_text(old, sr("pyproject.toml", search, replace), path="pyproject.toml")
    assert result.files[0].new_text == 'dependencies = ["MarkupSafe>=3.0"]\n\n[project.urls]\n'


# Found by the edit benchmark (extra_blank: the stray blank line copied into REPLACE), pygments lexers.
def test_lines_added_after_a_copied_stray_blank_line_do_not_keep_it() -> None:
    old = "            (r'--.*?$', Comment.Single),\n            (words((\n                'import', 'renaming', 'hiding',\n"
    search = "            (r'--.*?$', Comment.Single),\n\n            (words((\n                'import', 'renaming', 'hiding',\n"
    added = "            (words(('sorry', 'admit'), prefix=r'\\b', suffix=r'\\b'), Generic.Error),\n        ],\n        'root': [\n"
    replace = search.replace("\n\n", "\n\n" + added)
    result = plan_text(old, sr("theorem.py", search, replace), path="theorem.py")
    assert result.files[0].new_text == old.replace("Comment.Single),\n", "Comment.Single),\n" + added)


def test_a_deleted_stretch_between_two_copies_of_a_line_keeps_the_first_copy() -> None:
    get = "            color = self.colorscheme.get(ttype)\n"
    loop = "            while color is None:\n"
    old = (
        get + loop + "                ttype = ttype.parent\n" + "    " + get
        + "            if color:\n                outfile.write(value)\n"
        + "        for ttype, value in tokensource:\n" + get + loop + "                ttype = ttype[:-1]\n" + "    " + get
    )
    search = old.replace(get + loop, get + "\n" + loop, 1)  # a stray blank line, copied into REPLACE
    replace = get + "\n" + loop + "                ttype = ttype[:-1]\n" + "    " + get
    result = plan_text(old, sr("irc.py", search, replace), path="irc.py")
    assert result.files[0].new_text == get + loop + "                ttype = ttype[:-1]\n" + "    " + get


def test_a_whitespace_only_line_replace_empties_is_emptied() -> None:
    old = "x = (1,\n     2)\n    \ny = 3\nz = 4\n"
    search = "x = (1,\n     2)\n    \ny = 3\n\nz = 4\n"  # a stray blank line between y and z
    replace = "x = (1,\n     2)\n\ny = 3\n\nz = 4\n"  # the whitespace-only line emptied
    assert plan_text(old, sr("f.py", search, replace)).files[0].new_text == "x = (1,\n     2)\n\ny = 3\nz = 4\n"

"""Markdown files sent whole with their own code fences, and ``=======`` lines quoted in SEARCH (audit
items 4 and 5). Real text: tomlkit's README.md, marshmallow commit 17c235a5 (README.rst), a few lines each.
"""

from __future__ import annotations

from pathlib import Path

from tierwise.edits import parse_reply, plan_edits, write_result

from ._helpers import plan_text

README = """## Installation

If you are using [uv](https://docs.astral.sh/uv), you can
add `tomlkit` to your `pyproject.toml` file by using:

```bash
uv add tomlkit
```

Or just:

```bash
uv pip install tomlkit
```
"""


def test_a_markdown_file_sent_whole_keeps_its_inner_fences(tmp_path: Path) -> None:
    reply = "Create the intro page:\n\ndocs/intro.md\n```markdown\n" + README + "```\n\nThat's it.\n"
    result = plan_edits(parse_reply(reply), tmp_path)
    assert [(b.path, b.status, b.strategy) for b in result.blocks] == [("docs/intro.md", "applied", "whole_file")]
    write_result(result, tmp_path)
    assert (tmp_path / "docs/intro.md").read_text() == README


def test_a_longer_outer_fence_and_a_block_after_the_whole_file() -> None:
    reply = "docs/intro.md\n````\n" + README + "````\n\nsrc/a.py\n```python\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n"
    blocks = parse_reply(reply)
    assert [(b.path, b.kind) for b in blocks] == [("docs/intro.md", "whole_file"), ("src/a.py", "search_replace")]
    assert blocks[0].replace == README


def test_an_unbalanced_inner_fence_does_not_swallow_the_next_block() -> None:
    reply = (
        "notes.md\n```markdown\n# Notes\n```python\nprint(1)\n```\n\n"
        "src/a.py\n```python\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n"
    )
    blocks = parse_reply(reply)
    assert [(b.path, b.kind) for b in blocks][-1] == ("src/a.py", "search_replace")


MARSHMALLOW_OLD = """- Issues: https://github.com/marshmallow-code/marshmallow/issues
- Donate: https://opencollective.com/marshmallow

License
=======

MIT licensed. See the bundled `LICENSE <https://github.com/marshmallow-code/marshmallow/blob/pypi/LICENSE>`_ file for more details.
"""
MARSHMALLOW_NEW = MARSHMALLOW_OLD.replace("/blob/pypi/", "/blob/dev/")
OLD_LINE, NEW_LINE = MARSHMALLOW_OLD.splitlines()[-1] + "\n", MARSHMALLOW_NEW.splitlines()[-1] + "\n"


def _rst(search: str, replace: str) -> str:
    return f"README.rst\n```rst\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def test_an_rst_underline_of_seven_equals_in_search_is_not_the_divider() -> None:
    reply = _rst("License\n=======\n\n" + OLD_LINE, "License\n=======\n\n" + NEW_LINE)
    result = plan_text(MARSHMALLOW_OLD, reply, path="README.rst")
    assert [(b.status, b.strategy) for b in result.blocks] == [("applied", "exact")]
    assert result.files[0].new_text == MARSHMALLOW_NEW


def test_a_quoted_git_conflict_in_search_is_resolved_as_meant() -> None:
    conflicted = MARSHMALLOW_OLD.replace(OLD_LINE, "<<<<<<< HEAD\n" + OLD_LINE + "=======\n" + NEW_LINE + ">>>>>>> fix-license-link\n")
    reply = _rst("<<<<<<< HEAD\n" + OLD_LINE + "=======\n" + NEW_LINE + ">>>>>>> fix-license-link\n", NEW_LINE)
    result = plan_text(conflicted, reply, path="README.rst")
    assert result.all_applied
    assert result.files[0].new_text == MARSHMALLOW_NEW


def test_an_underline_added_in_replace_only_still_applies() -> None:
    reply = _rst("License\n", "Licence\n=======\n")
    old = "Intro\n\nLicense\n"
    result = plan_text(old, reply, path="README.rst")
    assert result.all_applied
    assert result.files[0].new_text == "Intro\n\nLicence\n=======\n"


def test_no_split_found_exactly_once_is_refused_with_advice() -> None:
    # the quoted lines are not in the file however the block is split: refused, the file is unchanged
    reply = _rst("License\n=======\n\nMIT licensed.\n", "License\n=======\n\nBSD licensed.\n")
    result = plan_text(MARSHMALLOW_OLD, reply, path="README.rst")
    (block,) = result.blocks
    assert (block.status, block.reason) == ("refused", "ambiguous")
    assert "exactly '======='" in (block.message or "") and "unified diff" in (block.message or "")
    assert result.files[0].new_text == MARSHMALLOW_OLD


def test_a_new_file_whose_replace_has_an_underline_is_created() -> None:
    result = plan_text(None, _rst("", "Title\n=======\n\nText.\n"), path="README.rst")
    assert result.all_applied
    assert result.files[0].new_text == "Title\n=======\n\nText.\n"

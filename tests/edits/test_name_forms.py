"""File names with brackets, parentheses, spaces, ``$``, backslashes and root dotfiles (audit items 1-3).

A name tierwise does not read must never send the block to the previous block's file, nor drop a
whole-file block silently. Real text: werkzeug commit 8760275afb (formparser.py, sansio/multipart.py) and
structlog commit 41b008fe0d (.python-version-default), a few lines each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tierwise.edits import format_blocks, make_blocks, parse_reply, plan_edits, workspace_file_exists
from tierwise.edits.parse import path_from_line

from ._helpers import sr

FORMPARSER = """        if (
            self.max_form_memory_size is not None
            and content_length is not None
            and content_length > self.max_form_memory_size
        ):
            raise RequestEntityTooLarge()
"""
MULTIPART = """        elif (
            self.max_form_memory_size is not None
            and len(self.buffer) + len(data) > self.max_form_memory_size
        ):
            raise RequestEntityTooLarge()
        else:
            self.buffer.extend(data)
"""
COMMENT = (
    "            # Ensure that data within single event does not exceed limit.\n"
    "            # Also checked across accumulated events in MultiPartParser.\n"
)
NAMES = [
    "src/werkzeug/sansio/multipart.py",
    "app/posts/[id]/page.tsx",
    "src/routes/[slug]/+page.svelte",
    "app/(auth)/login/page.tsx",
    "src/$id.py",
    "docs/user guide.md",
    "app/[...slug]/page.tsx",
    "src/routes/+page@(app).svelte",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dressing", ["{}", "`{}`", "**`{}`**:", "File: {}", "{}:"])
def test_route_names_and_spaces_are_names(name: str, dressing: str) -> None:
    assert path_from_line(dressing.format(name)) == name


@pytest.mark.parametrize("dressing", ["{}", "`{}`", "**{}**"])
def test_windows_backslashes_are_folder_separators(dressing: str) -> None:
    assert path_from_line(dressing.format("src\\werkzeug\\sansio\\multipart.py")) == "src/werkzeug/sansio/multipart.py"
    assert path_from_line(dressing.format("src\\_private\\x.py")) == "src/_private/x.py"
    assert path_from_line("\\_\\_init\\_\\_.py") == "__init__.py"  # Markdown escapes, not folders


@pytest.mark.parametrize(
    "line",
    [
        "Here is the change:",
        "Then change src/app.py:",
        "src/app.py is where it lives:",
        "os.getcwd()",
        "print(x.y)",
        "[the docs](docs/index.md)",
        "x[0].py",
        "Update (src/app.py)",
        "user guide.md",  # spaces without a folder are prose unless the whole name is backticked
        "...",
    ],
)
def test_prose_and_code_lines_are_not_names(line: str) -> None:
    assert path_from_line(line) is None


def _workspace(root: Path, second: str) -> Path:
    (root / "src/werkzeug").mkdir(parents=True)
    (root / "src/werkzeug/formparser.py").write_text(FORMPARSER)
    (root / second).parent.mkdir(parents=True, exist_ok=True)
    (root / second).write_text(MULTIPART)
    return root


@pytest.mark.parametrize("name", [*NAMES[:6], "src\\werkzeug\\sansio\\multipart.py"])
def test_each_block_goes_to_its_own_file(tmp_path: Path, name: str) -> None:
    second = name.replace("\\", "/")
    root = _workspace(tmp_path, second)
    first = sr("src/werkzeug/formparser.py", "        if (\n", "        if (  # form\n")
    raise_line = "            raise RequestEntityTooLarge()\n"
    reply = first + "\n" + sr(f"`{name}`", "        ):\n" + raise_line, "        ):\n" + COMMENT + raise_line)
    result = plan_edits(parse_reply(reply, exists=workspace_file_exists(root)), root)
    assert [(b.path, b.status) for b in result.blocks] == [
        ("src/werkzeug/formparser.py", "applied"),
        (second, "applied"),
    ]
    changed = {f.path: f.new_text for f in result.files}
    assert changed["src/werkzeug/formparser.py"] == FORMPARSER.replace("        if (\n", "        if (  # form\n")
    assert changed[second] == MULTIPART.replace("        ):\n", "        ):\n" + COMMENT)


@pytest.mark.parametrize("name", ["src/what?.py", "`src/a|b.py`", "src/tasks#1.py", "`src/<id>.py`", "notes/todo.md."])
def test_a_name_line_that_is_not_accepted_refuses_the_block(tmp_path: Path, name: str) -> None:
    root = _workspace(tmp_path, "src/werkzeug/sansio/multipart.py")
    reply = sr("src/werkzeug/formparser.py", "        ):\n", "        ):  # x\n") + "\n" + sr(name, "        ):\n", "        ):  # y\n")
    reply += "\n<<<<<<< SEARCH\n        if (\n=======\n        if (  # z\n>>>>>>> REPLACE\n"  # no name: not the first file either
    result = plan_edits(parse_reply(reply), root)
    assert [(b.path, b.status, b.reason) for b in result.blocks] == [
        ("src/werkzeug/formparser.py", "applied", None),
        ("", "refused", "no_path"),
        ("", "refused", "no_path"),
    ]
    message = result.retry_message()
    assert "Files left unchanged (all-or-nothing per file): (blocks without a file name)." in message
    assert ": ." not in message


def test_a_prose_line_before_a_block_still_leaves_it_to_the_previous_file() -> None:
    reply = sr("a.py", "x = 1\n", "x = 2\n") + "\nAnd the second change:\n\n<<<<<<< SEARCH\ny\n=======\nz\n>>>>>>> REPLACE\n"
    assert [b.path for b in parse_reply(reply)] == ["a.py", "a.py"]


@pytest.mark.parametrize("name", [".gitignore", ".env", ".editorconfig", ".npmrc", ".python-version-default", ".env.example"])
@pytest.mark.parametrize("dressing", ["{}", "`{}`", "**{}**", "### {}"])
def test_root_dotfiles_are_names(name: str, dressing: str) -> None:
    assert path_from_line(dressing.format(name)) == name


def test_own_format_blocks_output_round_trips_for_a_root_dotfile(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list =\n    py3{13,14}\n")
    (tmp_path / ".python-version-default").write_text("3.13\n")
    blocks = make_blocks("[tox]\nenv_list =\n    py3{13,14}\n", "[tox]\nenv_list =\n    py3{14,15}\n", "tox.ini")
    blocks += make_blocks("3.13\n", "3.14\n", ".python-version-default", start_index=len(blocks))
    parsed = parse_reply(format_blocks(blocks), exists=workspace_file_exists(tmp_path))
    assert [b.path for b in parsed] == ["tox.ini", ".python-version-default"]
    result = plan_edits(parsed, tmp_path)
    assert result.all_applied
    assert {f.path: f.new_text for f in result.files}[".python-version-default"] == "3.14\n"


@pytest.mark.parametrize(
    "name", ["app/posts/[id]/page.tsx", "src\\util\\helpers.py", "docs/user guide.md", ".gitignore", "app/(auth)/login/page.tsx"]
)
def test_whole_file_blocks_with_such_names_create_the_file(tmp_path: Path, name: str) -> None:
    reply = sr("src/app.py", "x = 1\n", "x = 2\n") + f"\n{name}\n```\nprint('new file')\n```\n"
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text("x = 1\n")
    result = plan_edits(parse_reply(reply), tmp_path)
    assert [(b.path, b.status, b.strategy) for b in result.blocks] == [
        ("src/app.py", "applied", "exact"),
        (name.replace("\\", "/"), "applied", "whole_file"),
    ]


def test_a_whole_file_block_under_a_name_that_is_not_accepted_is_refused_not_dropped(tmp_path: Path) -> None:
    reply = sr("src/app.py", "x = 1\n", "x = 2\n") + "\nsrc/what?.py\n```\nprint('new file')\n```\n"
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text("x = 1\n")
    result = plan_edits(parse_reply(reply), tmp_path)
    assert [(b.status, b.reason) for b in result.blocks] == [("applied", None), ("refused", "no_path")]
    assert not result.all_applied


def test_a_fenced_example_after_prose_naming_a_file_is_still_no_block() -> None:
    assert parse_reply("Run it with python main.py:\n```sh\npython main.py\n```\n") == []


def _two_blocks(prose: str) -> str:
    return ("first.py\n<<<<<<< SEARCH\na = 1\n=======\na = 2\n>>>>>>> REPLACE\n\n"
            f"{prose}\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n")


@pytest.mark.parametrize("prose", ["Now the same in app.py:", "Edit app.py", "In src/app.py, rename it:"])
def test_a_block_whose_prose_names_another_existing_file_does_not_go_to_the_previous_one(prose: str) -> None:
    exists = {"first.py", "app.py", "src/app.py"}.__contains__
    blocks = parse_reply(_two_blocks(prose), exists=exists)
    assert [b.path for b in blocks] == ["first.py", ""]  # refused as no_path, the model names the file
    backticked = parse_reply(_two_blocks("Update `src/app.py` too"), exists=exists)  # one backticked path: it
    assert [b.path for b in backticked] == ["first.py", "src/app.py"]


@pytest.mark.parametrize("prose", ["Also in first.py:", "Then rename it (see os.path.join):", "Here is the next part:",
                                   "Now in notes.txt, which does not exist:"])
def test_a_block_whose_prose_names_the_same_file_or_no_existing_one_keeps_the_previous_file(prose: str) -> None:
    exists = {"first.py", "app.py"}.__contains__
    assert [b.path for b in parse_reply(_two_blocks(prose), exists=exists)] == ["first.py", "first.py"]


async def test_the_model_is_asked_to_name_the_file(tmp_path: Path) -> None:
    from tierwise.engine.editing import apply_reply
    from tierwise.headless.files import DiskFiles

    (tmp_path / "first.py").write_text("a = 1\nx = 1\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    report = await apply_reply(DiskFiles(tmp_path), tmp_path, _two_blocks("Now the same in app.py:"))
    assert (tmp_path / "first.py").read_text() == "a = 2\nx = 1\n"  # x = 1 there was not touched
    assert (tmp_path / "app.py").read_text() == "x = 1\n"
    assert report.refused and "file" in report.retry_message.lower()

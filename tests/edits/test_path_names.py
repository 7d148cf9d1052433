"""File names that begin or end with underscores are names, not Markdown emphasis (issue #12, item 1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tierwise.edits import parse_reply, plan_edits, workspace_file_exists
from tierwise.edits.parse import path_from_line

REAL_NAMES = ["_pytest/__init__.py", "_pytest/_code/code.py", "__main__.py", "__init__.py", "pkg/_private_.py", "_x.py"]


@pytest.mark.parametrize("name", REAL_NAMES)
@pytest.mark.parametrize("dressing", ["{}", "`{}`", "**{}**", "**`{}`**:", "# File: {}", "- {}", "{}:"])
def test_leading_and_inner_underscores_are_kept(name: str, dressing: str) -> None:
    assert path_from_line(dressing.format(name)) == name


def test_only_matched_pairs_around_the_whole_name_are_stripped() -> None:
    assert path_from_line("*src/x.py*") == "src/x.py"
    assert path_from_line("__src/x.py__") == "src/x.py"  # bold with underscores
    assert path_from_line("_src/x.py_") == "src/x.py"  # italics with underscores
    assert path_from_line("\\_pytest/\\_\\_init\\_\\_.py") == "_pytest/__init__.py"  # escaped underscores
    # '*' is never part of a name tierwise accepts: '*args.py' is read as emphasis that lost its partner
    assert path_from_line("*args.py") == "args.py"


def _reply(name_line: str) -> str:
    return f"{name_line}\n```python\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n"


def test_decorated_spelling_wins_only_when_it_alone_exists(tmp_path: Path) -> None:
    (tmp_path / "x.py__").write_text("x = 1\n")  # a strange but real name
    (tmp_path / "__y.py__").write_text("x = 1\n")
    (tmp_path / "y.py").write_text("x = 1\n")  # both exist: the bare name wins (it is the usual reading)
    exists = workspace_file_exists(tmp_path)
    assert [b.path for b in parse_reply(_reply("__y.py__"), exists=exists)] == ["y.py"]
    (tmp_path / "__z.py__").write_text("x = 1\n")
    assert [b.path for b in parse_reply(_reply("__z.py__"), exists=exists)] == ["__z.py__"]
    assert [b.path for b in parse_reply(_reply("__z.py__"))] == ["z.py"]  # no file system: decoration
    assert [b.path for b in parse_reply(_reply("__new.py__"), exists=exists)] == ["new.py"]  # neither exists


def _workspace(root: Path) -> Path:
    for name in REAL_NAMES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n", encoding="utf-8")
    return root


def test_blocks_for_real_underscore_paths_apply(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    dressings = ("{}", "`{}`", "**{}**", "**`{}`**:", "{}:", "# File: {}")
    reply = "\n".join(_reply(d.format(n)) for n, d in zip(REAL_NAMES, dressings, strict=True))
    result = plan_edits(parse_reply(reply, exists=workspace_file_exists(root)), root)
    assert [b.reason for b in result.blocks if b.status == "refused"] == []
    assert sorted(f.path for f in result.files) == sorted(REAL_NAMES)


def test_cli_apply_writes_underscore_paths(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    reply = tmp_path / "reply.md"
    reply.write_text("".join(_reply(n) for n in REAL_NAMES), encoding="utf-8")
    cmd = [sys.executable, "-m", "tierwise", "apply", str(reply), "--workspace", str(root), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {row["file"] for row in json.loads(done.stdout)} == set(REAL_NAMES)
    assert all((root / n).read_text() == "x = 2\n" for n in REAL_NAMES)

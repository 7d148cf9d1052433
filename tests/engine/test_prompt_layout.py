"""The cache-friendly layout's two de-duplications (docs/prompts.md, "Layout"): implement does not repeat an
unchanged file after the shared block, and fix leaves out related code the task prefix already shows."""

from __future__ import annotations

from pathlib import Path

from engine_support import ScriptedModels, make_engine, plan_text, write_files

from tierwise.config.model import Config
from tierwise.engine.prompts import varying_tail, without_repeats

SHOWN = ("## Code that matters\n\n### a.py lines 1-3 (function `f`)\n```python\ndef f():\n    return 'a long enough body'\n```\n"
         "\n## Other files\nd.py: alpha, beta, gamma\n")


def test_without_repeats_drops_sections_the_prefix_shows_byte_for_byte() -> None:
    related = (
        "## Code that matters for this failure\n\n"
        "### a.py lines 1-3 (function `f`)\n```python\ndef f():\n    return 'a long enough body'\n```\n\n"
        "### b.py lines 4-6 (function `g`)\n```python\ndef g():\n    return 'changed since the task started'\n```\n\n"
        "## Other files\nc.py: h, i, j, k\nd.py: alpha, beta, gamma\n"
    )
    out = without_repeats(related, SHOWN)
    assert "def f()" not in out and "def g()" in out and "c.py: h, i, j, k" in out and "d.py" not in out
    assert out.startswith("## Code that matters for this failure") and "## Other files\nc.py" in out
    assert out.rstrip().endswith(
        "(2 related definitions, outlines or map lines are left out here: they are shown, unchanged, above)")


def test_without_repeats_keeps_a_pack_with_nothing_repeated_and_short_bodies() -> None:
    related = "### b.py lines 4-6 (function `g`)\n```python\ndef g():\n    return 'new text here, not above'\n```\n"
    assert without_repeats(related, SHOWN) == related
    assert without_repeats(related, "") == related
    short = "### a.py\nx = 1\n"  # too short to tell a repeat from a coincidence
    assert without_repeats(short, "x = 1 and more") == short


A_TEXT = "def a():\n    return 'a'\n"
B_TEXT = "def b():\n    return 'b'\n"
EDIT_A = "a.py\n<<<<<<< SEARCH\n    return 'a'\n=======\n    return 'A'\n>>>>>>> REPLACE\n"
EDIT_A_AND_B = EDIT_A + "\nb.py\n<<<<<<< SEARCH\n    return 'b'\n=======\n    return 'B?'\n>>>>>>> REPLACE\n"
EDIT_B = "b.py\n<<<<<<< SEARCH\n    return 'b'\n=======\n    return 'B'\n>>>>>>> REPLACE\n"
PLAN = plan_text("- modify `a.py`: return 'A'\n- modify `b.py`: return 'B'")


async def _implement(workspace: Path, first: str, second: str, paths: tuple[str, ...] = ()) -> ScriptedModels:
    write_files(workspace, {"a.py": A_TEXT, "b.py": B_TEXT})
    models = ScriptedModels({"plan": [PLAN], "implement": [first, second]})
    engine = make_engine(workspace, models, config=Config())
    state = await engine.run("Upper-case the letters", phases=["plan", "implement"], paths=paths)
    assert state.status == "done", state.message
    return models


async def test_implement_calls_point_to_the_block_for_an_unchanged_file(workspace: Path) -> None:
    models = await _implement(workspace, EDIT_A, EDIT_B)
    one, two = (c.messages for c in models.calls if c.action == "implement")
    assert one[:-1] == two[:-1]  # everything but the tail is the same bytes
    for messages, path in ((one, "a.py"), (two, "b.py")):
        block = messages[-2].content
        assert "return 'a'" in block and "return 'b'" in block  # both files, as implementation began
        tail = varying_tail(messages)[-1].content
        assert f"Your file: `{path}`" in tail
        assert f"(unchanged since implementation began: exactly as shown above under `{path}`)" in tail
        assert "def " not in tail  # the file is not sent twice


async def test_implement_shows_a_file_again_when_it_changed_since_the_block(workspace: Path) -> None:
    models = await _implement(workspace, EDIT_A_AND_B, "b.py\n<<<<<<< SEARCH\n    return 'B?'\n=======\n"
                                                       "    return 'B'\n>>>>>>> REPLACE\n")
    two = [c.messages for c in models.calls if c.action == "implement"][1]
    tail = varying_tail(two)[-1].content
    assert "return 'B?'" in tail and "unchanged since" not in tail
    assert (workspace / "b.py").read_text() == "def b():\n    return 'B'\n"


async def test_implement_points_to_a_named_file_the_prefix_shows_unchanged(workspace: Path) -> None:
    models = await _implement(workspace, EDIT_A, EDIT_B, paths=("b.py",))
    one, two = (c.messages for c in models.calls if c.action == "implement")
    assert one[:-1] == two[:-1]
    prefix_files = one[1].content
    assert "return 'b'" in prefix_files and "return 'b'" not in one[-2].content  # b.py once, in the prefix
    tail = varying_tail(two)[-1].content
    assert "(unchanged since the task started: exactly as shown above among the files you named, `b.py`)" in tail
    assert (workspace / "b.py").read_text() == "def b():\n    return 'B'\n"

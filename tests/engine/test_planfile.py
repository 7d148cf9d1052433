from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import plan_text
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.engine.planfile import (
    SECTIONS,
    Plan,
    PlanFile,
    PlanInvalid,
    extract_plan_text,
    load_valid_plan,
    parse_plan,
    render_plan,
    validate_plan,
)


def test_parses_every_section_and_file_bullets(tmp_path: Path) -> None:
    text = plan_text(
        "- modify `src/app.py`: fix the median for even lengths\n"
        "  and raise ValueError on empty input\n"
        "- **create** tests/test_new.py — tests for the new behaviour\n"
        "- delete `old.py`"
    )
    plan = parse_plan(text)
    assert plan.title == "Plan: test"
    assert plan.missing_sections == []
    assert plan.goal == "Fix the bug."
    assert [(f.action, f.path) for f in plan.files] == [
        ("modify", "src/app.py"),
        ("create", "tests/test_new.py"),
        ("delete", "old.py"),
    ]
    assert plan.files[0].description == "fix the median for even lengths\nand raise ValueError on empty input"
    assert plan.files[1].description == "tests for the new behaviour"
    assert plan.test_strategy == "Run the existing tests."


def test_heading_variants_and_synonyms() -> None:
    text = (
        "# Title\n## 1. Goal\nx\n## Constraints:\ny\n### Files\n- edit src/a.py: change it\n- add b.py: new\n"
        "## API changes\nNone.\n## Data model changes\nNone.\n## Dependencies\nNone.\n## Testing strategy\nt\n"
        "## Success Criteria\ns\n"
    )
    plan = parse_plan(text)
    assert plan.missing_sections == []
    assert [(f.action, f.path, f.description) for f in plan.files] == [
        ("modify", "src/a.py", "change it"),
        ("create", "b.py", "new"),
    ]


def test_missing_sections_and_unreadable_bullets_are_errors(tmp_path: Path) -> None:
    text = "# Plan\n## Goal and user requirements\nx\n## Files\n- rewrite everything in app.py\n"
    with pytest.raises(PlanInvalid) as info:
        load_valid_plan(text, tmp_path)
    errors = "\n".join(info.value.errors)
    for heading in ("Constraints", "API contract changes", "Success criteria"):
        assert f"missing section '## {heading}'" in errors
    assert "cannot read 'rewrite everything in app.py'" in errors


@pytest.mark.parametrize("path", ["../outside.py", "/etc/passwd", ".git/config", ".tierwise/tasks/x/task.json"])
def test_files_outside_the_workspace_are_rejected(tmp_path: Path, path: str) -> None:
    with pytest.raises(PlanInvalid) as info:
        load_valid_plan(plan_text(f"- modify `{path}`: no"), tmp_path)
    assert any(path.strip("/").split("/")[0] in e or "outside" in e or "absolute" in e for e in info.value.errors)


def test_symlink_escape_is_rejected(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(PlanInvalid, match="symbolic link"):
        load_valid_plan(plan_text("- create `link/x.py`: no"), root)


def test_existence_rules(tmp_path: Path) -> None:
    (tmp_path / "present.py").write_text("x = 1\n")

    def exists(p: str) -> bool:
        return (tmp_path / p).exists()

    with pytest.raises(PlanInvalid, match="missing.py does not exist"):
        load_valid_plan(plan_text("- modify `missing.py`: x"), tmp_path, exists)
    plan = load_valid_plan(plan_text("- create `present.py`: x\n- create `new.py`: y"), tmp_path, exists)
    assert [(f.action, f.path) for f in plan.files] == [("modify", "present.py"), ("create", "new.py")]


def test_duplicates_empty_files_and_code_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(PlanInvalid, match="listed twice"):
        load_valid_plan(plan_text("- modify `a.py`: x\n- modify `./a.py`: y"), tmp_path)
    with pytest.raises(PlanInvalid, match="names no file"):
        load_valid_plan(plan_text("Nothing to do."), tmp_path)
    code = "```python\n" + "\n".join(f"line_{i} = {i}" for i in range(30)) + "\n```"
    with pytest.raises(PlanInvalid, match="never contains code"):
        load_valid_plan(plan_text("- modify `a.py`: x") + "\n" + code, tmp_path)


def test_extract_plan_text_strips_fences_and_chatter() -> None:
    body = plan_text("- modify `a.py`: x")
    assert extract_plan_text(f"```markdown\n{body}```") == body
    assert extract_plan_text(f"Sure! Here is the plan:\n\n{body}") == body


def test_render_is_parsed_back(tmp_path: Path) -> None:
    plan = load_valid_plan(plan_text("- modify `a.py`: two\n  lines\n- delete `b.py`: gone"), tmp_path)
    again = validate_plan(parse_plan(render_plan(plan)), tmp_path)
    assert again == plan


_text = st.text(alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" .,()"), min_size=1,
                max_size=40).map(str.strip).filter(bool)
_path = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=3).map(
    lambda parts: "/".join(parts) + ".py"
)


@settings(max_examples=60, deadline=None)
@given(
    files=st.lists(st.tuples(st.sampled_from(["modify", "create", "delete"]), _path, _text), min_size=1, max_size=5,
                   unique_by=lambda f: f[1]),
    sections=st.lists(_text, min_size=7, max_size=7),
)
def test_render_parse_roundtrip_property(files: list[tuple[str, str, str]], sections: list[str]) -> None:
    fields = [key for key, _ in SECTIONS if key != "files"]
    plan = Plan(
        title="Plan: x",
        files=[PlanFile(action=a, path=p, description=d) for a, p, d in files],  # type: ignore[arg-type]
        **dict(zip(fields, sections, strict=True)),
    )
    parsed = parse_plan(render_plan(plan))
    assert parsed.missing_sections == [] and parsed.parse_errors == []
    assert parsed.files == plan.files
    assert [getattr(parsed, f) for f in fields] == sections

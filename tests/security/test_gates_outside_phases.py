"""Changes made outside a phase's reply loop — a quick fix, a reviewer's suggestion applied from the editor —
obey the same rules as fix replies: no test infrastructure, never tierwise's configuration."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tierwise.engine.quickfix import QuickFixFailed, _changes_for
from tierwise.headless.files import DiskFiles
from tierwise.lsp.suggestions import SuggestionDoesNotApply, changes_for_suggestion


def _block(path: str, search: str, replace: str) -> str:
    return f"{path}\n```\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "app.py").write_text("def f():\n    return 1\n")
    (root / "tests" / "test_app.py").write_text("def test_f():\n    assert False\n")
    (root / "pyproject.toml").write_text('[project]\nname = "p"\n\n[tool.tierwise.loop]\ntest_command = "pytest"\n')
    return root


async def _suggest(project: Path, suggestion: str):  # noqa: ANN202 - list[FileChange]
    return await changes_for_suggestion(DiskFiles(project), project, suggestion)  # type: ignore[arg-type]


async def test_a_reviewer_suggestion_may_not_weaken_a_test(project: Path) -> None:
    with pytest.raises(SuggestionDoesNotApply, match="test infrastructure"):
        await _suggest(project, _block("tests/test_app.py", "    assert False\n", "    assert True\n"))
    assert "assert False" in (project / "tests" / "test_app.py").read_text()


async def test_a_reviewer_suggestion_may_not_change_tierwise_configuration(project: Path) -> None:
    with pytest.raises(SuggestionDoesNotApply, match=r"\[tool.tierwise\]"):
        await _suggest(project, _block("pyproject.toml", 'test_command = "pytest"\n', 'test_command = "true"\n'))


async def test_a_reviewer_suggestion_may_not_reach_a_protected_location(project: Path) -> None:
    (project / "gitlink").symlink_to(".git")
    (project / ".git").mkdir()
    with pytest.raises(SuggestionDoesNotApply):
        await _suggest(project, "gitlink/config\n```\n<<<<<<< SEARCH\n=======\n[core]\n>>>>>>> REPLACE\n```\n")
    with pytest.raises(SuggestionDoesNotApply, match="no SEARCH/REPLACE block"):
        await _suggest(project, "Just rename the function.")
    assert not (project / ".git" / "config").exists()


async def test_a_stale_reviewer_suggestion_says_so(project: Path) -> None:
    with pytest.raises(SuggestionDoesNotApply, match="app.py"):
        await _suggest(project, _block("app.py", "    return 42\n", "    return 2\n"))


async def test_a_reviewer_suggestion_on_code_still_applies(project: Path) -> None:
    [change] = await _suggest(project, _block("app.py", "    return 1\n", "    return 2\n"))
    assert change.path == "app.py" and change.new_text == "def f():\n    return 2\n"
    assert change.base.text == "def f():\n    return 1\n"


async def test_a_quick_fix_may_not_create_a_conftest(project: Path) -> None:
    ctx = SimpleNamespace(files=DiskFiles(project), root=project)
    reply = _block("tests/test_app.py", "    assert False\n", "    assert True\n")
    with pytest.raises(QuickFixFailed, match="test infrastructure"):
        await _changes_for(ctx, reply, "tests/test_app.py")  # type: ignore[arg-type]
    created = "conftest.py\n```\n<<<<<<< SEARCH\n=======\nimport os\n>>>>>>> REPLACE\n```\n"
    with pytest.raises(QuickFixFailed):
        await _changes_for(ctx, created, "conftest.py")  # type: ignore[arg-type]
    assert not (project / "conftest.py").exists()

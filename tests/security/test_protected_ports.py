"""The one protected-location check (tierwise.protected) as every FilesPort and plan validation use it:
resolved paths, creates and deletes, parent-folder symlinks, a .git *file* pointing at the real git dir,
and case-insensitive file systems."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tierwise.edits import PathOutsideWorkspace, resolve_for_write
from tierwise.engine.planfile import PlanInvalid, load_valid_plan
from tierwise.engine.ports import Document, FileChange
from tierwise.headless.files import DiskFiles
from tierwise.lsp.files import delete_disk, write_disk
from tierwise.lsp.paths import OutsideWorkspace
from tierwise.protected import Protection, is_case_insensitive

PLAN = """# Plan

## Goal and user requirements
x

## Constraints
x

## Files
- modify `{path}`: change it

## API contract changes
None.

## Data model or migration changes
None.

## Dependency changes
None.

## Test strategy
x

## Success criteria
x
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".tierwise").mkdir()
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("x = 1\n")
    (root / ".tierwise.toml").write_text("[loop]\ntest_command = 'pytest'\n")
    (root / "gitlink").symlink_to(".git")
    (root / "hooks").symlink_to(".git/hooks")
    (root / "twlink").symlink_to(".tierwise")
    (root / "cfg.toml").symlink_to(".tierwise.toml")
    return root


HOSTILE = ["gitlink/config", "gitlink/hooks/pre-commit", "hooks/pre-push", "twlink/evil.txt", "cfg.toml",
           ".tierwise.toml", ".git/config", "src/.git/config", ".Git/config", ".tierwise/evil.txt"]


@pytest.mark.parametrize("path", HOSTILE)
async def test_disk_port_refuses_creates_changes_and_deletes(repo: Path, path: str) -> None:
    files = DiskFiles(repo)
    config_before = (repo / ".git" / "config").read_bytes()
    target = (repo / path)
    existing = target.is_file()
    base = Document(path, target.read_text() if existing else None)
    changes = [FileChange(path, base, "evil\n")] + ([FileChange(path, base, None)] if existing else [])
    outcome = await files.apply(changes)
    assert outcome.applied == [] and path in outcome.rejected
    assert (repo / ".git" / "config").read_bytes() == config_before
    assert not (repo / ".git" / "hooks" / "pre-commit").exists() and not (repo / ".tierwise" / "evil.txt").exists()


@pytest.mark.parametrize("path", HOSTILE)
def test_editor_port_disk_writes_refuse_too(repo: Path, path: str) -> None:
    with pytest.raises(OutsideWorkspace):
        write_disk(repo, path, "evil\n")
    if (repo / path).is_file():
        with pytest.raises(OutsideWorkspace):
            delete_disk(repo, path)
    assert (repo / ".tierwise.toml").read_text().startswith("[loop]")


@pytest.mark.parametrize("path", HOSTILE)
def test_plan_validation_refuses_with_a_reason(repo: Path, path: str) -> None:
    with pytest.raises(PlanInvalid) as err:
        load_valid_plan(PLAN.format(path=path), repo, None)
    assert any(word in str(err.value) for word in ("resolves", "never edits", "protected"))


async def test_ordinary_files_stay_writable(repo: Path) -> None:
    outcome = await DiskFiles(repo).apply([FileChange("src/app.py", Document("src/app.py", "x = 1\n"), "x = 2\n")])
    assert outcome.applied == ["src/app.py"] and (repo / "src" / "app.py").read_text() == "x = 2\n"
    load_valid_plan(PLAN.format(path="src/app.py"), repo, None)


def test_a_git_file_pointing_into_the_workspace_protects_that_folder(tmp_path: Path) -> None:
    root = tmp_path / "sep"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "--separate-git-dir", str(root / "gitdata"), str(root)], check=True)
    assert (root / ".git").is_file()
    with pytest.raises(PathOutsideWorkspace, match="gitdata"):
        resolve_for_write(root, "gitdata/config")
    with pytest.raises(PathOutsideWorkspace):
        resolve_for_write(root, "gitdata/hooks/pre-commit")


def test_case_insensitive_file_systems_compare_folded(tmp_path: Path) -> None:
    root = str(tmp_path)
    folded = Protection(root, True, (f"{root}/.git", f"{root}/.tierwise"), (f"{root}/.tierwise.toml",))
    assert folded.reason(f"{root}/.GIT/hooks/pre-commit") is not None
    assert folded.reason(f"{root}/.TierWise.TOML") is not None
    assert folded.reason(f"{root}/src/.Git/config") is not None
    exact = Protection(root, False, (f"{root}/.git",), (f"{root}/.tierwise.toml",))
    assert exact.reason(f"{root}/.TierWise.TOML") is None  # another file on a case-sensitive system
    # detection probes the file system instead of assuming it from the platform
    probe = tmp_path / "Probe"
    probe.mkdir()
    assert is_case_insensitive(str(probe)) == (tmp_path / "pROBE").exists()


def test_the_user_configuration_file_is_protected_where_it_lives(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "home-ws"
    (root / "xdg" / "tierwise").mkdir(parents=True)
    (root / "xdg" / "tierwise" / "config.toml").write_text("[loop]\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "xdg"))
    with pytest.raises(PathOutsideWorkspace, match="configuration"):
        resolve_for_write(root, "xdg/tierwise/config.toml")
    with pytest.raises(PlanInvalid):
        load_valid_plan(PLAN.format(path="xdg/tierwise/config.toml"), root, None)


def test_pyproject_edits_may_not_touch_the_tierwise_table() -> None:
    from tierwise.testinfra import config_content_reason

    old = '[project]\nname = "a"\n\n[tool.tierwise.loop]\ntest_command = "pytest"\n'
    assert config_content_reason("pyproject.toml", old, old.replace('"a"', '"b"')) is None  # other parts: fine
    assert config_content_reason("pyproject.toml", old, old.replace('"pytest"', '"true"')) is not None
    assert config_content_reason("pyproject.toml", old, old + "[tool.tierwise]\nescalate_after = 1\n") is not None
    assert config_content_reason("pyproject.toml", None, '[tool.tierwise.loop]\ntest_command = "true"\n')
    assert config_content_reason("pyproject.toml", old, old + "[[broken") is not None  # unparsable


async def test_deleting_a_link_deletes_the_link_not_its_target(repo: Path) -> None:
    """A plan's `delete notes.md` where notes.md is a link to README.md removes the link; README.md stays."""
    (repo / "README.md").write_text("read me\n")
    for name in ("notes.md", "notes2.md"):
        (repo / name).symlink_to("README.md")
    outcome = await DiskFiles(repo).apply([FileChange("notes.md", Document("notes.md", "read me\n"), None)])
    assert outcome.applied == ["notes.md"] and not outcome.rejected
    assert not (repo / "notes.md").is_symlink() and not (repo / "notes.md").exists()
    delete_disk(repo, "notes2.md")  # the language server's fallback when the editor cannot delete files
    assert not (repo / "notes2.md").is_symlink()
    assert (repo / "README.md").read_text() == "read me\n"


async def test_deleting_a_link_into_a_protected_place_is_refused(repo: Path) -> None:
    outcome = await DiskFiles(repo).apply([FileChange("cfg.toml", Document("cfg.toml", "x"), None)])
    assert outcome.applied == [] and "cfg.toml" in outcome.rejected
    assert (repo / "cfg.toml").is_symlink() and (repo / ".tierwise.toml").is_file()
    with pytest.raises(OutsideWorkspace):
        delete_disk(repo, "hooks")
    assert (repo / "hooks").is_symlink()

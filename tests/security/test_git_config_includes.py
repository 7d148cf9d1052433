"""A workspace file the repository's config includes (``include.path``, ``includeIf.<condition>.path``) is
git configuration: a reply that writes it could set ``core.hooksPath``, a filter or ``core.fsmonitor``. Such
files are protected locations — existing or not, whatever the include's condition, also when an include
is added while tierwise runs. Real git repositories, the real write gate."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tierwise.edits import PathOutsideWorkspace, resolve_for_write
from tierwise.protected import protected_reason

REASON = "git reads its configuration from it"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "global.gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=60)


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "tools").mkdir(parents=True)
    (root / "app.py").write_text("x = 1\n")
    (root / "tools" / "gitconfig").write_text("[alias]\n\tst = status -sb\n")  # shared aliases, a diff driver
    git(root, "init", "-q")
    return root


def _refused(root: Path, rel: str) -> str:
    reason = protected_reason(root, root / rel)
    assert reason is not None and REASON in reason, (rel, reason)
    with pytest.raises(PathOutsideWorkspace, match=REASON):
        resolve_for_write(root, rel)
    return reason


def test_an_included_workspace_file_is_protected(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    git(root, "config", "include.path", "../tools/gitconfig")  # relative to .git/config's folder
    assert "tools/gitconfig" in _refused(root, "tools/gitconfig")
    assert protected_reason(root, root / "tools" / "gitconfig", write=False) is None  # may be read
    assert protected_reason(root, root / "app.py") is None
    assert protected_reason(root, root / "tools" / "other.py") is None


def test_includes_that_do_not_exist_yet_or_whose_condition_fails_are_protected(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    git(root, "config", "include.path", "../tools/missing.gitconfig")
    git(root, "config", "includeIf.gitdir:/nowhere/.path", str(root / "tools" / "elsewhere"))
    git(root, "config", "includeIf.onbranch:release/**.path", "../conf/release.gitconfig")
    for rel in ("tools/missing.gitconfig", "tools/elsewhere", "conf/release.gitconfig"):
        _refused(root, rel)


def test_an_include_added_while_tierwise_runs_is_seen(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    git(root, "config", "include.path", "../tools/gitconfig")
    _refused(root, "tools/gitconfig")
    assert protected_reason(root, root / "tools" / "more.gitconfig") is None  # asked and cached
    with open(root / "tools" / "gitconfig", "a") as config:  # the user chains another file
        config.write("[include]\n\tpath = more.gitconfig\n")
    _refused(root, "tools/more.gitconfig")


def test_a_link_to_an_included_file_is_refused(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    git(root, "config", "include.path", "../tools/gitconfig")
    (root / "cfg").symlink_to("tools/gitconfig")
    assert REASON in (protected_reason(root, root / "cfg") or "")
    with pytest.raises(PathOutsideWorkspace):
        resolve_for_write(root, "cfg")

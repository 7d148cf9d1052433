"""The one workspace listing shared by the editor and headless file ports and the edit engine."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tierwise.workspace_files import is_ignored_dir, list_workspace_files, walk_files


def make(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n", encoding="utf-8")


def test_walk_skips_vcs_state_dependencies_and_virtualenvs(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "src/m.py", ".git/HEAD", ".tierwise/ledger.jsonl", "node_modules/x/i.js",
         "myenv/pyvenv.cfg", "myenv/lib/site.py", "pkg.egg-info/PKG-INFO", "build/out.txt", ".github/ci.yml")
    assert walk_files(tmp_path) == [".github/ci.yml", "a.py", "src/m.py"]
    assert is_ignored_dir(tmp_path / "myenv") and not is_ignored_dir(tmp_path / "src")


def test_walk_stops_at_the_limit(tmp_path: Path) -> None:
    make(tmp_path, *(f"f{i:02}.txt" for i in range(10)))
    assert len(walk_files(tmp_path, limit=4)) == 4


def test_in_git_the_listing_follows_gitignore(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    make(tmp_path, "a.py", "secret.log", "node_modules/x/i.js", "src/new.py")
    (tmp_path / ".gitignore").write_text("*.log\n", encoding="utf-8")
    assert list_workspace_files(tmp_path) == [".gitignore", "a.py", "src/new.py"]


def test_outside_git_the_listing_walks(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "secret.log")
    assert list_workspace_files(tmp_path) == ["a.py", "secret.log"]


def test_in_git_only_files_that_exist_are_listed_without_a_stat_per_file(tmp_path: Path) -> None:
    """Deleted tracked files, submodules and links to folders are left out, links to files and untracked
    files kept, names with spaces and tabs read whole — as one ``stat`` per file decided before."""

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=tmp_path, check=True,
                       capture_output=True)  # fmt: skip

    git("init", "-q")
    make(tmp_path, "keep.py", "gone.py", "dir/inner.py", "with space.py", "tab\there.py")
    (tmp_path / "file_link").symlink_to("keep.py")
    (tmp_path / "dir_link").symlink_to("dir")
    git("add", "-A")
    git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor/sub")  # a submodule's gitlink
    git("commit", "-qm", "init")
    (tmp_path / "gone.py").unlink()
    (tmp_path / "untracked_link").symlink_to("dir")
    make(tmp_path, "new.py")
    assert list_workspace_files(tmp_path) == ["dir/inner.py", "file_link", "keep.py", "new.py", "tab\there.py",
                                              "with space.py"]  # fmt: skip

"""Which files make up a workspace: one listing for the editor and headless file ports and the edit engine.

Inside git: tracked files plus untracked ones git does not ignore (``git ls-files``); elsewhere a walk of the
folder. Both skip VCS folders, tierwise's own state, dependency and build folders, caches and virtual
environments. Standard library only.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tierwise.safe_git import run_git

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".tierwise",
        "node_modules", ".venv", "venv", "env", ".tox", ".nox", ".eggs",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache",
        "dist", "build", "target",
        ".idea", ".vscode",
    }
)  # fmt: skip
MAX_LISTED = 20_000


def is_ignored_dir(path: Path) -> bool:
    """VCS, tierwise state, dependency and build folders, caches and virtual environments."""
    name = path.name
    return name in SKIP_DIRS or name.endswith(".egg-info") or (path / "pyvenv.cfg").exists()


def walk_files(root: Path, limit: int = MAX_LISTED) -> list[str]:
    """Files under ``root`` as sorted relative posix paths, skipping ignored folders; at most ``limit``."""
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not is_ignored_dir(here / d))
        for name in sorted(names):
            found.append((here / name).relative_to(root).as_posix())
            if len(found) >= limit:
                return sorted(found)
    return sorted(found)


def git_files(root: Path, limit: int = MAX_LISTED) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files under ``root``, or None when git cannot list them.

    One ``git ls-files`` with status tags and modes says which tracked files are gone (``R``) and which are
    submodules (mode 160000): only symbolic links, untracked and other entries are checked on the disk (a
    regular file must exist; a link must lead to a file). Checking all of them was one ``stat`` per file,
    each releasing and retaking the GIL: on a large repository, thousands of hand-backs that kept a language
    server's event loop waiting (a thread waiting for the GIL restarts its wait at each)."""
    if not (root / ".git").exists():
        return None
    try:
        proc = run_git(  # never the repository's fsmonitor command, never tierwise's keys (tierwise.safe_git)
            ["ls-files", "-z", "-s", "-t", "--cached", "--others", "--deleted", "--exclude-standard"],
            root, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    present: set[str] = set()
    check: set[str] = set()  # exists only if it is a file on the disk
    gone: set[str] = set()
    for record in proc.stdout.decode("utf-8", "replace").split("\0"):
        tag, _, rest = record.partition(" ")
        if not rest:
            continue
        if tag == "?":  # untracked: ``? path``
            check.add(rest)
            continue
        info, _, name = rest.partition("\t")  # ``mode object stage\tpath``
        if tag == "R":
            gone.add(name)
        elif info.startswith("160000"):  # a submodule: a folder
            continue
        elif tag == "H" and not info.startswith("120000"):
            present.add(name)
        else:  # a link, a sparse checkout's entry, ...
            check.add(name)
    base = str(root)  # string operations: this runs on every index refresh, for every file
    check = {n for n in check - present - gone if os.path.isfile(os.path.join(base, n))}
    kept = [n for n in (present - gone) | check if SKIP_DIRS.isdisjoint(n.split("/"))]
    return sorted(kept)[:limit]


def list_workspace_files(root: Path, limit: int = MAX_LISTED) -> list[str]:
    """The workspace's files: git's view when ``root`` is a repository's top, else a folder walk."""
    listed = git_files(root, limit)
    return listed if listed is not None else walk_files(root, limit)

"""The other names of a workspace file: where it resolves, and the symbolic links of the workspace that lead
to it or to a folder above it.

Rules that go by a file's *name* — test infrastructure (``conftest.py``, ``tests/``), tierwise's settings in
``pyproject.toml`` or ``.vscode/settings.json`` — must hold whichever name a reply writes: with
``conftest.py -> testing/hooks.py``, a reply editing ``testing/hooks.py`` changes pytest's conftest.
:meth:`Aliases.names` gives every name to judge. Links are listed once per reply (``git ls-files`` for
tracked links and untracked files git does not ignore, plus the root folder's own entries; a walk outside
git). Standard library only; no engine types.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tierwise.safe_git import run_git
from tierwise.workspace_files import MAX_LISTED, is_ignored_dir

_LINK_MODE = "120000"


@dataclass(frozen=True)
class Aliases:
    """The workspace's symbolic links: (link's relative path, the real path it leads to)."""

    root_real: str
    links: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def load(cls, root: Path | str) -> Aliases:
        root_real = os.path.realpath(root)
        found: list[tuple[str, str]] = []
        for rel in _link_paths(Path(root_real)):
            target = os.path.realpath(os.path.join(root_real, rel))
            if target != os.path.join(root_real, rel):
                found.append((rel, target))
        return cls(root_real, tuple(sorted(set(found))))

    def names(self, rel: str) -> list[str]:
        """``rel`` first, then its resolved workspace path and every name a link gives it (no duplicates)."""
        names = [rel]
        real = os.path.realpath(os.path.join(self.root_real, rel))
        inside = _relative(self.root_real, real)
        if inside is not None:
            names.append(inside)
        for link, target in self.links:
            if real == target:
                names.append(link)
            elif real.startswith(target.rstrip(os.sep) + os.sep):
                names.append(link + "/" + Path(real[len(target.rstrip(os.sep)) + 1:]).as_posix())
        return list(dict.fromkeys(names))


def _relative(root_real: str, path: str) -> str | None:
    if not path.startswith(root_real.rstrip(os.sep) + os.sep):
        return None
    return Path(path[len(root_real.rstrip(os.sep)) + 1:]).as_posix()


def _link_paths(root: Path) -> list[str]:
    """Relative paths of the symbolic links in the workspace (at most ``MAX_LISTED`` entries looked at)."""
    links = {entry.name for entry in _scan(root) if entry.is_symlink()}
    listed = _git_links(root)
    if listed is None:
        listed = _walked_links(root)
    links.update(listed)
    return sorted(links)


def _scan(root: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(root) as entries:
            return list(entries)
    except OSError:
        return []


def _git_links(root: Path) -> list[str] | None:
    """Tracked links (mode 120000) and untracked, not ignored entries that are links; None outside git."""
    if not (root / ".git").exists():
        return None
    try:
        tracked = run_git(["ls-files", "-z", "-s", "--cached"], root, timeout=30)
        others = run_git(["ls-files", "-z", "--others", "--exclude-standard"], root, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if tracked.returncode != 0 or others.returncode != 0:
        return None
    found = []
    for entry in tracked.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        if path and meta.startswith(_LINK_MODE):
            found.append(path)
    for path in others.stdout.decode("utf-8", "surrogateescape").split("\0")[:MAX_LISTED]:
        if path and os.path.islink(root / path):
            found.append(path)
    return found


def _walked_links(root: Path) -> list[str]:
    found: list[str] = []
    seen = 0
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        found += [(here / d).relative_to(root).as_posix() for d in dirs if (here / d).is_symlink()]
        dirs[:] = [d for d in dirs if not (here / d).is_symlink() and not is_ignored_dir(here / d)]
        found += [(here / n).relative_to(root).as_posix() for n in names if (here / n).is_symlink()]
        seen += len(names) + len(dirs)
        if seen >= MAX_LISTED:
            break
    return found

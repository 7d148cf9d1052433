"""URI ↔ workspace-relative path conversion; every path stays inside the workspace root.

Containment rules are those of the edit engine (``tierwise.edits.resolve_in_workspace``: no ``..``, no
absolute paths elsewhere, no symlink leading out, nothing inside ``.git``), imported on first use.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path, PurePosixPath

from pygls.uris import from_fs_path, to_fs_path


class OutsideWorkspace(ValueError):
    """A URI or path that does not lie inside the workspace root."""


def absolute(root: Path, relpath: str) -> Path:
    """Where ``relpath`` lives on disk (symlinks resolved); raises :class:`OutsideWorkspace`."""
    from tierwise.edits import PathOutsideWorkspace, resolve_in_workspace

    try:
        return resolve_in_workspace(root, relpath)
    except PathOutsideWorkspace as err:
        raise OutsideWorkspace(str(err)) from err


def writable(root: Path, relpath: str, *, artifact: bool = False) -> Path:
    """Where ``relpath`` lives, for a create, change or delete: also refuses tierwise's protected locations
    by their resolved path (``tierwise.edits.paths.resolve_for_change``; ``artifact``: a task document under
    ``.tierwise/tasks/``); raises :class:`OutsideWorkspace`."""
    from tierwise.edits import PathOutsideWorkspace
    from tierwise.edits.paths import resolve_for_change

    try:
        return resolve_for_change(root, relpath, artifact=artifact)
    except PathOutsideWorkspace as err:
        raise OutsideWorkspace(str(err)) from err


def uri_for(root: Path, relpath: str) -> str:
    """The ``file://`` URI of a workspace-relative path, spelled under ``root`` as the client knows it."""
    absolute(root, relpath)
    return from_fs_path(str(root.joinpath(*PurePosixPath(relpath.replace("\\", "/")).parts))) or ""


@lru_cache(maxsize=4096)
def relpath_for(root: Path, uri: str) -> str:
    """The workspace-relative posix path of a ``file://`` URI inside ``root`` (cached: answers from memory)."""
    fs_path = to_fs_path(uri) if uri.startswith("file:") else None
    if not fs_path:
        raise OutsideWorkspace(f"{uri!r} is not a file URI")
    candidate = Path(os.path.normpath(fs_path))
    for base in (root, Path(os.path.realpath(root))):
        if candidate.is_relative_to(base) and candidate != base:
            return candidate.relative_to(base).as_posix()
    raise OutsideWorkspace(f"{uri} lies outside the workspace {root}")

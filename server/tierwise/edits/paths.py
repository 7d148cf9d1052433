"""Workspace path safety: every edited path must resolve inside the workspace root."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from tierwise.edits.errors import PathOutsideWorkspace
from tierwise.protected import VCS_DIR_NAMES, protected_reason, protection_for

_DRIVE = re.compile(r"^[A-Za-z]:/|^//")
#: Folders never read nor written through a model-named path (as written; resolved paths are checked by
#: ``tierwise.protected``, which also guards ``.tierwise`` and the configuration files against writes).
PROTECTED_DIRS = VCS_DIR_NAMES


def clean_relpath(relpath: str) -> str:
    """Normalise a model-written path: strip quotes, backslashes to slashes, drop ``./``; no validation."""
    path = relpath.strip().strip("`'\"").strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path if path.startswith("//") else re.sub(r"/{2,}", "/", path)


def _relative_parts(root: Path, relpath: str) -> tuple[str, ...]:
    cleaned = clean_relpath(relpath)
    if not cleaned or "\x00" in cleaned:
        raise PathOutsideWorkspace(f"invalid path {relpath!r}")
    if _DRIVE.match(cleaned):
        raise PathOutsideWorkspace(f"{relpath!r} is an absolute path outside the workspace")
    if cleaned.startswith("/"):
        absolute = PurePosixPath(cleaned)
        for base in (Path(root).absolute(), Path(os.path.realpath(root))):
            if absolute.is_relative_to(base):
                parts = absolute.relative_to(base).parts
                break
        else:
            raise PathOutsideWorkspace(f"{relpath!r} is an absolute path outside the workspace")
    else:
        parts = PurePosixPath(cleaned).parts
    if ".." in parts:
        raise PathOutsideWorkspace(f"{relpath!r} contains '..'")
    if not parts or parts == (".",):
        raise PathOutsideWorkspace(f"{relpath!r} names the workspace root, not a file")
    for part in parts:
        if part.casefold() in PROTECTED_DIRS:
            raise PathOutsideWorkspace(f"{relpath!r} is inside a protected folder ({part})")
    return parts


def resolve_in_workspace(root: Path, relpath: str) -> Path:
    """Resolve ``relpath`` against ``root``; raise :class:`PathOutsideWorkspace` if it leaves the workspace.

    Refused: empty paths, NUL bytes, any ``..`` component, absolute paths (or drive letters) outside the
    root, paths inside ``.git`` and paths whose symlinks (at any level) lead outside the root. Returns
    the fully resolved path (symlinks followed), which is where a write must go.
    """
    parts = _relative_parts(root, relpath)
    root_real = Path(os.path.realpath(root))
    resolved = Path(os.path.realpath(root_real.joinpath(*parts)))
    if resolved == root_real or not resolved.is_relative_to(root_real):
        raise PathOutsideWorkspace(f"{relpath!r} leads outside the workspace through a symlink")
    reason = protected_reason(root_real, resolved, write=False)
    if reason:
        raise PathOutsideWorkspace(f"{relpath!r} is refused: {reason}")
    return resolved


def resolve_for_write(root: Path, relpath: str) -> Path:
    """:func:`resolve_in_workspace` for a path about to be created, changed or deleted: also refuses every
    protected location by its resolved path (``.tierwise``, the git dirs, tierwise's configuration —
    ``tierwise.protected``). Every FilesPort calls it right before writing."""
    resolved = resolve_in_workspace(root, relpath)
    reason = protected_reason(root, resolved)
    if reason:
        raise PathOutsideWorkspace(f"{relpath!r} is refused: {reason}")
    return resolved



def resolve_for_delete(root: Path, relpath: str) -> Path:
    """What to unlink to delete ``relpath``: the symbolic link itself when the path's last component is one
    (deleting a link must not delete the file it points to), else the file. Both where the link lives and
    where it leads are checked like a write (:func:`resolve_for_write`)."""
    target = resolve_for_write(root, relpath)
    parts = _relative_parts(root, relpath)
    root_real = Path(os.path.realpath(root))
    folder = Path(os.path.realpath(root_real.joinpath(*parts[:-1])))
    link = folder / parts[-1]
    if not link.is_symlink():
        return target
    if folder != root_real and not folder.is_relative_to(root_real):
        raise PathOutsideWorkspace(f"{relpath!r} leads outside the workspace through a symlink")
    reason = protection_for(root_real).reason(str(link))  # the link's own place (not where it leads)
    if reason:
        raise PathOutsideWorkspace(f"{relpath!r} is refused: {reason}")
    return link

TASK_DOCUMENTS = (".tierwise", "tasks")
"""Where tierwise's own task documents live (PLAN.md): the only writable place under ``.tierwise``."""


def resolve_for_change(root: Path, relpath: str, *, artifact: bool = False) -> Path:
    """Where a change may be written. A model's change (``artifact`` False) goes through
    :func:`resolve_for_write`; tierwise's own task document (``FileChange.artifact``, e.g. the refined
    PLAN.md — never built from a reply's file name) only when it resolves inside ``.tierwise/tasks/``."""
    if not artifact:
        return resolve_for_write(root, relpath)
    resolved = resolve_in_workspace(root, relpath)
    tasks = Path(os.path.realpath(root)).joinpath(*TASK_DOCUMENTS)
    if resolved == tasks or not resolved.is_relative_to(tasks):
        raise PathOutsideWorkspace(f"{relpath!r} is refused: not a tierwise task document")
    return resolved


def workspace_relpath(root: Path, relpath: str) -> str:
    """The validated workspace-relative posix form of a path to edit (symlinks not followed in the result;
    the resolved target must be writable, :func:`resolve_for_write`)."""
    resolve_for_write(root, relpath)
    return "/".join(_relative_parts(root, relpath))


def relative_form(root: Path, relpath: str) -> str:
    """The workspace-relative posix spelling of ``relpath`` (absolute paths inside the root made relative);
    validates the spelling only — resolve with :func:`resolve_in_workspace` or :func:`resolve_for_write`."""
    return "/".join(_relative_parts(root, relpath))

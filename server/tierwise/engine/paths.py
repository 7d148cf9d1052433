"""Workspace-relative paths: normalisation and the "stays inside the workspace" rule."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path, PurePosixPath

from tierwise.protected import PROTECTED_DIR_NAMES, protected_reason

PROTECTED_DIRS: frozenset[str] = PROTECTED_DIR_NAMES
"""Folders no plan, edit or finding may touch (as written; resolved paths: ``tierwise.protected``)."""


class OutsideWorkspace(ValueError):
    """A path that is absolute, escapes the workspace or points into a protected folder."""


def normalize_relpath(root: Path, path: str) -> str:
    """``path`` as a normalised posix path relative to ``root``; raise ``OutsideWorkspace`` otherwise."""
    raw = path.strip().strip("`\"'").replace("\\", "/")
    if not raw or "\x00" in raw:
        raise OutsideWorkspace(f"empty or invalid path {path!r}")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise OutsideWorkspace(f"{path!r} is absolute; name files relative to the workspace root")
    while raw.startswith("./"):
        raw = raw[2:]
    norm = posixpath.normpath(raw)
    if norm == "." or norm.startswith("../") or norm == "..":
        raise OutsideWorkspace(f"{path!r} is outside the workspace")
    parts = PurePosixPath(norm).parts
    for part in parts:
        if part.casefold() in PROTECTED_DIRS:
            raise OutsideWorkspace(f"{path!r} is inside {part}/, which tierwise never edits")
    resolved_root = Path(os.path.realpath(root))
    target = Path(os.path.realpath(resolved_root / norm))
    if target != resolved_root and resolved_root not in target.parents:
        raise OutsideWorkspace(f"{path!r} leads outside the workspace (through a symbolic link)")
    reason = protected_reason(resolved_root, target)
    if reason:
        raise OutsideWorkspace(f"{path!r} is refused: {reason}")
    return norm


def is_inside(root: Path, path: str) -> bool:
    try:
        normalize_relpath(root, path)
    except OutsideWorkspace:
        return False
    return True

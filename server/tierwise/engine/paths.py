"""Workspace-relative paths: normalisation and the "stays inside the workspace" rule."""

from __future__ import annotations

import posixpath
from pathlib import Path, PurePosixPath

PROTECTED_DIRS: frozenset[str] = frozenset({".git", ".tierwise", ".hg", ".svn"})
"""Folders no plan, edit or finding may touch."""


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
    if parts and parts[0] in PROTECTED_DIRS:
        raise OutsideWorkspace(f"{path!r} is inside {parts[0]}/, which tierwise never edits")
    resolved_root = root.resolve()
    target = (resolved_root / norm).resolve()
    if target != resolved_root and resolved_root not in target.parents:
        raise OutsideWorkspace(f"{path!r} leads outside the workspace (through a symbolic link)")
    return norm


def is_inside(root: Path, path: str) -> bool:
    try:
        normalize_relpath(root, path)
    except OutsideWorkspace:
        return False
    return True

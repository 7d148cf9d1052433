"""Workspace path checks, atomic byte writes and task-folder helpers shared by both checkpoint stores."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from tierwise import atomic
from tierwise.statedir import ensure_state_dir
from tierwise.vcs.errors import InvalidPath

_TASK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_RESERVED_TOP = {".git", ".tierwise"}


def check_task_id(task_id: str) -> str:
    """Task ids become git ref components and folder names: letters, digits, ``.``, ``_``, ``-``."""
    if not _TASK_ID.fullmatch(task_id) or ".." in task_id or task_id.endswith((".lock", ".")):
        raise InvalidPath(f"invalid task id {task_id!r}: use letters, digits, '.', '_' or '-' (max 100)")
    return task_id


def clean_path(root: Path, path: str) -> str:
    """``path`` as a normalised workspace-relative posix path; raises InvalidPath when it leaves the
    workspace (also through a symlinked folder) or points into ``.git`` / ``.tierwise``."""
    raw = str(path).replace("\\", "/")
    if not raw or raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise InvalidPath(f"{path!r} is not a workspace-relative path")
    norm = posixpath.normpath(raw)
    if norm in (".", "") or norm == ".." or norm.startswith("../"):
        raise InvalidPath(f"{path!r} is outside the workspace")
    if norm.split("/", 1)[0] in _RESERVED_TOP:
        raise InvalidPath(f"{path!r} is inside {norm.split('/', 1)[0]}, which tierwise never changes")
    real_root = root.resolve()
    parent = (root / norm).parent.resolve()
    if parent != real_root and real_root not in parent.parents:
        raise InvalidPath(f"{path!r} resolves outside the workspace")
    return norm


def read_bytes(path: Path) -> bytes | None:
    """File content, or None when the path does not exist (or is not a regular file)."""
    try:
        if not path.is_file():
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def file_mode(path: Path) -> int:
    try:
        return 0o100755 if os.stat(path).st_mode & 0o111 else 0o100644
    except OSError:
        return 0o100644


def write_bytes_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write through a temporary file in the same folder and ``os.replace`` it into place, creating parent
    folders. ``mode`` is a git file mode (``0o100755`` gives an executable file, any other ``0o644``); without
    one an existing file keeps its permission bits and a new one gets ``0o644``."""
    if mode is not None:
        perms: int | None = 0o755 if mode == 0o100755 else 0o644
    else:
        perms = None if path.exists() else 0o644
    atomic.write_bytes_atomic(path, data, perms=perms, make_parents=True)


def missing_dirs(root: Path, rel: str) -> list[str]:
    """The parent folders of ``rel`` that do not exist yet, deepest first."""
    missing: list[str] = []
    parent = posixpath.dirname(rel)
    while parent and not (root / parent).exists():
        missing.append(parent)
        parent = posixpath.dirname(parent)
    return missing


def state_dir(root: Path) -> Path:
    """``root/.tierwise`` (created, with its ``.gitignore``): see :func:`tierwise.statedir.ensure_state_dir`."""
    return ensure_state_dir(root)


def task_dir(root: Path, task_id: str) -> Path:
    """``.tierwise/tasks/<id>`` (created), inside :func:`state_dir`."""
    folder = state_dir(root) / "tasks" / check_task_id(task_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder

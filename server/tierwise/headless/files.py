"""``DiskFiles``: the FilesPort of headless runs — reads from disk, atomic writes through tierwise.edits.

A change is written only if the file still has the text it was computed against (``FileChange.base``);
encoding, BOM and line endings of existing files are kept. Every path is checked to stay inside the
workspace.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tierwise.edits import (
    BinaryFileError,
    FileTooLargeError,
    PathOutsideWorkspace,
    read_text_file,
    resolve_in_workspace,
    write_text_atomic,
)
from tierwise.edits.paths import workspace_relpath
from tierwise.engine.ports import ApplyOutcome, Document, FileChange

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".tierwise", ".venv", "venv", "env", "node_modules", "__pycache__", ".mypy_cache",
     ".pytest_cache", ".ruff_cache", ".tox", ".nox", "dist", "build", ".idea", ".vscode", "target", ".cache"}
)
MAX_LISTED = 20_000


def walk_files(root: Path) -> list[str]:
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            found.append(Path(folder, name).relative_to(root).as_posix())
            if len(found) >= MAX_LISTED:
                return found
    return found


def git_files(root: Path) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, or None outside git."""
    if not (root / ".git").exists():
        return None
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root, capture_output=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode("utf-8", "replace").split("\0") if n]
    kept = [n for n in names if not (set(Path(n).parts) & SKIP_DIRS) and (root / n).is_file()]
    return sorted(set(kept))[:MAX_LISTED]


class DiskFiles:
    """FilesPort over the workspace folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _locate(self, path: str) -> tuple[str, Path]:
        rel = workspace_relpath(self.root, path)
        return rel, resolve_in_workspace(self.root, rel)

    async def read(self, path: str) -> Document:
        rel, full = self._locate(path)
        if not full.exists():
            return Document(rel, None)
        return Document(rel, read_text_file(full).text)

    async def apply(self, changes: Sequence[FileChange]) -> ApplyOutcome:
        outcome = ApplyOutcome()
        for change in changes:
            try:
                rel, full = self._locate(change.path)
                self._apply_one(full, change)
            except _Rejected as err:
                outcome.rejected[change.path] = str(err)
            except (PathOutsideWorkspace, BinaryFileError, FileTooLargeError, OSError, UnicodeError) as err:
                outcome.rejected[change.path] = str(err)
            else:
                outcome.applied.append(rel)
        return outcome

    @staticmethod
    def _apply_one(full: Path, change: FileChange) -> None:
        current = read_text_file(full, 1 << 62) if full.exists() else None
        current_text = current.text if current is not None else None
        if current_text != change.base.text:
            raise _Rejected("the file changed on disk since it was read")
        if change.new_text is None:
            if full.exists():
                full.unlink()
            return
        full.parent.mkdir(parents=True, exist_ok=True)
        encoding = current.encoding if current is not None else "utf-8"
        bom = current.bom if current is not None else False
        try:
            change.new_text.encode(encoding)
        except UnicodeEncodeError:
            raise _Rejected(f"the new text cannot be written in the file's encoding ({encoding})") from None
        write_text_atomic(full, change.new_text, encoding=encoding, bom=bom)

    async def list_files(self) -> list[str]:
        listed = await asyncio.to_thread(git_files, self.root)
        if listed is None:
            listed = await asyncio.to_thread(walk_files, self.root)
        return listed


class _Rejected(Exception):
    pass

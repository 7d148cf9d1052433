"""``DiskFiles``: the FilesPort of headless runs — reads from disk, atomic writes through tierwise.edits.

A change is written only if the file still has the text it was computed against (``FileChange.base``);
encoding, BOM and line endings of existing files are kept. Every path is checked to stay inside the
workspace.
"""

from __future__ import annotations

import asyncio
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
from tierwise.edits.paths import relative_form, resolve_for_change, resolve_for_delete
from tierwise.engine.ports import ApplyOutcome, Document, FileChange
from tierwise.workspace_files import list_workspace_files


class DiskFiles:
    """FilesPort over the workspace folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def locate(self, path: str, *, write: bool, artifact: bool = False) -> tuple[str, Path]:
        """The cleaned relative path and where it resolves; writes go through ``resolve_for_change`` (no
        protected location by any path: tierwise.protected; task documents only under .tierwise/tasks)."""
        if write:
            full = resolve_for_change(self.root, path, artifact=artifact)
        else:
            full = resolve_in_workspace(self.root, path)
        return relative_form(self.root, path), full

    async def read(self, path: str) -> Document:
        rel, full = self.locate(path, write=False)
        if not full.exists():
            return Document(rel, None)
        return Document(rel, read_text_file(full).text)

    async def apply(self, changes: Sequence[FileChange]) -> ApplyOutcome:
        outcome = ApplyOutcome()
        for change in changes:
            try:
                rel, full = self.locate(change.path, write=True, artifact=change.artifact)
                if change.new_text is None and not change.artifact:
                    full = resolve_for_delete(self.root, change.path)  # a link is deleted, not its target
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
        current = read_text_file(full, 1 << 62) if full.exists() else None  # a link: its target's text
        current_text = current.text if current is not None else None
        if current_text != change.base.text:
            raise _Rejected("the file changed on disk since it was read")
        if change.new_text is None:
            if full.exists() or full.is_symlink():
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
        return await asyncio.to_thread(list_workspace_files, self.root)


class _Rejected(Exception):
    pass

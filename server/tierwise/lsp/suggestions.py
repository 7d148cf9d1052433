"""Reviewer suggestions (chunked SEARCH/REPLACE text) → engine ``FileChange``s, without a model call.

The edit engine locates the blocks against the current text: the editor's buffer for open files, the
disk otherwise. Runs in a worker thread (``plan_edits`` reads files).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from tierwise.lsp.files import read_disk

if TYPE_CHECKING:
    from tierwise.engine.ports import FileChange
    from tierwise.lsp.files import EditorFiles


class SuggestionDoesNotApply(ValueError):
    """The suggestion's blocks no longer match the file (the message says which and why)."""


async def changes_for_suggestion(files: EditorFiles, root: Path, suggestion: str) -> list[FileChange]:
    from tierwise.edits import parse_reply
    from tierwise.edits.paths import clean_relpath

    blocks = parse_reply(suggestion)
    if not blocks:
        raise SuggestionDoesNotApply("the reviewer's suggestion holds no SEARCH/REPLACE block")
    buffers: dict[str, tuple[str, int | None]] = {}
    for block in blocks:
        path = clean_relpath(block.path)
        doc = files.open_document(path)
        if doc is not None:
            buffers[path] = (doc.source, doc.version)
    return await asyncio.to_thread(_plan, root, blocks, buffers)


def _plan(root: Path, blocks: list[object], buffers: dict[str, tuple[str, int | None]]) -> list[FileChange]:
    from tierwise.edits import plan_edits
    from tierwise.engine.ports import Document, FileChange

    def read(path: str) -> str | None:
        if path in buffers:
            return buffers[path][0]
        return read_disk(root, path)

    result = plan_edits(blocks, root, read=read)  # type: ignore[arg-type]
    if not result.all_applied:
        raise SuggestionDoesNotApply(result.retry_message())
    from tierwise.engine.guards import refused_changes
    changes = []
    for file in result.files:
        if not file.ok or file.old_text == file.new_text:
            continue  # unchanged (a delete has new_text None and differs)
        version = buffers[file.path][1] if file.path in buffers else None
        base = Document(path=file.path, text=file.old_text, version=version)
        changes.append(FileChange(path=file.path, base=base, new_text=file.new_text))
    refused = refused_changes(changes, None, "reviewer's suggestion")  # no test infrastructure, no tierwise config
    if refused:
        raise SuggestionDoesNotApply(refused[0])
    return changes

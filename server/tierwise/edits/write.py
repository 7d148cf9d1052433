"""Headless mode: write the planned files atomically, preserving encoding, BOM and line endings."""

from __future__ import annotations

from pathlib import Path

from tierwise.edits.files import read_text_file, write_text_atomic
from tierwise.edits.model import EditResult
from tierwise.edits.paths import resolve_for_write

_NO_LIMIT = 1 << 62


def write_result(result: EditResult, root: Path) -> list[str]:
    """Write every ``ok`` file whose text changed; returns the written workspace-relative paths.

    A file whose disk content no longer equals the planned ``old_text`` (changed since planning, or
    planned from an editor buffer that differs from disk) is skipped, never overwritten.
    """
    written: list[str] = []
    for file in result.files:
        if not file.changed or file.new_text is None:
            continue
        path = resolve_for_write(Path(root), file.path)
        if path.exists():
            current = read_text_file(path, _NO_LIMIT)
            if current.text != file.old_text:
                continue
            encoding, bom = current.encoding, current.bom
        else:
            if file.old_text is not None:
                continue
            encoding, bom = file.encoding, file.bom
            path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, file.new_text, encoding=encoding, bom=bom)
        written.append(file.path)
    return written

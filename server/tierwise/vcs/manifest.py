"""The checkpoint manifest: which files a task touched, their content before it, and what it last wrote.

Stored as ``.tierwise/tasks/<id>/checkpoint.json``; content lives in the store (git blobs or copies),
addressed by ``FileState.key``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FileState(BaseModel):
    """One file's content at a moment: absent, or bytes identified by sha256 and kept under ``key``."""

    exists: bool
    sha256: str | None = None
    key: str | None = None  # git blob id, or copy file name
    mode: int | None = None  # 0o100644 / 0o100755
    missing_dirs: list[str] = Field(default_factory=list)  # parents that did not exist (absent files only)


class Entry(BaseModel):
    path: str
    base: FileState
    written: FileState | None = None  # None: the task has not reported writing this file


class Manifest(BaseModel):
    version: Literal[1] = 1
    task_id: str
    backend: Literal["git", "copy"]
    created: str = Field(default_factory=now)
    updated: str = Field(default_factory=now)
    restored: str | None = None
    entries: dict[str, Entry] = Field(default_factory=dict)

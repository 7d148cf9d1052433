"""Shared helpers for the edit engine tests."""

from __future__ import annotations

from pathlib import Path

from tierwise.edits import EditResult, parse_reply, plan_edits


def plan_text(old: str | None, reply: str, path: str = "f.py", root: Path | None = None) -> EditResult:
    """Plan a reply against one in-memory file."""
    files = {path: old}
    return plan_edits(parse_reply(reply), root or Path("/nonexistent-root"), read=lambda p: files.get(p))


def sr(path: str, search: str, replace: str) -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"

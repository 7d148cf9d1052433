"""The workspace's ``.tierwise/`` folder (tasks, ledger, checkpoints, worktrees), kept out of git.

One function creates it for every writer, so that the folder always carries its ``.gitignore``. Standard
library only.
"""

from __future__ import annotations

from pathlib import Path

STATE_DIR = ".tierwise"


def ensure_state_dir(root: Path) -> Path:
    """``<root>/.tierwise``, created with a ``.gitignore`` of ``*`` so git never lists what tierwise keeps.

    The ignore file is created exclusively, so concurrent writers (threads or processes) never clobber it."""
    folder = root / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        try:
            with ignore.open("x", encoding="utf-8") as handle:
                handle.write("*\n")
        except FileExistsError:
            pass
    return folder

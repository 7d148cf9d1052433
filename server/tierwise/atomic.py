"""Atomic file writes: the one implementation behind every file tierwise replaces.

A write goes to a temporary file in the same folder (named ``.<name>.<random>.tierwise-tmp``, which the LSP
file watcher ignores), is flushed to disk, gets its permission bits, and is then renamed over the target with
``os.replace``, so that a reader (an editor, git, a test run) sees the old content or the new, never half of
it. Used by the edit engine (``tierwise.edits.write_text_atomic``), checkpoint restores (``tierwise.vcs``) and
the benchmark's reports. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tierwise-tmp"


def new_file_perms() -> int:
    """The permission bits an ordinary new file gets under the process umask (``0o666`` less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def existing_perms(path: Path) -> int | None:
    """The permission bits of the file at ``path`` (symlinks followed), or None when there is none."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def write_bytes_atomic(path: Path, data: bytes, *, perms: int | None = None, make_parents: bool = False) -> None:
    """Replace ``path`` with ``data`` atomically.

    ``perms``: the new file's permission bits; None keeps those of the file being replaced, or gives a new
    file :func:`new_file_perms`. ``make_parents`` creates missing parent folders first (otherwise a missing
    folder raises ``FileNotFoundError``). On any failure the temporary file is removed and the target is
    left as it was.
    """
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    if perms is None:
        perms = existing_perms(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, new_file_perms() if perms is None else perms)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise

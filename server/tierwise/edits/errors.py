"""Exceptions of the edit engine."""

from __future__ import annotations


class PathOutsideWorkspace(ValueError):
    """A path that is absolute elsewhere, climbs with ``..`` or follows a symlink out of the workspace."""


class BinaryFileError(ValueError):
    """The file looks binary (NUL bytes or mostly control characters)."""


class FileTooLargeError(ValueError):
    """The file is larger than the engine's size limit."""

"""Logging of ``tierwise serve`` and the guard that keeps stdout for protocol frames only.

In stdio mode the LSP stream is the process's stdout: one stray byte there (a ``print``, litellm's
handler, which writes records below WARNING to ``sys.stdout``, ``litellm.set_verbose``, a child process
that inherited the descriptor) and the editor's reader fails. :func:`claim_stdout` takes a private copy of
the real stdout for the frames and points file descriptor 1 — and with it ``sys.stdout``,
``sys.__stdout__`` and every child process — at the log file or stderr, before anything else runs.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from typing import BinaryIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, log_file: str | None) -> None:
    """Every logger (litellm's included, through the root) writes to ``log_file`` or stderr at ``level``."""
    handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.basicConfig(level=getattr(logging, level.upper()), handlers=[handler], force=True)
    # litellm adds its own handler when imported, at the level LITELLM_LOG names (DEBUG when unset), and
    # its records also reach the root handler: unless the user asked for it, keep that handler quiet so
    # each record is written once, in this format, where the root handler writes.
    os.environ.setdefault("LITELLM_LOG", "CRITICAL")


def claim_stdout(log_file: str | None) -> BinaryIO:
    """The real stdout, for protocol frames only; from now on descriptor 1 and ``sys.stdout`` lead to
    ``log_file`` (appended) or stderr."""
    sys.stdout.flush()
    frames = os.fdopen(os.dup(1), "wb")
    if log_file:
        target = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(target, 1)
        os.close(target)
    else:
        os.dup2(2, 1)
    sys.stdout = io.TextIOWrapper(
        os.fdopen(1, "wb", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    return frames

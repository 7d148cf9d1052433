"""Keep tierwise's own environment (the provider keys) unreadable by other processes of the same user.

On Linux any process of your user may read another's ``/proc/<pid>/environ`` — so code under test, run by
tierwise's test command, could read the keys tierwise holds even though its own environment is an
allow-list (docs/security.md, "What runs, with what environment"). Marking the process not *dumpable*
(``prctl(PR_SET_DUMPABLE, 0)``) makes its ``/proc`` entries root's and refuses ``ptrace`` to the same user;
it also turns off core dumps. Each tierwise process that holds keys calls :func:`hide_environment` first
(the CLI and language server, the model worker: the flag does not survive ``exec``). Elsewhere, and when
the call fails, nothing happens. Standard library only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _prctl(option: int, value: int = 0) -> int | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0))
    except (OSError, AttributeError):
        return None


def hide_environment() -> bool:
    """Make this process's environment unreadable to other processes of its user; True when done."""
    return _prctl(PR_SET_DUMPABLE, 0) == 0


def environment_hidden() -> bool:
    """Whether this process is marked not dumpable (Linux), i.e. :func:`hide_environment` took effect."""
    return _prctl(PR_GET_DUMPABLE) == 0

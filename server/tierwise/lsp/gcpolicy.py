"""The language server's garbage-collection policy: survivors of a full collection are frozen.

A full (generation 2) collection walks every tracked object of the process while holding the GIL. Once
the model stack, the engine and the context index are loaded that is millions of objects, and each full
collection stopped every thread — the event loop included — for 0.4–0.8 s (measured with ``gc.callbacks``
in ``bench/lsp``: the longest request waits of the task benchmark were these pauses, triggered by the
context index's allocations in its worker threads).

After each full collection, what survived it is moved to the permanent generation (``gc.freeze()``): it
was just found reachable, so no garbage is frozen, and later collections walk only what was allocated
since. Objects frozen this way are still freed by reference counting; only a reference cycle formed later
among them is never collected (the trade-off: a long-lived server may keep such cycles; ``unfreeze_all``
gives them back to the collector). Large builds (the engine's imports, the model tables, the context
index) pause the collector and freeze what they made (``tierwise.gc_pause``).
"""

from __future__ import annotations

import gc
from typing import Any

_installed = False


def _after_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def install() -> None:
    """Freeze the survivors of every full collection from now on (idempotent)."""
    global _installed
    if not _installed:
        gc.callbacks.append(_after_collection)
        _installed = True


def unfreeze_all() -> None:
    """Give every frozen object back to the collector (the next full collection walks them again)."""
    gc.unfreeze()

"""Python's cyclic garbage collector paused while a large, long-lived structure is built.

Building the context index, its search structures or the model tables allocates hundreds of thousands of
small containers that stay alive. With the collector running, each young collection walks what is new,
and a full one walks everything since the last full one: 50–200 ms each on a 4,000-file repository, every
other thread waiting (the GIL is held throughout), a language server's event loop included.

``paused_gc()`` disables the collector for the block, counted across threads: it resumes only when the
last of the overlapping pauses ends. If the pauses left many new objects (``FREEZE_MIN``), they are moved to
the permanent generation first (``gc.freeze``, constant time), so that no collection afterwards walks them
at once; what they built is reachable, so nothing frozen is garbage the collector could have freed, except
a reference cycle some thread dropped meanwhile, which stays until ``gc.unfreeze`` (the trade-off
``tierwise.lsp.gcpolicy`` makes for the survivors of full collections). A short pause (an edit's
incremental update) leaves few objects and resumes without freezing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

FREEZE_MIN = 20_000
"""New tracked objects above which the end of a pause freezes them (a young collection walks 20k in ~2 ms)."""

_lock = threading.Lock()
_depth = 0  # pauses under way, in every thread
_resume = False  # whether the collector was on when the first of them began


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                if gc.get_count()[0] >= FREEZE_MIN:
                    gc.freeze()
                gc.enable()

"""``tierwise.gc_pause``: the collector resumes when the last overlapping pause ends, and a pause that left
many new objects freezes them (so no collection walks them all at once afterwards)."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import gc, json, threading
from tierwise.gc_pause import FREEZE_MIN, paused_gc
seen = {}
gc.collect()
base = gc.get_freeze_count()
with paused_gc():
    inner_started, inner_may_end = threading.Event(), threading.Event()
    def other():
        with paused_gc():
            inner_started.set()
            inner_may_end.wait()
    t = threading.Thread(target=other); t.start(); inner_started.wait()
    kept = [[i] for i in range(FREEZE_MIN * 2)]  # many long-lived containers
    seen["during"] = gc.isenabled()
seen["outer_ended_while_inner_runs"] = gc.isenabled()
inner_may_end.set(); t.join()
seen["after_both"] = gc.isenabled()
seen["frozen_big"] = gc.get_freeze_count() - base >= FREEZE_MIN * 2
gc.unfreeze(); gc.collect()
base = gc.get_freeze_count()
with paused_gc():
    few = [[i] for i in range(10)]
seen["frozen_small"] = gc.get_freeze_count() - base
gc.disable()
with paused_gc():
    pass
seen["stays_off"] = not gc.isenabled()
print(json.dumps(seen))
"""


def test_pauses_overlap_across_threads_and_a_large_one_freezes_what_it_built() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(out.stdout)
    assert seen == {
        "during": False,
        "outer_ended_while_inner_runs": False,  # another thread's pause is still under way
        "after_both": True,
        "frozen_big": True,
        "frozen_small": 0,
        "stays_off": True,  # a collector that was off before stays off
    }

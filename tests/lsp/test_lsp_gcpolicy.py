"""The language server's GC policy (``tierwise.lsp.gcpolicy``): what survives a full collection is frozen,
so later full collections walk only new objects (their pauses were the longest request waits of
``bench/lsp``); garbage is still collected first, never frozen."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import gc, json, weakref
from tierwise.lsp import gcpolicy

class Node:
    pass

gcpolicy.install()
gcpolicy.install()  # idempotent
keep = [Node() for _ in range(20000)]
cycle = Node(); cycle.me = cycle; dead = weakref.ref(cycle); del cycle  # cyclic garbage before the collection
before = gc.get_freeze_count()
gc.collect()
frozen = gc.get_freeze_count()
young = [Node() for _ in range(100)]
gc.collect(0)
after_young = gc.get_freeze_count()
gcpolicy.unfreeze_all()
print(json.dumps({"before": before, "frozen": frozen, "after_young": after_young, "cycle_freed": dead() is None,
                  "unfrozen": gc.get_freeze_count()}))
"""


def test_survivors_of_a_full_collection_are_frozen_and_garbage_is_not() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(done.stdout)
    assert result["before"] == 0
    assert result["frozen"] >= 20000  # the survivors (our 20,000 nodes among them)
    assert result["cycle_freed"] is True  # collected by that full collection, not kept by the freeze
    assert result["after_young"] == result["frozen"]  # a young collection freezes nothing
    assert result["unfrozen"] == 0

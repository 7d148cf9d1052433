"""How long one import keeps every other thread of the process waiting for the GIL, with and without
reading its shared libraries first (``tierwise.lib_prefetch``) — the language server's warm-up in isolation.

    .venv/bin/python bench/lsp/import_gap.py [--prefetch] [--drop-caches] [--package numpy]

A thread wakes every millisecond and records how late it woke; the longest lateness is how long an event
loop on that thread would have waited. ``--drop-caches`` empties the page cache first (as after a reboot;
needs root: ``echo 3 > /proc/sys/vm/drop_caches``). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time


def _measure(package: str, prefetch: bool) -> dict[str, float]:
    from tierwise.lib_prefetch import prefetch_libraries

    waits: list[float] = []
    done = threading.Event()

    def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            waits.append(now - last - 0.001)
            last = now

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    start = time.perf_counter()
    read = prefetch_libraries([package]) if prefetch else 0
    imported_at = time.perf_counter()
    __import__(package)
    end = time.perf_counter()
    done.set()
    ticker.join()
    return {
        "prefetch_ms": (imported_at - start) * 1000,
        "prefetched_mib": read / 2**20,
        "import_ms": (end - imported_at) * 1000,
        "longest_wait_ms": max(waits) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="numpy")
    parser.add_argument("--prefetch", action="store_true")
    parser.add_argument("--drop-caches", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.package, args.prefetch)))
        return
    if args.drop_caches:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w", encoding="ascii") as handle:
            handle.write("3\n")
    argv = [sys.executable, __file__, "--child", "--package", args.package] + (["--prefetch"] if args.prefetch else [])
    result = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
    result.update(package=args.package, prefetch=args.prefetch, cold_cache=args.drop_caches)
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}))


if __name__ == "__main__":
    main()

"""Read the shared libraries of packages about to be imported, so that loading them does not read the disk.

Importing an extension module maps its shared library (and the libraries it links, such as numpy's
OpenBLAS) and touches its pages while the importing thread holds the GIL. With the files in the page
cache that takes a few milliseconds; with a cold cache (after a reboot, or when other work evicted them)
every page fault waits for the disk, and the language server's event loop waited 49-67 ms behind a single
``import numpy``. Reading the files first, in plain ``readinto`` calls that release the GIL, moves the disk
reads out of that window: the same import then holds the GIL for at most ~11 ms (docs/benchmarks.md).

Only a hint: a missing package, an unreadable file or another platform's layout is skipped silently.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

_LIBRARY = re.compile(r"\.(?:so(?:\.\d+)*|pyd|dll|dylib)$")
_CHUNK = 1 << 20


def is_library(name: str) -> bool:
    """A shared library's file name: ``x.so``, ``libfoo.so.5.0.0``, ``x.pyd``, ``x.dll``, ``x.dylib``."""
    return _LIBRARY.search(name) is not None


def library_files(package: str) -> list[Path]:
    """The shared libraries of the top-level ``package`` and of its ``<package>.libs`` folder (where
    auditwheel and delvewheel put the libraries a wheel bundles), found without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    files: list[Path] = []
    for location in spec.submodule_search_locations:
        for folder in (Path(location), Path(location + ".libs")):
            for parent, _dirs, names in os.walk(folder):
                files.extend(Path(parent, n) for n in sorted(names) if is_library(n))
    return files


def prefetch_libraries(packages: Iterable[str]) -> int:
    """Read the shared libraries of each package not imported yet into the page cache; the bytes read."""
    buffer = bytearray(_CHUNK)
    total = 0
    for package in packages:
        if package in sys.modules:
            continue
        for path in library_files(package):
            try:
                with open(path, "rb", buffering=0) as handle:
                    while read := handle.readinto(buffer):
                        total += read
            except OSError:
                continue
    return total

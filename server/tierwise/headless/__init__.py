"""Headless drivers of the engine: disk files, a console user interface, and ``build_engine`` wiring.

``build_engine`` is shared by the CLI, the demo, the benchmark harness and the LSP server (which swaps in
its own FilesPort and UserPort).
"""

from tierwise.headless.console import ConsoleUI
from tierwise.headless.files import DiskFiles
from tierwise.headless.wiring import build_engine

__all__ = ["ConsoleUI", "DiskFiles", "build_engine"]

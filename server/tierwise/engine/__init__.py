"""The coding loop engine: plan → refine → implement → test and self-heal → review.

Pure Python: it depends only on the ports in ``tierwise.engine.ports`` (models, files, user, commands,
checkpoints); the LSP server, the headless CLI and the benchmark harness are thin drivers of ``Engine``.

Importing this package is cheap: ``Engine`` and the task-state names are loaded on first access, so that
``tierwise.engine.ports`` can be imported by the port implementations (``tierwise.runner``, …) without
pulling in the engine core, which imports them in turn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierwise.engine.core import Engine, parse_phases
    from tierwise.engine.state import LOOP_PHASES, DiagnosticInfo, Finding, TaskState

_LAZY = {
    "Engine": "tierwise.engine.core",
    "parse_phases": "tierwise.engine.core",
    "LOOP_PHASES": "tierwise.engine.state",
    "DiagnosticInfo": "tierwise.engine.state",
    "Finding": "tierwise.engine.state",
    "TaskState": "tierwise.engine.state",
}

__all__ = ["LOOP_PHASES", "DiagnosticInfo", "Engine", "Finding", "TaskState", "parse_phases"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tierwise.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

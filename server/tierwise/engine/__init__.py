"""The coding loop engine: plan → refine → implement → test and self-heal → review.

Pure Python: it depends only on the ports in ``tierwise.engine.ports`` (models, files, user, commands,
checkpoints); the LSP server, the headless CLI and the benchmark harness are thin drivers of ``Engine``.
"""

from tierwise.engine.core import Engine, parse_phases
from tierwise.engine.state import LOOP_PHASES, DiagnosticInfo, Finding, TaskState

__all__ = ["LOOP_PHASES", "DiagnosticInfo", "Engine", "Finding", "TaskState", "parse_phases"]

"""What a phase's replies may change beyond the workspace rules: test infrastructure only when the plan
lists the file (``tierwise.testinfra`` defines it per ecosystem; docs/security.md).

"The plan lists the file" means: the file's path appears in the Files section of the approved PLAN.md
as it is now (any action: create, modify, delete). A test file the plan creates is therefore writable
by implement and by fix; a ``conftest.py`` or a ``[tool.pytest]`` table the plan does not name is not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from tierwise.edits import EditBlock
from tierwise.engine.editing import ChangeGate, Gate, plan_reply, screen_changes, under_every_name
from tierwise.engine.planfile import Plan
from tierwise.engine.ports import FileChange, FilesPort
from tierwise.path_aliases import Aliases
from tierwise.testinfra import infra_content_reason, infra_file_kind


def infra_gates(plan: Plan | None, phase: str) -> tuple[Gate, ChangeGate]:
    """The block gate (whole test-infrastructure files) and the change gate (infrastructure parts of shared
    files such as pyproject.toml or package.json) of a phase, given the approved plan."""
    planned = set(plan.paths()) if plan is not None else set()

    def gate(path: str) -> str | None:
        kind = infra_file_kind(path)
        if kind is None or path in planned:
            return None
        return (f"{path} is {kind} (test infrastructure) and the plan does not list it; {phase} replies may "
                "not create or change it — change the code under test instead")

    def change_gate(path: str, old: str | None, new: str | None) -> str | None:
        if path in planned:
            return None
        reason = infra_content_reason(path, old, new)
        return f"{reason}; the plan does not list {path}" if reason else None

    return gate, change_gate


def refused_changes(
    changes: Sequence[FileChange], plan: Plan | None, phase: str, aliases: Aliases | None = None
) -> list[str]:
    """Why each of ``changes`` (computed outside a phase's reply loop: a quick fix, a reviewer's suggestion
    applied from the editor) may not be made: test infrastructure the plan does not list, and tierwise's
    configuration. Empty when all may be applied."""
    gate, change_gate = infra_gates(plan, phase)
    reasons = [reason for reason in (under_every_name(gate, c.path, aliases) for c in changes) if reason]
    _kept, screened = screen_changes(list(changes), change_gate, aliases)
    return reasons + screened


class ChangesDoNotApply(ValueError):
    """Edit blocks given outside a phase's reply loop that cannot be made as they are. ``stale``: the blocks
    no longer match the current texts (``first`` is the first refused block's reason); otherwise a rule
    refuses the change and the message says which."""

    def __init__(self, message: str, *, stale: bool = False, first: str = "") -> None:
        super().__init__(message)
        self.stale = stale
        self.first = first


async def standalone_changes(
    files: FilesPort, root: Path, blocks: list[EditBlock], what: str
) -> list[FileChange]:
    """The changes of edit blocks that come from outside a phase's reply loop — a quick fix, a reviewer's
    suggestion applied from the editor — by the phases' own mechanism: :func:`plan_reply` against the current
    texts (``FilesPort.read``: the editor's buffer when the file is open), then :func:`refused_changes`
    (test infrastructure, tierwise's configuration). Nothing is written; raises :class:`ChangesDoNotApply`."""
    result, changes = await plan_reply(files, root, blocks)
    if result.refused:
        raise ChangesDoNotApply(result.retry_message(), stale=True, first=result.refused[0].message or "")
    refused = refused_changes(changes, None, what, await asyncio.to_thread(Aliases.load, root))
    if refused:
        raise ChangesDoNotApply(refused[0])
    return changes

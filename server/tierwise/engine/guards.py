"""What a phase's replies may change beyond the workspace rules: test infrastructure only when the plan
lists the file (``tierwise.testinfra`` defines it per ecosystem; docs/security.md).

"The plan lists the file" means: the file's path appears in the Files section of the approved PLAN.md
as it is now (any action: create, modify, delete). A test file the plan creates is therefore writable
by implement and by fix; a ``conftest.py`` or a ``[tool.pytest]`` table the plan does not name is not.
"""

from __future__ import annotations

from tierwise.engine.editing import ChangeGate, Gate
from tierwise.engine.planfile import Plan
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

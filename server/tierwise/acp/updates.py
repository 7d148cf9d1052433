"""Pure builders for ACP session updates: the plan, slash commands, titles and the final summary."""

from __future__ import annotations

from collections.abc import Sequence

from acp.schema import AvailableCommand, AvailableCommandInput, PlanEntry, UnstructuredCommandInput

from tierwise.engine.planfile import Plan
from tierwise.engine.state import Finding, TaskState

PHASE_KINDS: dict[str, str] = {
    "plan": "think",
    "refine": "think",
    "implement": "edit",
    "fix": "execute",
    "review": "think",
    "undo": "edit",
    "quickfix": "edit",
}
"""The ACP tool kind shown for each phase's tool call."""

SLASH_COMMANDS: dict[str, tuple[str, str | None]] = {
    "plan": ("Write PLAN.md for a task (frontier tier), and stop", "what to do"),
    "refine": ("Review the session's plan for edge cases (light tier)", None),
    "implement": ("Implement the approved plan (mid tier); asks to approve it first", None),
    "fix": ("Run the tests and self-heal failures (light → mid → frontier)", None),
    "review": ("Review the diff (frontier tier); findings come back as a message", None),
    "undo": ("Put the files the session's task changed back", None),
    "cost": ("What the session's task cost, and what routing saved", None),
    "context": ("What the planner would see for a task", "a task"),
    "resume": ("Continue the session's task from its last finished step", None),
}

TRIM_CHARS = 4000


def available_commands() -> list[AvailableCommand]:
    commands = []
    for name, (description, hint) in SLASH_COMMANDS.items():
        given = AvailableCommandInput(root=UnstructuredCommandInput(hint=hint)) if hint else None
        commands.append(AvailableCommand(name=name, description=description, input=given))
    return commands


def entry_status(path: str, state: TaskState | None) -> str:
    if state is None:
        return "pending"
    if path in state.implemented_files:
        return "completed"
    if state.phase == "implement" and state.status == "running":
        return "in_progress"
    return "pending"


def plan_entries(plan: Plan, state: TaskState | None) -> list[PlanEntry]:
    """One entry per file of PLAN.md's Files section: pending, in progress (the file implement is on —
    the first one not yet implemented), completed."""
    entries: list[PlanEntry] = []
    current_taken = False
    for item in plan.files:
        status = entry_status(item.path, state)
        if status == "in_progress":
            if current_taken:
                status = "pending"
            current_taken = True
        text = f"{item.action} `{item.path}`" + (f": {item.description}" if item.description else "")
        entries.append(PlanEntry(content=text, priority="medium", status=status))  # type: ignore[arg-type]
    return entries


def phase_title(phase: str, tier: str | None, model: str | None) -> str:
    """Short: 'plan · frontier (anthropic/claude-…)'."""
    if not tier:
        return phase
    return f"{phase} · {tier}" + (f" ({model})" if model else "")


def trim(text: str, limit: int = TRIM_CHARS) -> str:
    """The end of a long output (where test runners print their summary), marked as trimmed."""
    if len(text) <= limit:
        return text
    return f"… ({len(text) - limit} characters before this left out)\n" + text[-limit:]


def findings_text(findings: Sequence[Finding]) -> str:
    if not findings:
        return "Review: no findings."
    lines = [f"Review: {len(findings)} finding{'s' if len(findings) != 1 else ''}:"]
    for item in findings:
        lines.append(f"- [{item.severity}] {item.path}:{item.line}: {item.message}")
    return "\n".join(lines)


def result_text(state: TaskState) -> str:
    """The final message of a turn: what happened, tests, review, cost and saving, and the next step."""
    lines = [f"Task `{state.id}`: {state.status}" + (f" — {state.message}" if state.message else "")]
    if state.tests_passed is not None:
        tests = "pass" if state.tests_passed else "still fail"
        lines.append(f"Tests ({state.test_command or 'detected command'}): {tests}.")
    if state.is_complete("review"):
        lines.append(findings_text(state.findings))
    if state.calls:
        lines.append(
            f"Cost: ${state.cost_usd:.4f} over {state.calls} model call{'s' if state.calls != 1 else ''}; "
            f"routing saved ${state.saved_usd:.4f} against running everything on the frontier tier."
        )
    return "\n".join(lines)

"""Applying a step's reply exactly once, even across a resume.

A step's edit report is stored in ``edits/<step>.json`` and the step is marked applied in task.json; a
resumed run replays the stored report instead of applying the same blocks a second time.
"""

from __future__ import annotations

import json

from tierwise.engine.artifacts import step_file_name
from tierwise.engine.editing import ChangeGate, EditReport, Gate, apply_reply
from tierwise.engine.session import PhaseContext, text_digest
from tierwise.engine.state import TaskState
from tierwise.uninterrupted import uninterrupted

__all__ = ["apply_step", "text_digest"]


async def apply_step(
    ctx: PhaseContext, state: TaskState, step: str, reply_text: str, *, gate: Gate | None = None,
    change_gate: ChangeGate | None = None,
) -> EditReport:
    name = f"edits/{step_file_name(step)}.json"
    if step in state.applied_steps:
        stored = ctx.store.read(state.id, name)
        if stored:
            try:
                return EditReport.from_dict(json.loads(stored))
            except (json.JSONDecodeError, TypeError, ValueError):
                pass

    async def before_write(paths: list[str]) -> None:
        await ctx.checkpoint(state, paths)

    async def apply_and_record() -> EditReport:
        report = await apply_reply(ctx.files, ctx.root, reply_text, before_write=before_write, gate=gate,
                                    change_gate=change_gate)
        await ctx.record_written(state, report.applied_files)
        ctx.store.write_json(state.id, name, report.to_dict())
        state.applied_steps.append(step)
        ctx.save(state)
        return report

    # a cancellation while the edits are with the editor lets them land and be recorded (undo restores them)
    return await uninterrupted(apply_and_record())

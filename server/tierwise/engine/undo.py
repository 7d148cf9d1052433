"""Undo a task: restore its files through the CheckpointPort, or from the engine's own copies.

The engine's fallback refuses, naming the file, when the user changed a file after the task last wrote it
(unless ``force``), like the git and copy checkpoints do.
"""

from __future__ import annotations

from tierwise.engine.ports import FileChange
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState
from tierwise.engine.steps import text_digest


class FileChangedSinceTask(RuntimeError):
    """The user changed a file after the task wrote it; undo would lose their work."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} was changed after the task edited it; undo refused so your change is not lost "
            "(use --force to restore anyway)"
        )
        self.path = path


async def run_undo(ctx: PhaseContext, state: TaskState, *, force: bool = False) -> list[str]:
    if ctx.checkpoints is not None:
        restored = await ctx.checkpoints.restore(state.id, force=force)
    else:
        restored = await _restore_from_copies(ctx, state, force=force)
    state.message = f"undone: {len(restored)} files restored"
    ctx.save(state)
    return restored


async def _restore_from_copies(ctx: PhaseContext, state: TaskState, *, force: bool) -> list[str]:
    originals = ctx.store.originals(state.id)
    changes: list[FileChange] = []
    for path, original in originals.items():
        doc = await ctx.files.read(path)
        if doc.text == original:
            continue
        if path not in state.written:
            continue  # checkpointed but never written by the task: nothing of ours to undo
        if not force and text_digest(doc.text) != state.written[path]:
            raise FileChangedSinceTask(path)
        changes.append(FileChange(path=path, base=doc, new_text=original))
    outcome = await ctx.files.apply(changes)
    if outcome.rejected and not force:
        path, why = next(iter(outcome.rejected.items()))
        raise FileChangedSinceTask(f"{path} ({why})")
    return list(outcome.applied)

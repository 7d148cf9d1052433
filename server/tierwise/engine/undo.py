"""Undo a task: restore its files through the CheckpointPort, or from the engine's own copies.

Files open in the editor (their ``Document`` has a buffer version) are restored through the FilesPort — a
versioned edit of the buffer, saved like every tierwise edit when the buffer had no unsaved text — and
never on disk behind the buffer's back; the checkpoint restores the rest (``skip``), and only after the
editor took every buffer restore (a refused one stops the undo before any file on disk changes). Before
anything changes, a buffer or a file that differs from what the task last left in it is refused, naming the
file (unless ``force``), like the git and copy checkpoints refuse files changed on disk.
"""

from __future__ import annotations

from tierwise.engine.ports import Document, FileChange
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


class BufferNotRestored(FileChangedSinceTask):
    """The editor did not apply the restore of an open buffer; the undo stopped there."""

    def __init__(self, path: str, why: str, restored: list[str]) -> None:
        done = f"restored only {', '.join(restored)}" if restored else "nothing was restored"
        RuntimeError.__init__(
            self, f"undo stopped: {path} could not be restored in the editor ({why}); {done}"
        )
        self.path = path
        self.restored = restored


async def run_undo(ctx: PhaseContext, state: TaskState, *, force: bool = False) -> list[str]:
    if ctx.checkpoints is not None:
        buffers = await _open_buffers(ctx, state)
        changes = _changes(ctx, state, buffers, force=force)
        if changes and not force:  # buffers go first: a closed file's refusal must come before any of them
            await _check_closed(ctx, state, skip=set(buffers))
        # the buffers first: the closed files are restored on disk only once the editor took every restore
        restored = await _apply(ctx, changes, force=force)
        restored += await ctx.checkpoints.restore(state.id, force=force, skip=list(buffers))
    else:
        docs = {path: await ctx.files.read(path) for path in ctx.store.originals(state.id)}
        restored = await _apply(ctx, _changes(ctx, state, docs, force=force), force=force)
    state.message = f"undone: {len(restored)} files restored"
    ctx.save(state)
    return restored


async def _open_buffers(ctx: PhaseContext, state: TaskState) -> dict[str, Document]:
    """The task's files that are open in the editor (read from their buffers)."""
    docs = {path: await ctx.files.read(path) for path in ctx.store.originals(state.id)}
    return {path: doc for path, doc in docs.items() if doc.version is not None}


def _changes(
    ctx: PhaseContext, state: TaskState, docs: dict[str, Document], *, force: bool
) -> list[FileChange]:
    """The changes back to the originals; raises ``FileChangedSinceTask`` before anything is applied."""
    originals = ctx.store.originals(state.id)
    changes: list[FileChange] = []
    for path, doc in docs.items():
        original = originals.get(path)
        if doc.text == original or path not in state.written:
            continue  # unchanged, or checkpointed but never written by the task: nothing of ours to undo
        if not force and text_digest(doc.text) != state.written[path]:
            raise FileChangedSinceTask(path)
        changes.append(FileChange(path=path, base=doc, new_text=original))
    return changes


async def _check_closed(ctx: PhaseContext, state: TaskState, *, skip: set[str]) -> None:
    """Refuse (``FileChangedSinceTask``) before anything changes when a file that is not open differs from
    what the task last wrote (the checkpoint checks again as it restores)."""
    for path, digest in state.written.items():
        if path in skip:
            continue
        doc = await ctx.files.read(path)
        if text_digest(doc.text) != digest:
            raise FileChangedSinceTask(path)


async def _apply(ctx: PhaseContext, changes: list[FileChange], *, force: bool) -> list[str]:
    outcome = await ctx.files.apply(changes)
    if outcome.rejected and not force:
        path, why = next(iter(outcome.rejected.items()))
        raise BufferNotRestored(path, why, list(outcome.applied))
    return list(outcome.applied)

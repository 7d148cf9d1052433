"""``FilesPort`` over the editor: open documents are read from their buffers and edited with versioned
``workspace/applyEdit``; files not open in the editor are read fresh from disk and written atomically.

Policy, per change (each file is its own ``workspace/applyEdit`` so a refusal maps to exactly one path):

- the base the engine read must still hold: same buffer version for open files, same disk text otherwise;
  if not, the change is rejected (``ApplyOutcome.rejected``) and the engine recomputes it once;
- open file  → ``TextDocumentEdit`` with the version the engine read (the client refuses a stale one);
- closed file → atomic disk write (an ``applyEdit`` would leave an unsaved buffer that tests never see);
- new / deleted / renamed file → ``CreateFile`` / ``DeleteFile`` / ``RenameFile`` when the client supports
  that resource operation, atomic disk operations otherwise;
- write-through: after the editor applied an edit, the new text is also saved to disk when the disk still
  held the text the engine started from, so configured commands (tests) see what the editor shows;
- tierwise's own task documents (``FileChange.artifact``: PLAN.md, only under ``.tierwise/tasks/``) go
  through the buffer like any edit and are always written through: the engine read the whole buffer,
  unsaved text included, and what it writes already holds it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from tierwise.lsp import workspace_edit as wse
from tierwise.lsp.paths import OutsideWorkspace, absolute, relpath_for, uri_for, writable
from tierwise.uninterrupted import uninterrupted
from tierwise.workspace_files import list_workspace_files

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer
    from pygls.workspace import TextDocument

    from tierwise.engine.ports import ApplyOutcome, Document, FileChange

log = logging.getLogger(__name__)

SYNC_WAIT_S = 2.0  # how long a read waits for the client's didChange after an applied edit
ARTIFACT_DIR = ".tierwise/tasks/"  # where tierwise's own documents (PLAN.md) live


def _norm(text: str | None) -> str | None:
    return None if text is None else text.replace("\r\n", "\n")


@dataclass(frozen=True)
class Echo:
    """An edit the client applied whose ``didChange`` has not arrived yet (Neovim debounces it)."""

    text: str  # the text tierwise sent
    version: int | None  # the buffer version the edit was made for

    def seen_in(self, doc: TextDocument) -> bool:
        """The buffer reflects the edit: a later version (the client applied the edit on ``version``, so every
        change it sends afterwards includes it, with whatever the user typed since), or the very text."""
        later = self.version is not None and doc.version is not None and doc.version > self.version
        return later or _norm(doc.source) == _norm(self.text)


@dataclass(frozen=True)
class Current:
    text: str | None
    version: int | None
    is_open: bool


class EditorFiles:
    """The LSP ``FilesPort``."""

    def __init__(
        self,
        server: LanguageServer,
        root: Path,
        support: Callable[[], wse.ClientEditSupport],
        *,
        write_through: Callable[[], bool] = lambda: True,
        apply_timeout_s: float = 300.0,
        on_disk_state: Callable[[dict[str, str]], None] = lambda _states: None,
        on_disk_write: Callable[[str, str | None, str | None], None] = lambda _path, _old, _new: None,
    ) -> None:
        self._server = server
        self.root = root
        self._support = support
        self._write_through = write_through
        self._apply_timeout_s = apply_timeout_s
        self._expected: dict[str, Echo] = {}  # path -> an applied edit the client has not echoed yet
        self._on_disk_state = on_disk_state  # after each apply: {path: "saved" | "unsaved"} of open buffers
        self._disk_states: dict[str, str] = {}
        self._on_disk_write = on_disk_write  # (path, old text, new text) after a write of a file not open
        self._changed = asyncio.Event()
        self._locks: dict[str, asyncio.Lock] = {}  # path -> held from the base check to the bookkeeping
        self._disk_seen: dict[str, str | None] = {}  # open task document -> the saved text tierwise knows of

    # -- buffers ------------------------------------------------------------------------------------
    def open_document(self, path: str) -> TextDocument | None:
        for uri, doc in self._server.workspace.text_documents.items():
            try:
                if relpath_for(self.root, uri) == path:
                    return doc
            except OutsideWorkspace:
                continue
        return None

    def buffer_changed(self, path: str) -> None:
        """Called on didOpen/didChange/didClose: wakes readers waiting for an applied edit to arrive."""
        doc = self.open_document(path)
        expected = self._expected.get(path)
        if expected is not None and (doc is None or expected.seen_in(doc)):
            del self._expected[path]
        if path.startswith(ARTIFACT_DIR):
            if doc is None:
                self._disk_seen.pop(path, None)
            elif path not in self._disk_seen:  # didOpen: a buffer opens with the file's saved text
                self._disk_seen[path] = _norm(doc.source)
        self._changed.set()
        self._changed = asyncio.Event()

    def buffer_saved(self, path: str) -> None:
        """didSave: the file on disk now holds the buffer's text (kept for open task documents)."""
        doc = self.open_document(path)
        if doc is not None and path.startswith(ARTIFACT_DIR):
            self._disk_seen[path] = _norm(doc.source)

    async def _await_sync(self, path: str) -> None:
        deadline = asyncio.get_running_loop().time() + SYNC_WAIT_S
        while path in self._expected:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                log.warning("%s: the editor did not echo an applied edit in %.1fs", path, SYNC_WAIT_S)
                self._expected.pop(path, None)
                return
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=remaining)
            except TimeoutError:
                continue

    # -- FilesPort ---------------------------------------------------------------------------------
    async def read(self, path: str) -> Document:
        from tierwise.engine.ports import Document

        absolute(self.root, path)  # raises OutsideWorkspace
        await self._await_sync(path)
        current = await self._current(path)
        return Document(path=path, text=current.text, version=current.version)

    async def list_files(self) -> list[str]:
        return await asyncio.to_thread(list_workspace_files, self.root)

    async def apply(self, changes: Sequence[FileChange]) -> ApplyOutcome:
        from tierwise.engine.ports import ApplyOutcome

        outcome = ApplyOutcome()
        support = self._support()
        renames, rest = wse.pair_renames(changes) if support.supports(wse.RENAME) else ([], list(changes))
        try:
            for rename in renames:
                paths = [rename.old.path, rename.new.path]
                await self._guarded(outcome, paths, lambda r=rename: self._apply_rename(r, support))
            for change in rest:
                await self._guarded(outcome, [change.path], lambda c=change: self._apply_change(c, support))
        finally:
            states, self._disk_states = self._disk_states, {}
            if states:
                self._on_disk_state(states)
        return outcome

    @asynccontextmanager
    async def _holding(self, paths: list[str]) -> AsyncIterator[None]:
        """One tierwise edit of a path at a time: the base check, the write or ``applyEdit`` and the
        bookkeeping of one change never interleave with another's (two quick fixes, a task and a fix)."""
        async with AsyncExitStack() as stack:
            for path in sorted(set(paths)):
                await stack.enter_async_context(self._locks.setdefault(path, asyncio.Lock()))
            yield

    async def _guarded(
        self, outcome: ApplyOutcome, paths: list[str], work: Callable[[], Awaitable[str | None]]
    ) -> None:
        async with self._holding(paths):
            for path in paths:
                await self._await_sync(path)  # the previous edit's didChange first: its version is the base
            # once started, a change runs to its end (the editor may already hold the edit) and is
            # recorded in ``outcome``; a cancellation meanwhile is raised afterwards
            await uninterrupted(self._attempt(outcome, paths, work))

    async def _attempt(
        self, outcome: ApplyOutcome, paths: list[str], work: Callable[[], Awaitable[str | None]]
    ) -> None:
        try:
            reason = await work()
        except OutsideWorkspace as err:
            reason = str(err)
        except OSError as err:
            reason = f"could not write: {err.strerror or err}"
        for path in paths:
            if reason:
                outcome.rejected[path] = reason
            else:
                outcome.applied.append(path)

    async def _current(self, path: str) -> Current:
        doc = self.open_document(path)
        if doc is not None:
            return Current(text=doc.source, version=doc.version, is_open=True)
        return Current(text=await asyncio.to_thread(read_disk, self.root, path), version=None, is_open=False)

    async def _check_base(self, change: FileChange) -> tuple[Current, str | None]:
        current = await self._current(change.path)
        base = change.base
        if base.text is None:
            return (
                current,
                None if current.text is None else f"{change.path} was created since tierwise looked",
            )
        if current.text is None:
            return current, f"{change.path} was deleted since tierwise read it"
        if current.is_open and base.version is not None and current.version != base.version:
            return current, (
                f"{change.path}: the buffer changed since tierwise read it "
                f"(version {base.version} → {current.version})"
            )
        if _norm(current.text) != _norm(base.text):
            where = "in the editor" if current.is_open else "on disk"
            return current, f"{change.path} changed {where} since tierwise read it"
        return current, None

    async def _apply_change(self, change: FileChange, support: wse.ClientEditSupport) -> str | None:
        if change.artifact and not change.path.startswith(ARTIFACT_DIR):
            return f"{change.path} is not a tierwise task document"
        writable(self.root, change.path, artifact=change.artifact)  # never a protected location, by any path
        current, stale = await self._check_base(change)
        if stale:
            return stale
        uri = uri_for(self.root, change.path)
        if change.new_text is None:
            if support.supports(wse.DELETE):
                return await self._send(wse.delete_edit(uri), f"tierwise: delete {change.path}")
            await asyncio.to_thread(delete_disk, self.root, change.path)
            self._on_disk_write(change.path, current.text, None)
            return None
        if change.base.text is None:
            if support.supports(wse.CREATE):
                refused = await self._send(
                    wse.create_edit(uri, change.new_text), f"tierwise: create {change.path}"
                )
                if not refused:
                    state = await self._sync_disk(change.path, None, change.new_text)
                    if state is not None:
                        self._disk_states[change.path] = state
                return refused
            await asyncio.to_thread(write_disk, self.root, change.path, change.new_text)
            return None
        if not current.is_open:
            await asyncio.to_thread(write_disk, self.root, change.path, change.new_text)
            self._on_disk_write(change.path, current.text, change.new_text)
            return None
        edit = wse.modify_edit(uri, current.version, current.text or "", change.new_text, support)
        refused = await self._send(edit, f"tierwise: edit {change.path}")
        if not refused:
            doc = self.open_document(change.path)
            echo = Echo(change.new_text, current.version)
            if doc is not None and not echo.seen_in(doc):
                self._expected[change.path] = echo  # the client's didChange is still on its way
            state = await self._sync_disk(change.path, change.base.text, change.new_text, supersedes=change.artifact)
            if state is not None and not (change.artifact and state == "saved"):
                self._disk_states[change.path] = state
        return refused

    async def _apply_rename(self, rename: wse.Rename, support: wse.ClientEditSupport) -> str | None:
        for change in (rename.old, rename.new):
            writable(self.root, change.path)
            _, stale = await self._check_base(change)
            if stale:
                return stale
        old_uri, new_uri = uri_for(self.root, rename.old.path), uri_for(self.root, rename.new.path)
        return await self._send(
            wse.rename_edit(old_uri, new_uri), f"tierwise: rename {rename.old.path} → {rename.new.path}"
        )

    async def _send(self, edit: types.WorkspaceEdit, label: str) -> str | None:
        """Send one ``workspace/applyEdit``; the refusal reason, or None when applied."""
        params = types.ApplyWorkspaceEditParams(edit=edit, label=label)
        try:
            result = await asyncio.wait_for(
                self._server.workspace_apply_edit_async(params), timeout=self._apply_timeout_s
            )
        except TimeoutError:
            return f"the editor did not answer workspace/applyEdit in {self._apply_timeout_s:.0f}s"
        except Exception as err:  # an error response from the client
            return f"the editor answered workspace/applyEdit with an error: {err}"
        if result is None or not result.applied:
            reason = (result.failure_reason if result else None) or "no reason given"
            return f"the editor refused the edit: {reason}"
        return None

    async def _sync_disk(
        self, path: str, base_text: str | None, new_text: str, *, supersedes: bool = False
    ) -> str | None:
        """Write-through: save ``new_text`` when the disk still holds what the engine started from — or, for
        tierwise's own task document (``supersedes``: the engine read the whole buffer, unsaved text
        included, and wrote its successor), when the disk still holds what it held when the document was
        opened or tierwise last wrote (never over another program's change). Returns ``"saved"`` (written
        now), ``"unsaved"`` (the buffer and the saved file differed: the edit is only in the editor),
        ``"kept"`` (write-through is off) or None (the disk already held the new text)."""
        if not self._write_through():
            return "kept"
        on_disk = await asyncio.to_thread(read_disk, self.root, path)
        if _norm(on_disk) == _norm(new_text):
            return None
        ours = supersedes and path in self._disk_seen and self._disk_seen[path] == _norm(on_disk)
        if ours or _norm(on_disk) == _norm(base_text) or (base_text is None and not on_disk):
            await asyncio.to_thread(write_disk, self.root, path, new_text)
            if path.startswith(ARTIFACT_DIR) and self.open_document(path) is not None:
                self._disk_seen[path] = _norm(new_text)
            return "saved"
        level = logging.WARNING if supersedes else logging.INFO
        log.log(level, "%s: the buffer and the saved file differ; left the saved file alone", path)
        return "unsaved"


# -- disk helpers (run in a worker thread) -----------------------------------------------------------
def read_disk(root: Path, path: str) -> str | None:
    """The file's text decoded as ``tierwise.edits.read_text_file`` does, or None when absent."""
    from tierwise.edits import read_text_file

    target = absolute(root, path)
    if not target.is_file():
        return None
    return read_text_file(target).text


def write_disk(root: Path, path: str, text: str) -> None:
    """Atomic write that keeps the existing file's encoding and BOM."""
    from tierwise.edits import read_text_file, write_text_atomic

    target = writable(root, path, artifact=path.startswith(ARTIFACT_DIR))  # callers checked the change first
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():
        existing = read_text_file(target)
        write_text_atomic(target, text, encoding=existing.encoding, bom=existing.bom)
    else:
        write_text_atomic(target, text)


def delete_disk(root: Path, path: str) -> None:
    """Delete ``path`` (a symbolic link itself, never the file it points to; checked like a write)."""
    from tierwise.edits import PathOutsideWorkspace
    from tierwise.edits.paths import resolve_for_delete

    try:
        target = resolve_for_delete(root, path)
    except PathOutsideWorkspace as err:
        raise OutsideWorkspace(str(err)) from err
    if target.is_file() or target.is_symlink():
        target.unlink()

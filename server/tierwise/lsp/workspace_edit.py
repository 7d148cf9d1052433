"""Pure translation of engine file changes into LSP ``WorkspaceEdit``s.

Text edits are the minimal edits between the text the engine read and the text it wants
(``tierwise.edits.minimal_text_edits``), in the negotiated position encoding, so that an edit computed
against an older buffer fails the client's version check instead of clobbering what the user typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from tierwise.engine.ports import FileChange

CREATE, RENAME, DELETE = "create", "rename", "delete"


@dataclass(frozen=True)
class ClientEditSupport:
    """What the client's ``workspace.workspaceEdit`` capability allows."""

    document_changes: bool = False
    resource_operations: frozenset[str] = frozenset()
    encoding: str = "utf-16"

    @classmethod
    def from_capabilities(cls, caps: types.ClientCapabilities | None, encoding: str) -> ClientEditSupport:
        edit_caps = caps.workspace.workspace_edit if caps and caps.workspace else None
        raw_ops = (edit_caps.resource_operations or []) if edit_caps else []
        ops = frozenset(str(getattr(op, "value", op)) for op in raw_ops)
        # Resource operations only exist inside ``documentChanges``; a client announcing them supports it
        # (Neovim announces resourceOperations without documentChanges).
        doc_changes = bool(edit_caps and (edit_caps.document_changes or ops))
        return cls(document_changes=doc_changes, resource_operations=ops, encoding=encoding)

    def supports(self, operation: str) -> bool:
        return self.document_changes and operation in self.resource_operations


@dataclass(frozen=True)
class Rename:
    """A delete and a create of identical content, sent as one ``RenameFile``."""

    old: FileChange
    new: FileChange


def pair_renames(changes: Sequence[FileChange]) -> tuple[list[Rename], list[FileChange]]:
    """Split ``changes`` into renames (a delete whose text reappears in exactly one create) and the rest."""
    deletes = [c for c in changes if c.new_text is None and c.base.text is not None]
    creates = [c for c in changes if c.base.text is None and c.new_text is not None]
    renames: list[Rename] = []
    used: set[int] = set()
    for deleted in deletes:
        matches = [c for c in creates if c.new_text == deleted.base.text and id(c) not in used]
        if len(matches) == 1:
            used.update({id(deleted), id(matches[0])})
            renames.append(Rename(old=deleted, new=matches[0]))
    return renames, [c for c in changes if id(c) not in used]


def text_edits(old: str, new: str, encoding: str) -> list[types.TextEdit]:
    """Minimal LSP text edits turning ``old`` into ``new``, positions in ``encoding`` code units."""
    from tierwise.edits import minimal_text_edits

    return [
        types.TextEdit(
            range=types.Range(
                start=types.Position(line=e.start_line, character=e.start_character),
                end=types.Position(line=e.end_line, character=e.end_character),
            ),
            new_text=e.new_text,
        )
        for e in minimal_text_edits(old, new, encoding=encoding)  # type: ignore[arg-type]
    ]


def modify_edit(
    uri: str, version: int | None, old: str, new: str, support: ClientEditSupport
) -> types.WorkspaceEdit:
    """An edit of an existing document, versioned when the client takes ``documentChanges``."""
    edits = text_edits(old, new, support.encoding)
    if not support.document_changes:
        return types.WorkspaceEdit(changes={uri: edits})
    identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    return types.WorkspaceEdit(
        document_changes=[types.TextDocumentEdit(text_document=identifier, edits=list(edits))]
    )


def create_edit(uri: str, text: str) -> types.WorkspaceEdit:
    """``CreateFile`` followed by the insertion of its text (needs the ``create`` resource operation)."""
    operations: list[types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile] = [
        types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False))
    ]
    if text:
        insert = types.TextEdit(
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
            ),
            new_text=text,
        )
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None)
        operations.append(types.TextDocumentEdit(text_document=identifier, edits=[insert]))
    return types.WorkspaceEdit(document_changes=operations)


def delete_edit(uri: str) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(
        document_changes=[
            types.DeleteFile(uri=uri, options=types.DeleteFileOptions(ignore_if_not_exists=True))
        ]
    )


def rename_edit(old_uri: str, new_uri: str) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(
        document_changes=[
            types.RenameFile(
                old_uri=old_uri,
                new_uri=new_uri,
                options=types.RenameFileOptions(overwrite=False, ignore_if_exists=False),
            )
        ]
    )


def merge(edits: Sequence[types.WorkspaceEdit]) -> types.WorkspaceEdit:
    """One edit holding all of ``edits`` (used for a code action touching several files)."""
    if all(e.document_changes is None for e in edits):
        changes: dict[str, list[types.TextEdit]] = {}
        for e in edits:
            for uri, text_edit in (e.changes or {}).items():
                changes.setdefault(uri, []).extend(text_edit)
        return types.WorkspaceEdit(changes=changes)
    document_changes: list[
        types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile
    ] = []
    for e in edits:
        document_changes.extend(e.document_changes or [])
        for uri, text_edit in (e.changes or {}).items():
            identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None)
            document_changes.append(types.TextDocumentEdit(text_document=identifier, edits=list(text_edit)))
    return types.WorkspaceEdit(document_changes=document_changes)


def touched_lines(edit: types.WorkspaceEdit) -> int:
    """How many text edits ``edit`` carries (for log lines)."""
    count = sum(len(v) for v in (edit.changes or {}).values())
    for change in edit.document_changes or []:
        count += len(change.edits) if isinstance(change, types.TextDocumentEdit) else 1
    return count

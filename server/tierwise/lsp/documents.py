"""The server's copies of open buffers count lines as LSP does.

pygls' ``TextDocument.lines`` splits with ``str.splitlines``, which also breaks at ``\\x0b``, ``\\x0c``,
``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029; LSP positions count only ``\\n``, ``\\r\\n`` and ``\\r``. With
such a character in a buffer every incremental ``didChange`` after it was applied on the wrong line, and the
next tierwise edit, computed from that copy, garbled the buffer. Here ``lines`` splits at LSP line breaks
only, so ``didChange``, position conversions and offsets (all built on ``lines``) agree with the client.
"""

from __future__ import annotations

from collections.abc import Sequence

from pygls.workspace import TextDocument, Workspace

from tierwise.edits.text import split_keepends


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_keepends(self.source))


class LspWorkspace(Workspace):
    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )


def use_lsp_lines(workspace: Workspace) -> None:
    """Make ``workspace`` (pygls creates it in its own ``initialize`` handler, before the server's runs) keep
    its documents as ``LspTextDocument``s; the subclasses add no state, so the class is swapped in place."""
    if not isinstance(workspace, LspWorkspace):
        workspace.__class__ = LspWorkspace
    for doc in workspace.text_documents.values():
        if not isinstance(doc, LspTextDocument):
            doc.__class__ = LspTextDocument

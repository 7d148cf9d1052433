"""Reviewer suggestions (chunked SEARCH/REPLACE text) → engine ``FileChange``s, without a model call.

A thin translator: the engine computes the changes the way it does for a quick fix
(``tierwise.engine.guards.standalone_changes``: the edit engine against the current texts — the editor's
buffer for open files, the disk otherwise, through the editor's FilesPort — then the test-infrastructure
and tierwise-configuration rules); this module only parses the suggestion and names the failure.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tierwise.engine.ports import FileChange
    from tierwise.lsp.files import EditorFiles


class SuggestionDoesNotApply(ValueError):
    """The suggestion's blocks no longer match the file, or a rule refuses them (the message says which)."""


async def changes_for_suggestion(files: EditorFiles, root: Path, suggestion: str) -> list[FileChange]:
    from tierwise.edits import parse_reply
    from tierwise.engine.guards import ChangesDoNotApply, standalone_changes

    blocks = parse_reply(suggestion)
    if not blocks:
        raise SuggestionDoesNotApply("the reviewer's suggestion holds no SEARCH/REPLACE block")
    try:
        return await standalone_changes(files, root, blocks, "reviewer's suggestion")
    except ChangesDoNotApply as err:
        raise SuggestionDoesNotApply(str(err)) from None

"""What ``codeAction/resolve`` prepared for a tierwise code action, kept until the client runs the action's
``tierwise.applyCodeAction`` command.

Resolve makes the model call and returns the action without an ``edit``; the command then applies the
changes like every other tierwise edit — ``workspace/applyEdit`` with the buffer's version (checked from
the first version on), saved by the plugins or written through by the server when the file had no unsaved
changes. A client applying a code action's ``edit`` itself would leave the buffer unsaved (nothing tells
the plugin to save) and, in Neovim, unchecked for the first version (0). A resolve that failed is
remembered too, so a client that runs the command anyway (Neovim does) shows why.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tierwise.engine.ports import FileChange

KEEP = 64  # resolved actions remembered (the user applies one, rarely several)


@dataclass(frozen=True)
class Resolved:
    changes: tuple[FileChange, ...] = ()
    what: str = "quick fix"  # for messages: "quick fix" or "reviewer's suggestion"
    finding_id: str | None = None  # a reviewer's suggestion: the finding to clear once applied
    failure: str | None = None


class ClientEdits:
    def __init__(self) -> None:
        self._resolved: OrderedDict[str, Resolved] = OrderedDict()

    def remember(self, action_id: str, changes: list[FileChange], *, finding_id: str | None = None) -> None:
        what = "reviewer's suggestion" if finding_id else "quick fix"
        self._put(action_id, Resolved(changes=tuple(changes), what=what, finding_id=finding_id))

    def failed(self, action_id: str, reason: str) -> None:
        self._put(action_id, Resolved(failure=reason))

    def take(self, action_id: str) -> Resolved | None:
        return self._resolved.pop(action_id, None)

    def _put(self, action_id: str, resolved: Resolved) -> None:
        self._resolved[action_id] = resolved
        self._resolved.move_to_end(action_id)
        while len(self._resolved) > KEEP:
            self._resolved.popitem(last=False)

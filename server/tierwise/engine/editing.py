"""From a model reply to applied files: parse blocks, plan them against current texts, apply via FilesPort.

Used by implement, fix, review ``--apply`` and quick fixes. Texts come from ``FilesPort.read`` (the
editor's buffers when open), never straight from disk, and changes go through ``FilesPort.apply`` with the
text they were computed against, so an edit never overwrites something the user typed meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tierwise.config_guard import tierwise_config_reason
from tierwise.edits import EditBlock, EditResult, parse_reply, plan_edits, workspace_file_exists
from tierwise.engine.paths import OutsideWorkspace, normalize_relpath
from tierwise.engine.ports import Document, FileChange, FilesPort
from tierwise.path_aliases import Aliases

Gate = Callable[[str], "str | None"]
"""Returns why a block for this workspace path is not allowed in this phase, or None when it is."""
ChangeGate = Callable[[str, "str | None", "str | None"], "str | None"]
"""Returns why a computed change (path, old text, new text) is not allowed in this phase, or None."""


@dataclass
class EditReport:
    """What one reply did. ``retry_message`` is the text sent back to the model (empty when all applied)."""

    blocks: int = 0
    applied_files: list[str] = field(default_factory=list)
    refused: list[dict[str, object]] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    retry_message: str = ""

    @property
    def all_applied(self) -> bool:
        return self.blocks > 0 and not self.refused and not self.rejected

    def to_dict(self) -> dict[str, object]:
        return {
            "blocks": self.blocks,
            "applied_files": self.applied_files,
            "refused": self.refused,
            "rejected": self.rejected,
            "retry_message": self.retry_message,
            "all_applied": self.all_applied,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> EditReport:
        return cls(
            blocks=int(data.get("blocks", 0)),  # type: ignore[arg-type]
            applied_files=list(data.get("applied_files", [])),  # type: ignore[call-overload]
            refused=list(data.get("refused", [])),  # type: ignore[call-overload]
            rejected=dict(data.get("rejected", {})),  # type: ignore[call-overload]
            retry_message=str(data.get("retry_message", "")),
        )


NO_BLOCKS_MESSAGE = (
    "Your answer contained no edit blocks, so nothing was changed. Answer only with SEARCH/REPLACE blocks: "
    "the file path on its own line, then <<<<<<< SEARCH, the exact current lines, =======, the new lines, "
    ">>>>>>> REPLACE."
)


def under_every_name(rule: Callable[..., str | None], path: str, aliases: Aliases | None, *args: str | None) -> str | None:
    """``rule`` for ``path`` and for every other name the file has (``tierwise.path_aliases``: where it
    resolves, links that lead to it), so a rule that goes by names holds whichever name a reply writes."""
    for name in aliases.names(path) if aliases is not None else [path]:
        reason = rule(name, *args)
        if reason:
            return reason if name == path else f"{reason} ({path} is {name} through a symbolic link)"
    return None


def _gate_blocks(
    blocks: list[EditBlock], root: Path, gate: Gate | None, aliases: Aliases | None = None
) -> tuple[list[EditBlock], list[str]]:
    kept: list[EditBlock] = []
    refusals: list[str] = []
    for block in blocks:
        try:
            path = normalize_relpath(root, block.path) if block.path.strip() else ""
        except OutsideWorkspace as err:
            refusals.append(f"Block {block.index + 1} was not applied: {err}.")
            continue
        reason = under_every_name(gate, path, aliases) if (gate is not None and path) else None
        if reason:
            refusals.append(f"Block {block.index + 1} ({path}) was not applied: {reason}")
        else:
            kept.append(block)
    return kept, refusals


async def _documents(files: FilesPort, root: Path, blocks: Sequence[EditBlock]) -> dict[str, Document]:
    docs: dict[str, Document] = {}
    for block in blocks:
        try:
            path = normalize_relpath(root, block.path)
        except OutsideWorkspace:
            continue
        if path not in docs:
            try:
                docs[path] = await files.read(path)
            except (OSError, ValueError):
                continue
    return docs


async def plan_reply(
    files: FilesPort, root: Path, blocks: list[EditBlock]
) -> tuple[EditResult, list[FileChange]]:
    """Compute the changes of ``blocks`` against the current texts (nothing is written)."""
    docs = await _documents(files, root, blocks)

    def read(path: str) -> str | None:
        doc = docs.get(path)
        if doc is None:
            return None
        return doc.text

    result = await asyncio.to_thread(plan_edits, blocks, root, read=read)  # matching a long file takes a while
    changes = [
        FileChange(path=f.path, base=docs.get(f.path, Document(f.path, None)), new_text=f.new_text)
        for f in result.files
        if f.changed
    ]
    return result, changes


def screen_changes(
    changes: list[FileChange], change_gate: ChangeGate | None, aliases: Aliases | None = None
) -> tuple[list[FileChange], list[str]]:
    """Drop the changes a phase may not make: always those touching tierwise's configuration
    (``[tool.tierwise]`` in pyproject.toml, tierwise keys of VS Code settings: ``tierwise.config_guard``),
    plus what ``change_gate`` refuses, under every name of the file (``aliases``); returns (kept, messages)."""
    kept: list[FileChange] = []
    refusals: list[str] = []
    for change in changes:
        old, new = change.base.text, change.new_text
        reason = under_every_name(tierwise_config_reason, change.path, aliases, old, new)
        if reason is None and change_gate is not None:
            reason = under_every_name(change_gate, change.path, aliases, old, new)
        if reason:
            refusals.append(f"The change to {change.path} was not applied: {reason}. Leave it as it is.")
        else:
            kept.append(change)
    return kept, refusals


def _refused_entries(result: EditResult) -> list[dict[str, object]]:
    return [
        {"index": b.index, "path": b.path, "reason": b.reason, "message": b.message}
        for b in result.refused
    ]


async def apply_reply(
    files: FilesPort,
    root: Path,
    text: str,
    *,
    before_write: Callable[[list[str]], object] | None = None,
    gate: Gate | None = None,
    change_gate: ChangeGate | None = None,
) -> EditReport:
    """Parse ``text``, apply what applies, and describe the rest for the model.

    ``before_write`` gets the paths about to change (for checkpoints; may be a coroutine function).
    ``gate`` screens block paths before planning, ``change_gate`` the computed changes (texts before and
    after); tierwise's configuration is refused whatever the gates say. A change rejected because the
    file moved under it is recomputed against the new text once.
    """
    blocks = parse_reply(text, exists=workspace_file_exists(root))
    report = EditReport(blocks=len(blocks))
    if not blocks:
        report.retry_message = NO_BLOCKS_MESSAGE
        return report
    aliases = await asyncio.to_thread(Aliases.load, root)
    blocks, gate_refusals = _gate_blocks(blocks, root, gate, aliases)
    result, changes = await plan_reply(files, root, blocks)
    changes, screened = screen_changes(changes, change_gate, aliases)
    gate_refusals += screened
    report.refused = _refused_entries(result)
    report.refused += [{"index": None, "path": None, "reason": "not_allowed", "message": m} for m in gate_refusals]
    if changes:
        if before_write is not None:
            maybe = before_write([c.path for c in changes])
            if hasattr(maybe, "__await__"):
                await maybe  # type: ignore[misc]
        outcome = await files.apply(changes)
        report.applied_files = list(outcome.applied)
        if outcome.rejected:
            moved = [b for b in blocks if _safe_norm(root, b.path) in outcome.rejected]
            retry_result, retry_changes = await plan_reply(files, root, moved)
            retry_changes, _ = screen_changes(retry_changes, change_gate, aliases)
            second = await files.apply(retry_changes) if retry_changes else None
            if second is not None:
                report.applied_files += second.applied
                report.rejected = dict(second.rejected)
            else:
                report.rejected = dict(outcome.rejected)
            report.refused += _refused_entries(retry_result)
    parts = [result.retry_message().strip()] if result.refused else []
    parts += gate_refusals
    parts += [f"{path}: the change could not be applied ({why})." for path, why in report.rejected.items()]
    report.retry_message = "\n\n".join(p for p in parts if p)
    return report


def _safe_norm(root: Path, path: str) -> str:
    try:
        return normalize_relpath(root, path)
    except OutsideWorkspace:
        return path

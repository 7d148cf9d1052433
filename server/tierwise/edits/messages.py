"""Refusal messages, written for the model that has to retry the block."""

from __future__ import annotations

from collections.abc import Sequence

from tierwise.edits.locate import closest_region
from tierwise.edits.model import EditBlock

MAX_SHOWN_LINES = 12


def _head(block: EditBlock, path: str | None = None) -> str:
    return f"Block {block.index + 1} ({path or block.path or 'no file name'}) was not applied:"


def numbered(lines: Sequence[str], first: int, last: int) -> str:
    """Lines ``[first, last)`` (0-based) with 1-based numbers, clipped to a dozen lines."""
    last = min(last, len(lines), first + MAX_SHOWN_LINES)
    width = len(str(last))
    return "\n".join(f"{i + 1:>{width}} | {lines[i]}" for i in range(first, last))


def not_found(block: EditBlock, path: str, lines: Sequence[str], search: Sequence[str]) -> str:
    text = f"{_head(block, path)} its SEARCH text was not found in the file."
    region = closest_region(lines, search)
    if region is not None:
        first, last = region
        text += f"\nThe closest lines in {path} are (lines {first + 1}-{last + 1}):\n"
        text += numbered(lines, first, last + 1)
    elif not lines:
        text += f"\n{path} is empty."
    return text + "\nCopy the SEARCH lines exactly from the current file, with their indentation, and resend the block."


def ambiguous(block: EditBlock, path: str, lines: Sequence[str], starts: Sequence[int], size: int) -> str:
    where = ", ".join(f"{s + 1}-{s + max(size, 1)}" for s in starts[:8])
    text = f"{_head(block, path)} its SEARCH text matches {len(starts) if len(starts) > 1 else 'more than one'} places"
    text += f" (lines {where})." if starts else "."
    if starts:
        text += "\nThe first of them:\n" + numbered(lines, starts[0], starts[0] + max(size, 1))
    return text + "\nAdd a few unchanged lines before or after to SEARCH (and REPLACE) so it matches exactly one place."


def divider(block: EditBlock, path: str) -> str:
    return (
        f"{_head(block, path)} several of its lines are exactly '=======' (the divider), and no way of "
        "splitting it into SEARCH and REPLACE gives a SEARCH found exactly once in the file. Resend it so "
        "that only the divider is exactly '=======': choose SEARCH lines that leave out a quoted "
        "'=======' line (an RST underline, a conflict marker), or send the change as a unified diff "
        "(--- a/path, +++ b/path, @@ hunks)."
    )


def already_applied(block: EditBlock, path: str, lines: Sequence[str], found: tuple[int, int]) -> str:
    first, last = found
    return (
        f"{_head(block, path)} its SEARCH text was not found, but its REPLACE text is already present "
        f"(lines {first + 1}-{last}); the edit seems already done. Leave this block out.\n"
        + numbered(lines, first, last)
    )


def file_missing(block: EditBlock, path: str, similar: Sequence[str]) -> str:
    text = f"{_head(block, path)} the file does not exist. To create a new file, use an empty SEARCH section."
    if similar:
        text += "\nExisting files with similar names: " + ", ".join(similar) + "."
    return text


def outside_workspace(block: EditBlock, detail: str) -> str:
    return (
        f"{_head(block)} the path is outside the workspace or not allowed ({detail}). "
        "Use a path relative to the workspace root, without '..'."
    )


def simple(block: EditBlock, path: str, reason: str, detail: str = "") -> str:
    explanations = {
        "binary": "the file is binary; it cannot be edited with text blocks.",
        "too_large": "the file is too large to edit.",
        "unreadable": "the file could not be read.",
        "no_path": (
            "no file name was given before the block, or the line before it was not read as one. Put the "
            "file path, relative to the workspace root, on its own line right before the block."
        ),
        "bad_elision": (
            "SEARCH elides lines ('...' or a 'rest unchanged' comment) but REPLACE does not elide the same "
            "places. Quote the lines in full, or elide in both SEARCH and REPLACE at the same places."
        ),
        "file_exists": (
            "the file already exists and is not empty, so it cannot be created or rewritten whole. "
            "Change it with SEARCH/REPLACE blocks that quote the lines to change."
        ),
        "unencodable": "the new text has characters that the file's encoding cannot store.",
    }
    text = f"{_head(block, path)} {explanations.get(reason, reason)}"
    return f"{text} ({detail})" if detail else text


def file_refused(block: EditBlock, path: str, failed: Sequence[int]) -> str:
    names = ", ".join(str(i + 1) for i in failed)
    return (
        f"Block {block.index + 1} ({path}) was held back: it would apply, but block(s) {names} of the same "
        "file were refused and each file is changed all-or-nothing. Resend it with the corrected blocks."
    )

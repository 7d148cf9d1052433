"""Ideal replies built from a real diff, the way a careful model quotes: one SEARCH/REPLACE block per
``diff -U3`` hunk, its context grown only when the SEARCH text occurs more than once in the file.

The file name before each block is written in one of the ways models write it (bare, backticked, bold,
``File:``), so names such as ``_pytest/__init__.py`` meet Markdown decoration.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tierwise.edits import EditBlock
from tierwise.edits.diff import opcodes
from tierwise.edits.scan import find_exact_at
from tierwise.edits.text import content_lines

CONTEXT = 3
NAME_STYLES = ("{}", "`{}`", "**{}**", "**`{}`**:", "File: {}", "### {}")
FENCE_LANG = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
              ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx", ".go": "go", ".rs": "rust"}


def _text(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


def hunks(a: Sequence[str], b: Sequence[str], context: int = CONTEXT) -> list[tuple[int, int, int, int]]:
    """``(i1, i2, j1, j2)`` per changed region of a ``diff -U{context}``: changes closer than
    ``2 * context`` unchanged lines share a hunk; ranges exclude the context."""
    changes = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in opcodes(a, b) if tag != "equal"]
    merged: list[tuple[int, int, int, int]] = []
    for change in changes:
        if merged and change[0] - merged[-1][1] <= 2 * context:
            i1, _, j1, _ = merged[-1]
            merged[-1] = (i1, change[1], j1, change[3])
        else:
            merged.append(change)
    return merged


def _unique(cur: list[str], search: list[str]) -> bool:
    return len(find_exact_at("\n".join(cur), search, limit=2)) == 1


def diff_blocks(old: str | None, new: str, path: str, context: int = CONTEXT) -> list[EditBlock]:
    """One block per hunk of the real diff, each applied to the text the previous ones left."""
    if old is None or not old.strip():
        return [EditBlock(path, "", _text(content_lines(new)), "search_replace", 0)]
    a, b = content_lines(old), content_lines(new)
    cur = list(a)
    delta = 0
    blocks: list[EditBlock] = []
    for i1, i2, j1, j2 in hunks(a, b, context):
        ci1, ci2 = i1 + delta, i2 + delta
        mid = b[j1:j2]
        before, after = min(context, ci1), min(context, len(cur) - ci2)
        while True:
            search = cur[ci1 - before : ci2 + after]
            if any(line.strip() for line in search) and _unique(cur, search):
                break
            if ci1 - before == 0 and ci2 + after == len(cur):
                break  # the whole file: unique by definition (or blank)
            before, after = min(before + 1, ci1), min(after + 1, len(cur) - ci2)
        replace = cur[ci1 - before : ci1] + mid + cur[ci2 : ci2 + after]
        blocks.append(EditBlock(path, _text(search), _text(replace), "search_replace", len(blocks)))
        cur[ci1:ci2] = mid
        delta += (j2 - j1) - (i2 - i1)
    return blocks


def render(blocks: Sequence[EditBlock], style: int = 0) -> str:
    """A reply: for each block the file name (in name style ``style``), then a fenced SEARCH/REPLACE."""
    parts: list[str] = []
    for block in blocks:
        body = block.search + block.replace
        fence = "`" * max(3, 1 + max((len(run) for run in _backtick_runs(body)), default=0))
        lang = FENCE_LANG.get(Path(block.path).suffix, "")
        name = NAME_STYLES[style % len(NAME_STYLES)].format(block.path)
        parts.append(f"{name}\n{fence}{lang}\n<<<<<<< SEARCH\n{block.search}=======\n{block.replace}>>>>>>> REPLACE\n{fence}\n")
    return "\n".join(parts)


def _backtick_runs(text: str) -> list[str]:
    runs, current = [], ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("```"):
            current = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            runs.append(current)
    return runs

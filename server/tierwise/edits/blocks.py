"""Building ideal SEARCH/REPLACE blocks from two texts (few-shot prompts, benchmarks, tests)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tierwise.edits.apply import Applied, FileState, apply_search_replace
from tierwise.edits.diff import opcodes
from tierwise.edits.model import EditBlock
from tierwise.edits.text import content_lines

_LANG_BY_SUFFIX = {".py": "python", ".pyi": "python", ".md": "markdown", ".toml": "toml", ".json": "json"}
MAX_CONTEXT = 200


def _text(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _applies(cur: list[str], search: list[str], replace: list[str], expected: list[str]) -> bool:
    state = FileState(list(cur), ["\n"] * len(cur), "\n")
    result = apply_search_replace(state, search, replace)
    return isinstance(result, Applied) and result.strategy == "exact" and state.contents == expected


def _grow(cur: list[str], ci1: int, ci2: int, new_mid: list[str], min_context: int = 0) -> tuple[int, int]:
    """Smallest context (alternating before/after) that makes the block apply exactly and correctly."""
    expected = cur[:ci1] + new_mid + cur[ci2:]
    before, after = min(min_context, ci1), min(min_context, len(cur) - ci2)
    while True:
        s, e = ci1 - before, ci2 + after
        search = cur[s:e]
        if any(line.strip() for line in search):
            replace = cur[s:ci1] + new_mid + cur[ci2:e]
            if _applies(cur, search, replace, expected):
                return s, e
        can_before, can_after = s > 0, e < len(cur)
        if not (can_before or can_after) or before + after > 2 * MAX_CONTEXT:
            raise ValueError("no unique context for this change")
        if can_before and (before <= after or not can_after):
            before += 1
        else:
            after += 1


def make_blocks(
    old: str | None, new: str, path: str, *, start_index: int = 0, min_context: int = 0
) -> list[EditBlock]:
    """SEARCH/REPLACE blocks, each with just enough context to match one place, turning old into new.

    ``min_context`` asks for at least that many unchanged lines before and after each change (where the
    file has them), the way models usually quote; the default is the minimum that makes it unique.
    ``old=None`` (or a blank old text) gives one creation block with an empty SEARCH. Blocks apply in
    order, each to the text the previous one left. Differences only in line endings or in the final
    newline cannot be expressed and are ignored.
    """
    if old is None or not old.strip():
        return [EditBlock(path, "", _text(content_lines(new)), "search_replace", start_index)]
    a, b = content_lines(old), content_lines(new)
    cur = list(a)
    delta = 0
    blocks: list[EditBlock] = []
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        if tag == "equal":
            continue
        if not any(line.strip() for line in cur):
            # only blank lines left: an empty SEARCH sets the whole (blank) file
            blocks.append(EditBlock(path, "", _text(b), "search_replace", start_index + len(blocks)))
            break
        ci1, ci2 = i1 + delta, i2 + delta
        new_mid = b[j1:j2]
        s, e = _grow(cur, ci1, ci2, new_mid, min_context)
        replace = cur[s:ci1] + new_mid + cur[ci2:e]
        blocks.append(EditBlock(path, _text(cur[s:e]), _text(replace), "search_replace", start_index + len(blocks)))
        cur[ci1:ci2] = new_mid
        delta += (j2 - j1) - (i2 - i1)
    return blocks


def _fence_for(text: str) -> str:
    runs = [len(m.group(0)) for m in re.finditer(r"(?m)^\s*(`{3,})", text)]
    return "`" * max(3, max(runs, default=0) + 1)


def format_blocks(blocks: Sequence[EditBlock]) -> str:
    """Render blocks as a model reply: file name line, fenced SEARCH/REPLACE block, per block."""
    parts: list[str] = []
    for block in blocks:
        fence = _fence_for(block.search + block.replace)
        suffix = "." + block.path.rsplit(".", 1)[-1] if "." in block.path else ""
        lang = _LANG_BY_SUFFIX.get(suffix, "")
        parts.append(
            f"{block.path}\n{fence}{lang}\n<<<<<<< SEARCH\n{block.search}=======\n{block.replace}>>>>>>> REPLACE\n{fence}\n"
        )
    return "\n".join(parts)

"""Git-style unified diffs between two versions of one file (either side may be absent)."""

from __future__ import annotations

import difflib

NO_EOL = "\\ No newline at end of file\n"


def _text(data: bytes | None) -> str | None:
    if data is None:
        return ""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] = lines[-1] + "\n" + NO_EOL
    return lines


def file_diff(
    path: str, before: bytes | None, after: bytes | None, mode_before: int | None, mode_after: int | None
) -> str:
    """The diff of one file; empty when nothing changed."""
    if before == after and (before is None or mode_before == mode_after):
        return ""
    header = [f"diff --git a/{path} b/{path}\n"]
    if before is None:
        header.append(f"new file mode {mode_after or 0o100644:o}\n")
    elif after is None:
        header.append(f"deleted file mode {mode_before or 0o100644:o}\n")
    elif mode_before != mode_after and mode_before and mode_after:
        header += [f"old mode {mode_before:o}\n", f"new mode {mode_after:o}\n"]
    if before == after:
        return "".join(header)
    old, new = _text(before), _text(after)
    a_name = f"a/{path}" if before is not None else "/dev/null"
    b_name = f"b/{path}" if after is not None else "/dev/null"
    if old is None or new is None:
        return "".join(header) + f"Binary files {a_name} and {b_name} differ\n"
    body = difflib.unified_diff(_lines(old), _lines(new), a_name, b_name)
    return "".join(header) + "".join(body)

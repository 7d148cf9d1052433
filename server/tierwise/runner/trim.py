"""Shrink a test log for a model by rules, not by a model: what failed and why is kept, noise goes.

Steps: strip ANSI codes and progress redraws; drop passing-test lines (``PASSED``, TAP ``ok``, ``✔``,
``... ok``, ``--- PASS``, ``=== RUN``, pytest progress rows without failures); collapse repeated lines.
If still too long, lines are kept by priority — head and tail of the log, summary and error lines first,
then failure sections and tracebacks in order — and each gap becomes ``[... N lines trimmed ...]``.
The result is never longer than ``max_chars``.
"""

from __future__ import annotations

import re

from tierwise.runner.text import strip_ansi

HEAD_LINES = 5
TAIL_LINES = 15
ERROR_CONTEXT_LINES = 3  # non-empty lines after an error line that are kept with it

_PASS_LINE = re.compile(
    r"^\s*(?:\S+::\S+ PASSED\b.*"
    r"|ok \d+ - .*"
    r"|[✔✓√] .*"
    r"|test \S+ \.\.\. ok"
    r"|--- PASS: .*|=== (?:RUN|PAUSE|CONT) .*"
    r"|# Subtest: .*"
    r"|PASS \S+.*"
    r"|\S+\.py [.sx]+\s*(?:\[\s*\d+%\])?)$"
)
_SUMMARY = re.compile(
    r"^(?:={3,} .* ={3,}|FAILED .*|ERROR .*|# (?:tests|pass|fail|cancelled) \d+|ℹ (?:tests|pass|fail) \d+"
    r"|test result: .*|FAIL\s.*|\s*--- FAIL: .*|\s*not ok \d+ - .*|\s*[✖✕×] .*|Ran \d+ tests? .*|FAILED \(.*\)"
    r"|.*\b\d+ (?:failed|passed|errors?)\b.*)$"
)
_ERROR = re.compile(
    r"^\s*(?:E\s+.*|error: .+|[\w.]*(?:Error|Exception)\b.*|Traceback \(most recent call last\):"
    r"|thread '.*' panicked at .*|error(?:\[\w+\])?: .*|\S+\.py:\d+: \w*Error.*)$"
)
_SECTION_START = re.compile(
    r"^(?:_{3,} .* _{3,}|={3,} (?:FAILURES|ERRORS) ={3,}|Traceback \(most recent call last\):"
    r"|\s*not ok \d+ .*|\s*[✖✕×] .*|\s*--- FAIL: .*|---- \S+ stdout ----|failures:)$"
)
_LOCATION = re.compile(r"(?:/|\b)[\w./-]+\.(?:py|[cm]?[jt]sx?|rs|go):\d+")
_TAP_ERROR = re.compile(r"^\s+(?:error|message): .*$")
_SECTION_END = re.compile(r"^(?:={3,} .* ={3,}|\s*ok \d+ - .*|[✔✓] .*|test result: .*)$")


def _drop_noise(lines: list[str]) -> list[str]:
    kept: list[str] = []
    previous: str | None = None
    repeats = 0
    for line in lines:
        if _PASS_LINE.match(line):
            continue
        if line == previous and line.strip():
            repeats += 1
            continue
        if repeats:
            kept.append(f"[... previous line repeated {repeats} more times ...]")
            repeats = 0
        kept.append(line)
        previous = line
    if repeats:
        kept.append(f"[... previous line repeated {repeats} more times ...]")
    return kept


def _is_project_location(line: str) -> bool:
    match = _LOCATION.search(line)
    return bool(match) and "node_modules" not in line and "site-packages" not in line


def _priorities(lines: list[str]) -> list[int]:
    """3: head/tail/summary/error lines, 2: inside a failure section, 1: anything else."""
    result: list[int] = []
    in_section = False
    error_context = 0
    for i, line in enumerate(lines):
        if _SECTION_START.match(line):
            in_section = True
        elif _SECTION_END.match(line):
            in_section = False
        if (
            i < HEAD_LINES
            or i >= len(lines) - TAIL_LINES
            or _SUMMARY.match(line)
            or _ERROR.match(line)
            or _is_project_location(line)
            or (error_context > 0 and line.strip())
        ):
            result.append(3)
        else:
            result.append(2 if in_section else 1)
        if _ERROR.match(line) or _TAP_ERROR.match(line):
            error_context = ERROR_CONTEXT_LINES
        elif line.strip():
            error_context = max(error_context - 1, 0)
    return result


def _marker(count: int) -> str:
    return f"[... {count} lines trimmed ...]"


def _render(lines: list[str], keep: list[bool]) -> str:
    out: list[str] = []
    gap: list[str] = []

    def flush() -> None:
        marker = _marker(len(gap))
        # one short dropped line costs no more than its marker: show it instead
        out.extend(gap if len(gap) == 1 and len(gap[0]) <= len(marker) else [marker])
        gap.clear()

    for line, kept in zip(lines, keep, strict=True):
        if not kept:
            gap.append(line)
            continue
        if gap:
            flush()
        out.append(line)
    if gap:
        flush()
    return "\n".join(out)


def _cut_chars(text: str, max_chars: int) -> str:
    """Last resort: keep the head and the tail characters with a marker between them."""
    if len(text) <= max_chars:
        return text
    marker = f"\n[... {len(text)} chars trimmed ...]\n"
    if max_chars <= len(marker) + 2:
        return text[-max_chars:] if max_chars > 0 else ""
    room = max_chars - len(marker)
    head = room // 3
    tail = room - head
    marker = f"\n[... {len(text) - head - tail} chars trimmed ...]\n"
    return (text[:head] + marker + text[len(text) - tail :])[:max_chars]


def _shorten_line(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    keep = max(limit - 40, 10)
    return f"{line[: keep // 2]} [... {len(line) - keep} chars ...] {line[-(keep - keep // 2) :]}"


def trim_log(text: str, max_chars: int) -> str:
    """``text`` shrunk to at most ``max_chars`` characters, keeping failures, tracebacks and summaries."""
    if max_chars <= 0:
        return ""
    cleaned = strip_ansi(text).rstrip("\n")
    if len(cleaned) <= max_chars:
        return cleaned
    lines = [_shorten_line(line, max(max_chars // 4, 80)) for line in _drop_noise(cleaned.split("\n"))]
    candidate = "\n".join(lines)
    if len(candidate) <= max_chars:
        return candidate
    priorities = _priorities(lines)
    best = ""
    for overhead in (32, 16, 8, 3):  # marker cost per kept line, from pessimistic to optimistic
        rendered = _render(lines, _select(lines, priorities, max_chars - 40, overhead))
        if len(rendered) > max_chars:
            break
        best = rendered
    return best or _cut_chars(_render(lines, _select(lines, priorities, max_chars - 40, 32)), max_chars)


def _select(lines: list[str], priorities: list[int], budget: int, overhead: int) -> list[bool]:
    keep = [False] * len(lines)
    used = 0
    for level in (3, 2, 1):
        indices = [i for i, p in enumerate(priorities) if p == level]
        if level == 3:  # tail and head first, then summary/error lines in order
            tail = [i for i in indices if i >= len(lines) - TAIL_LINES]
            head = [i for i in indices if i < HEAD_LINES]
            rest = [i for i in indices if HEAD_LINES <= i < len(lines) - TAIL_LINES]
            indices = list(reversed(tail)) + head + rest
        for i in indices:
            cost = len(lines[i]) + 1 + overhead
            if used + cost <= budget:
                keep[i] = True
                used += cost
    return keep

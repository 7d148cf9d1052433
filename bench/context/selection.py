"""Rules that pick benchmark tasks from git history: which paths are source, which subjects are behaviour."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from .symbols import language_of

_NON_SOURCE_DIRS = frozenset({
    "test", "tests", "testing", "testdata", "fixtures", "doc", "docs", "example", "examples", "bench",
    "benches", "benchmark", "benchmarks", "scripts", "script", "ci", ".github", "vendor", "third_party",
    "node_modules", "dist", "build", "artwork", "media", "site",
})  # fmt: skip
_TEST_NAMES = re.compile(
    r"(^noxfile\.py$|^setup\.py$|^test_.*\.py$|_test\.(py|go)$|^conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$|\.d\.ts$)"
)

_BEHAVIOUR = re.compile(
    r"^(\[[^\]]+\]\s*|[\w./-]+:\s*|\w+(\([^)]*\))?!?:\s*)?"
    r"(fix(es|ed)?|add(s|ed)?|support(s|ed)?|allow(s|ed)?|handle(s|d)?|make(s)?|raise(s)?|return(s)?|"
    r"don'?t|do not|avoid(s)?|prevent(s)?|respect(s)?|accept(s)?|ensure(s)?|preserve(s)?|correct(s)?|"
    r"implement(s)?|show(s)?|skip(s)?|treat(s)?|ignore(s)?|hono(u)?r(s)?|pass(es)?|keep(s)?|emit(s)?|"
    r"expose(s)?|warn(s)?|reject(s)?|deprecate(s)?|disallow(s)?|strip(s)?|escape(s)?|properly|"
    r"only|no longer|never|always|set(s)?|detect(s)?|print(s)?|include(s)?|exclude(s)?|introduce(s)?)\b(?!:)",
    re.I,
)
_NOT_BEHAVIOUR = re.compile(
    r"\b(chore|linter|untyped|return types?|[0-9a-f]{12,40}|typo|typos|docs?|documentation|docstrings?|changelog|changes\.rst|readme|release|bump|version|lint|"
    r"flake8|ruff|mypy|pyright|typing|type hints?|annotations?|format(ting)?|black|isort|ci|workflow|"
    r"refactor(ing)?|clean[ -]?up|style|revert|merge|test(s|ing)?|coverage|deps|dependabot|pre-commit|"
    r"benchmark|copyright|license|spelling|comment(s)?)\b",
    re.I,
)
_TRAILER = re.compile(r"^[A-Z][\w-]*(-[\w]+)*: .+$|^\(cherry picked from .*\)$")


def is_source(path: str) -> bool:
    """A source file of a supported language, outside test, doc, example and vendored folders."""
    pure = PurePosixPath(path)
    if language_of(path) is None or _TEST_NAMES.search(pure.name):
        return False
    return not any(part.lower() in _NON_SOURCE_DIRS for part in pure.parts[:-1])


def is_behaviour_subject(subject: str) -> bool:
    """The subject says what the software now does (a fix or a feature), not housekeeping."""
    subject = subject.strip()
    return len(subject) >= 20 and bool(_BEHAVIOUR.match(subject)) and not _NOT_BEHAVIOUR.search(subject)


def task_text(subject: str, body: str, limit: int = 1500) -> str:
    """The commit message as a user would type it: subject and body, trailers removed, bounded."""
    lines = [line.rstrip() for line in body.strip().splitlines()]
    while lines and (not lines[-1] or _TRAILER.match(lines[-1])):
        lines.pop()
    kept = [line for line in lines if not _TRAILER.match(line)]
    text = subject.strip() + ("\n\n" + "\n".join(kept).strip() if kept else "")
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def parse_hunks(diff: str) -> dict[str, list[tuple[int, int]]]:
    """Old-side line ranges of a ``git diff -U0`` per file; a pure insertion after line N is (N, N+1)
    (the lines around the insertion point), marked by a negative first element: (-N, N+1)."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("--- "):
            current = line[6:] if line.startswith("--- a/") else None
        elif line.startswith("@@") and current is not None:
            m = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", line)
            if not m:
                continue
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            ranges.setdefault(current, []).append(
                (start, start + count - 1) if count else (-start, start + 1)
            )
    return ranges

"""Read a test run's output: which tests failed, which project files the failure points at, and a
fingerprint that stays the same when the same failure repeats (timings, addresses, tmp paths removed).

Recognised: pytest (``FAILED``/``ERROR`` summary lines, ``___ name ___`` section headers, tracebacks),
``node --test`` (TAP ``not ok N - name`` and spec ``✖ name``), jest-style ``✕ name``, cargo
(``test x ... FAILED``), go (``--- FAIL: TestX``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from tierwise.runner.text import strip_ansi

_EXCLUDED_PARTS = {"site-packages", "dist-packages", "node_modules", ".venv", "venv", ".tox", ".git"}

# failing tests
_PYTEST_SUMMARY = re.compile(r"^(FAILED|ERROR) (\S+?)(?: - (.*))?$")
_PYTEST_HEADER = re.compile(r"^_{3,} (.+?) _{3,}$")
_TAP_NOT_OK = re.compile(r"^(\s*)not ok \d+ - (.+?)(?:\s+#\s*(?:TODO|SKIP).*)?$")
_SPEC_FAIL = re.compile(r"^\s*[✖✕×] (.+?)(?: \(\d+(?:\.\d+)?\s?m?s\))?$")
_SPEC_SUITE = re.compile(r"^\s*▶ (.+?)$")
_CARGO_FAIL = re.compile(r"^test (\S+) \.\.\. FAILED$")
_GO_FAIL = re.compile(r"^\s*--- FAIL: (\S+)")

# files
_PY_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+)')
_PYTEST_LOC = re.compile(r"^(\S+\.py):(\d+):(?: (.*))?$")
# A location starts a token (after whitespace, a bracket, a quote or ``file://``): without that anchor the
# search retried from every character of long tokens (pytest's "......" progress lines), quadratic per line.
_JS_LOC = re.compile(
    r"(?:(?<=file://)|(?<![^\s()\[\]'\"`=]))((?:/|\.{1,2}/)?[^\s()'\"`:]+\.(?:[cm]?[jt]sx?)):(\d+):(\d+)"
)
_RUST_LOC = re.compile(r"(?:-->|panicked at) (\S+\.rs):(\d+):(\d+)")
_GO_LOC = re.compile(r"^\s+(\S+\.go):(\d+):")

# error lines for the signature
_ERROR_LINE = re.compile(
    r"^\s*(?:E\s{2,}\S.*"
    r"|[\w.]*(?:Error|Exception|Failure)\b(?: \[\w+\])?:.*"
    r"|[\w.]*(?:Error|Exception)$"
    r"|error: .*|thread '.*' panicked at.*"
    r"|\S+\.go:\d+: .*)$"
)
_TAP_ERROR = re.compile(r"^\s+error: (.+)$")

# normalisation
_NORMALISERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"0x[0-9a-fA-F]+"), "0xADDR"),
    (re.compile(r"(?:/private)?/(?:tmp|var/folders|var/tmp)/\S*"), "<tmp>"),
    (re.compile(r"pytest-of-[\w.-]+/pytest-\d+\S*"), "<tmp>"),
    (re.compile(r"\(?\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds)\b\)?"), "<time>"),
    (re.compile(r"\bline \d+"), "line N"),
    (re.compile(r"(\.\w+):\d+(?::\d+)?"), r"\1:N"),
    (re.compile(r"\b\d{5,}\b"), "<num>"),
    (re.compile(r"\s+"), " "),
)


@dataclass
class FailureReport:
    failing_tests: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    error_lines: list[str] = field(default_factory=list)
    signature: str = ""
    summary: str = ""

    @property
    def has_failures(self) -> bool:
        return bool(self.failing_tests or self.error_lines)


def normalise(line: str) -> str:
    for pattern, replacement in _NORMALISERS:
        line = pattern.sub(replacement, line)
    return line.strip()


def _add(items: list[str], value: str) -> None:
    value = value.strip()
    if value and value not in items:
        items.append(value)


def _failing_tests(lines: list[str]) -> list[str]:
    found: list[str] = []
    headers: list[str] = []
    suites: set[str] = set()
    tap_parents: set[str] = set()
    last_tap: str | None = None
    for line in lines:
        if m := _PYTEST_SUMMARY.match(line):
            _add(found, m.group(2))
        elif m := _PYTEST_HEADER.match(line):
            name = m.group(1)
            name = re.sub(r"^ERROR (?:at (?:setup|teardown) of|collecting) ", "", name)
            if name not in ("FAILURES", "ERRORS") and not name.startswith("Captured"):
                headers.append(name)
        elif m := _TAP_NOT_OK.match(line):
            last_tap = m.group(2)
            _add(found, last_tap)
        elif last_tap and "failureType: 'subtestsFailed'" in line:
            tap_parents.add(last_tap)
        elif m := _SPEC_SUITE.match(line):
            suites.add(m.group(1).strip())
        elif m := _SPEC_FAIL.match(line):
            if m.group(1).strip() != "failing tests:":
                _add(found, m.group(1))
        elif (m := _CARGO_FAIL.match(line)) or (m := _GO_FAIL.match(line)):
            _add(found, m.group(1))
    found = [t for t in found if t not in suites and t not in tap_parents]
    for name in headers:
        dotted = name.replace(".", "::")
        if not any(t == name or t.endswith("::" + dotted) or t.endswith("::" + name) for t in found):
            _add(found, name)
    return found


def _relative(raw: str, root: Path | None) -> str | None:
    raw = raw.removeprefix("file://")
    if raw.startswith("node:") or "<" in raw:
        return None
    path = Path(raw)
    if set(path.parts) & _EXCLUDED_PARTS:
        return None
    if root is None:
        return None if path.is_absolute() else path.as_posix()
    root = root.resolve()
    full = (path if path.is_absolute() else root / path).resolve()
    try:
        rel = full.relative_to(root)
    except ValueError:
        return None
    if set(rel.parts) & _EXCLUDED_PARTS or not full.is_file():
        return None
    return rel.as_posix()


def _frame_groups(lines: list[str]) -> list[list[str]]:
    """Source locations grouped per failure, innermost (closest to the failure) first in each group."""
    groups: list[list[str]] = []
    python: list[str] = []
    other: list[str] = []

    def close() -> None:
        if python or other:
            groups.append(list(reversed(python)) + other)
        python.clear()
        other.clear()

    for line in lines:
        if line.startswith("Traceback (most recent call last)") or _PYTEST_HEADER.match(line):
            close()
        if (m := _PY_FRAME.match(line)) or (m := _PYTEST_LOC.match(line)):
            python.append(m.group(1))
        elif (m := _RUST_LOC.search(line)) or (m := _GO_LOC.match(line)):
            other.append(m.group(1))
        else:
            other.extend(m.group(1) for m in _JS_LOC.finditer(line))
    close()
    return groups


def _resolve_go_basename(name: str, root: Path) -> str | None:
    """Go prints bare file names; accept one only when exactly one file of that name is in the workspace."""
    if "/" in name:
        return None
    matches: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _EXCLUDED_PARTS and d not in ("vendor", "target")]
        if name in files:
            matches.append((Path(folder) / name).relative_to(root).as_posix())
            if len(matches) > 1:
                return None
    return matches[0] if matches else None


def _files(lines: list[str], tests: list[str], root: Path | None) -> list[str]:
    files: list[str] = []
    for group in _frame_groups(lines):
        for raw in group:
            rel = _relative(raw, root)
            if rel is None and root is not None and raw.endswith(".go"):
                rel = _resolve_go_basename(raw, root.resolve())
            if rel is not None:
                _add(files, rel)
    for test in tests:  # the test files themselves come last
        head = test.split("::", 1)[0]
        if "::" in test or head.endswith(".py"):
            rel = _relative(head, root)
            if rel is not None:
                _add(files, rel)
    return files


def _tap_block(lines: list[str], start: int, indent: int) -> str:
    """The text of a YAML block scalar (``error: |-``) that starts after ``lines[start]``."""
    parts: list[str] = []
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        if line.strip():
            parts.append(line.strip())
    return " ".join(parts)[:300]


def _error_lines(lines: list[str]) -> list[str]:
    errors: list[str] = []
    for i, line in enumerate(lines):
        if m := _TAP_ERROR.match(line):
            value = m.group(1).strip()
            if value in ("|-", "|", ">-", ">", "|+"):
                value = _tap_block(lines, i, len(line) - len(line.lstrip()))
            value = value.strip("'\"")
            if value and not re.fullmatch(r"\d+ subtests? failed", value):
                _add(errors, value)
        elif _ERROR_LINE.match(line):
            _add(errors, line)
    return errors


def parse_failures(output: str, root: Path | None = None) -> FailureReport:
    """Failing tests, implicated workspace files (most relevant first), error lines, signature, summary."""
    lines = [line.rstrip() for line in strip_ansi(output).replace("\r\n", "\n").split("\n")]
    tests = _failing_tests(lines)
    errors = _error_lines(lines)
    files = _files(lines, tests, Path(root) if root is not None else None)
    normalised = sorted({normalise(t) for t in tests}) + sorted({normalise(e) for e in errors})
    signature = hashlib.sha256("\n".join(normalised).encode()).hexdigest()[:16] if normalised else ""
    return FailureReport(tests, files, errors, signature, _summary(tests, errors))


def _summary(tests: list[str], errors: list[str]) -> str:
    if not tests and not errors:
        return "no failing tests recognised in the output"
    parts = []
    if tests:
        shown = ", ".join(tests[:3]) + (f" (+{len(tests) - 3} more)" if len(tests) > 3 else "")
        parts.append(f"{len(tests)} failing test{'s' if len(tests) != 1 else ''}: {shown}")
    if errors:
        first = errors[0].strip()
        parts.append("first error: " + (first[:157] + "..." if len(first) > 160 else first))
    return "; ".join(parts)


# --- re-running only the failing tests --------------------------------------------------------------------

_PYTEST_VALUE_OPTS = {
    "-k", "-m", "-p", "-c", "-o", "-W", "-r", "-n", "--rootdir", "--confcutdir", "--basetemp", "--junitxml",
    "--junit-xml", "--tb", "--maxfail", "--deselect", "--ignore", "--ignore-glob", "--durations",
    "--dist", "--cov", "--cov-report", "--timeout", "--log-level", "--import-mode", "--capture",
    "--override-ini", "--config-file", "--pyargs",
}  # fmt: skip


def _pytest_rerun(argv: list[str], at: int, tests: list[str]) -> str:
    kept = argv[: at + 1]
    expecting_value = False
    for token in argv[at + 1 :]:
        if expecting_value:
            kept.append(token)
            expecting_value = False
        elif token.startswith("-"):
            kept.append(token)
            expecting_value = token in _PYTEST_VALUE_OPTS
        # positional arguments (paths) are dropped: the node ids replace them
    ids = [t for t in tests if "::" in t or t.endswith(".py")]
    return shlex.join(kept + ids)


def rerun_command(command: str, failing_tests: list[str]) -> str | None:
    """A command that runs only ``failing_tests``; None when the runner cannot select tests (full run)."""
    if not failing_tests:
        return None
    try:
        argv = shlex.split(command)
    except ValueError:
        return None
    for i, token in enumerate(argv):
        name = Path(token).name
        if name in ("pytest", "py.test") or (token == "pytest" and i > 0 and argv[i - 1] == "-m"):
            if not any("::" in t or t.endswith(".py") for t in failing_tests):
                return None
            return _pytest_rerun(argv, i, failing_tests)
    if len(argv) >= 2 and Path(argv[0]).name == "cargo" and argv[1] == "test":
        extra = [] if "--" in argv else ["--"]
        return shlex.join(argv + extra + failing_tests)
    if len(argv) >= 2 and Path(argv[0]).name == "go" and argv[1] == "test" and "-run" not in argv:
        tops = sorted({t.split("/", 1)[0] for t in failing_tests if re.fullmatch(r"[\w/]+", t)})
        if not tops:
            return None
        return shlex.join(argv + ["-run", "^(" + "|".join(tops) + ")$"])
    return None

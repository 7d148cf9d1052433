"""Helpers for the runner tests: tiny projects and process liveness checks."""

from __future__ import annotations

import os
import time
from pathlib import Path

PY_PROJECT = {
    "pytest.ini": "[pytest]\npythonpath = .\n",
    "calc.py": "def add(a, b):\n    return a - b\n\n\ndef div(a, b):\n    return a / b\n",
    "tests/test_calc.py": (
        "from calc import add, div\n\n\n"
        "def test_add():\n    assert add(1, 2) == 3\n\n\n"
        "def test_ok():\n    assert True\n\n\n"
        "def test_div():\n    assert div(1, 0) == 0\n\n\n"
        "class TestObj:\n    def test_obj(self):\n        assert object() is None\n"
    ),
}

JS_PROJECT = {
    "math.js": "function add(a, b) { return a - b; }\nmodule.exports = { add };\n",
    "math.test.js": (
        "const test = require('node:test');\n"
        "const assert = require('node:assert');\n"
        "const { add } = require('./math');\n"
        "test('adds numbers', () => { assert.strictEqual(add(1, 2), 3); });\n"
        "test('passes', () => { assert.ok(true); });\n"
        "test('throws', () => { throw new Error('boom ' + Date.now()); });\n"
    ),
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (killed, not yet reaped by a non-reaping init) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def wait_gone(pid: int, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def wait_for_file(path: Path, timeout_s: float = 10.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written within {timeout_s}s")

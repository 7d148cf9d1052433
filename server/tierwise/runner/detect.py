"""Find the test command of a workspace from its files alone (nothing is executed).

Order (first match wins):

1. explicit pytest configuration: ``pyproject.toml`` ``[tool.pytest.ini_options]``, ``pytest.ini``,
   ``setup.cfg`` ``[tool:pytest]``, ``tox.ini`` ``[pytest]``
2. ``package.json`` with a real ``scripts.test`` (not npm's placeholder) -> ``npm test`` (``yarn test`` /
   ``pnpm test`` when only that lock file is present)
3. ``Cargo.toml`` -> ``cargo test``
4. ``go.mod`` -> ``go test ./...``
5. ``build.gradle`` / ``build.gradle.kts`` -> ``./gradlew test`` when ``gradlew`` exists, else ``gradle test``
6. ``Makefile`` / ``makefile`` / ``GNUmakefile`` with a ``test:`` target -> ``make test``
7. Python tests without configuration: ``test_*.py`` / ``*_test.py`` at the root or under ``tests/`` /
   ``test/`` -> pytest

The pytest command uses the workspace's own interpreter when it has one (``.venv/bin/python``,
``venv/bin/python``, ``.venv/Scripts/python.exe``), else ``python3`` from PATH — never the interpreter
tierwise itself runs in, whose packages are not the project's.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from pathlib import Path

NPM_PLACEHOLDER = 'echo "Error: no test specified" && exit 1'
_VENV_PYTHONS = (".venv/bin/python", "venv/bin/python", ".venv/Scripts/python.exe", "venv/Scripts/python.exe")
_MAKE_TEST = re.compile(r"^test\s*:(?!=)", re.MULTILINE)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def python_for(root: Path) -> str:
    for rel in _VENV_PYTHONS:
        if (root / rel).is_file():
            return rel
    return "python3"


def pytest_command(root: Path) -> str:
    return f"{python_for(root)} -m pytest -q"


def _has_pytest_config(root: Path) -> bool:
    if (root / "pytest.ini").is_file():
        return True
    text = _read(root / "pyproject.toml")
    if text is not None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            data = {}
        if "pytest" in data.get("tool", {}):
            return True
    for name, section in (("setup.cfg", "tool:pytest"), ("tox.ini", "pytest")):
        text = _read(root / name)
        if text is None:
            continue
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(text)
        except configparser.Error:
            continue
        if parser.has_section(section):
            return True
    return False


def _npm_command(root: Path) -> str | None:
    text = _read(root / "package.json")
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    if not isinstance(test, str) or not test.strip() or test.strip() == NPM_PLACEHOLDER:
        return None
    if not (root / "package-lock.json").exists():
        if (root / "pnpm-lock.yaml").exists():
            return "pnpm test"
        if (root / "yarn.lock").exists():
            return "yarn test"
    return "npm test"


def _gradle_command(root: Path) -> str | None:
    if not ((root / "build.gradle").is_file() or (root / "build.gradle.kts").is_file()):
        return None
    return "./gradlew test" if (root / "gradlew").is_file() else "gradle test"


def _make_command(root: Path) -> str | None:
    for name in ("GNUmakefile", "makefile", "Makefile"):
        text = _read(root / name)
        if text is not None and _MAKE_TEST.search(text):
            return "make test"
    return None


def _is_python_test(path: Path) -> bool:
    name = path.name
    return path.suffix == ".py" and (name.startswith("test_") or name.endswith("_test.py"))


def _has_python_tests(root: Path) -> bool:
    if any(_is_python_test(p) for p in root.glob("*.py")):
        return True
    for folder in ("tests", "test"):
        base = root / folder
        if base.is_dir() and any(_is_python_test(p) for p in base.rglob("*.py")):
            return True
    return False


def detect_test_command(root: Path) -> str | None:
    """The command that runs the workspace's tests, or None when nothing recognisable is there."""
    root = Path(root)
    if not root.is_dir():
        return None
    if _has_pytest_config(root):
        return pytest_command(root)
    npm = _npm_command(root)
    if npm:
        return npm
    if (root / "Cargo.toml").is_file():
        return "cargo test"
    if (root / "go.mod").is_file():
        return "go test ./..."
    for finder in (_gradle_command, _make_command):
        found = finder(root)
        if found:
            return found
    if _has_python_tests(root):
        return pytest_command(root)
    return None

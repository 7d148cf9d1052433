"""detect_test_command from workspace files only (nothing is executed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_support import write_tree

from tierwise.runner import detect_test_command


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n"}, "python3 -m pytest -q"),
        ({"pytest.ini": "[pytest]\n"}, "python3 -m pytest -q"),
        ({"setup.cfg": "[metadata]\nname = x\n[tool:pytest]\ntestpaths = tests\n"}, "python3 -m pytest -q"),
        ({"tox.ini": "[tox]\nenvlist = py311\n[pytest]\naddopts = -q\n"}, "python3 -m pytest -q"),
        ({"tests/test_x.py": "def test_x(): pass\n"}, "python3 -m pytest -q"),
        ({"test_root.py": "def test_x(): pass\n"}, "python3 -m pytest -q"),
        ({"package.json": '{"scripts": {"test": "node --test"}}'}, "npm test"),
        ({"package.json": '{"scripts": {"test": "jest"}}', "yarn.lock": ""}, "yarn test"),
        ({"package.json": '{"scripts": {"test": "vitest"}}', "pnpm-lock.yaml": ""}, "pnpm test"),
        ({"Cargo.toml": "[package]\nname = 'x'\n"}, "cargo test"),
        ({"go.mod": "module example.com/x\n"}, "go test ./..."),
        ({"build.gradle": "", "gradlew": "#!/bin/sh\n"}, "./gradlew test"),
        ({"build.gradle.kts": ""}, "gradle test"),
        ({"Makefile": "build:\n\tcc x.c\n\ntest: build\n\t./run-tests\n"}, "make test"),
    ],
)
def test_each_ecosystem(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    write_tree(tmp_path, files)
    assert detect_test_command(tmp_path) == expected


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"package.json": '{"scripts": {"test": "echo \\"Error: no test specified\\" && exit 1"}}'},
        {"package.json": "{not json"},
        {"Makefile": "TEST := 1\nbuild:\n\tcc x.c\n"},
        {"pyproject.toml": "[project]\nname = 'x'\n", "src/x.py": ""},
        {"pyproject.toml": "this is [not toml"},
        {"tests/helper.js": ""},
    ],
)
def test_nothing_recognisable(tmp_path: Path, files: dict[str, str]) -> None:
    write_tree(tmp_path, files)
    assert detect_test_command(tmp_path) is None


def test_missing_folder_is_none(tmp_path: Path) -> None:
    assert detect_test_command(tmp_path / "missing") is None


@pytest.mark.parametrize("venv", [".venv/bin/python", "venv/bin/python"])
def test_workspace_venv_python_is_used(tmp_path: Path, venv: str) -> None:
    write_tree(tmp_path, {"pytest.ini": "[pytest]\n", venv: ""})
    assert detect_test_command(tmp_path) == f"{venv} -m pytest -q"


def test_order_pytest_config_beats_package_json_and_makefile(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.pytest.ini_options]\n",
            "package.json": '{"scripts": {"test": "jest"}}',
            "Makefile": "test:\n\ttrue\n",
        },
    )
    assert detect_test_command(tmp_path) == "python3 -m pytest -q"


def test_order_manifests_beat_loose_python_tests_and_makefile(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Cargo.toml": "", "Makefile": "test:\n\ttrue\n", "tests/test_x.py": ""})
    assert detect_test_command(tmp_path) == "cargo test"
    (tmp_path / "Cargo.toml").unlink()
    assert detect_test_command(tmp_path) == "make test"

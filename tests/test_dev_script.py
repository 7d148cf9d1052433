"""scripts/dev.sh set-up output stays clean (issue #12, item 10), with a stand-in Python so nothing is
installed: the stand-in records pip's arguments and fails like hatchling does without 'editables'."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STUB = r"""#!/usr/bin/env bash
# a stand-in for python: -m venv DIR, -c CODE, -m pip install ARGS
log="$STUB_LOG"
if [[ "$1" == "-m" && "$2" == "venv" ]]; then
  mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; exit 0
fi
if [[ "$1" == "-c" ]]; then
  [[ "$2" == *editables* && -n "$STUB_HAS_EDITABLES" ]] && exit 0
  [[ "$2" == *editables* ]] && { echo "ModuleNotFoundError: No module named 'editables'" >&2; exit 1; }
  exit 0
fi
if [[ "$1" == "-m" && "$2" == "pip" ]]; then
  echo "pip ${*:3}" >> "$log"
  if [[ " $* " == *" -e . "* ]]; then
    if [[ -n "$STUB_PIP_FAILS" ]]; then echo "ERROR: the build back-end failed" >&2; exit 1; fi
    if [[ " $* " == *" --no-build-isolation "* && -z "$STUB_HAS_EDITABLES" ]]; then
      printf 'Traceback (most recent call last):\n  File "hatchling/builders/wheel.py"\nModuleNotFoundError: No module named %s\n' "'editables'" >&2
      exit 1
    fi
  fi
  exit 0
fi
exit 0
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "dev.sh", root / "scripts" / "dev.sh")
    (root / "requirements.lock").write_text("# locked\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    stub = tmp_path / "python-stub"
    stub.write_text(STUB)
    stub.chmod(0o755)
    return root


def _setup(root: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    log = root.parent / "pip.log"
    log.unlink(missing_ok=True)
    full = {**os.environ, "PYTHON": str(root.parent / "python-stub"), "STUB_LOG": str(log), **env}
    done = subprocess.run(["bash", "scripts/dev.sh", "setup"], cwd=root, env=full, capture_output=True, text=True, timeout=60)
    return done, log.read_text().splitlines() if log.exists() else []


def test_setup_without_editables_prints_no_traceback(project: Path) -> None:
    done, pip = _setup(project)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "ModuleNotFoundError" not in done.stderr, done.stderr
    editable = [line for line in pip if " -e ." in line + " "]
    assert editable == ["pip install --quiet --no-deps -e ."]  # straight to the isolated build


def test_setup_with_editables_builds_offline(project: Path) -> None:
    done, pip = _setup(project, STUB_HAS_EDITABLES="1")
    assert done.returncode == 0, done.stderr
    assert [line for line in pip if " -e ." in line + " "] == ["pip install --quiet --no-build-isolation --no-deps -e ."]


def test_a_failing_install_shows_pip_output_and_fails(project: Path) -> None:
    done, _ = _setup(project, STUB_PIP_FAILS="1")
    assert done.returncode != 0
    assert "the build back-end failed" in done.stderr and "installing tierwise (editable) failed" in done.stderr

"""Helpers for the vcs tests: git commands under the isolated configuration set by conftest."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ISOLATION: dict[str, str] = {}  # filled by the autouse fixture in conftest.py


def git(cwd: Path, *args: str, input: str | None = None) -> str:
    env = {
        **os.environ,
        **ISOLATION,
        "GIT_OPTIONAL_LOCKS": "0",
    }  # our `git status` must not rewrite the index
    done = subprocess.run(
        ["git", *args], cwd=cwd, input=input, capture_output=True, text=True, check=True, env=env
    )
    return done.stdout

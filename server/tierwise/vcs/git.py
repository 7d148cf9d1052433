"""Calling the ``git`` command line: a clean environment (no inherited GIT_DIR / GIT_INDEX_FILE), no
prompts, errors turned into ``VcsError`` with git's own message."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tierwise.vcs.errors import VcsError

_INHERITED_GIT_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY")
FALLBACK_NAME = "tierwise"
FALLBACK_EMAIL = "tierwise@localhost"


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_GIT_VARS}
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"})
    if extra:
        env.update(extra)
    return env


def git(
    cwd: Path, args: Sequence[str], *, input: bytes | None = None, env: Mapping[str, str] | None = None
) -> bytes:
    """Run ``git args`` in ``cwd`` and return stdout; raise VcsError with git's message on failure."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=str(cwd),
            input=input,
            capture_output=True,
            env=git_env(env),
            check=False,
            timeout=120,
        )
    except FileNotFoundError as err:
        raise VcsError("git is not installed or not on PATH") from err
    except subprocess.TimeoutExpired as err:
        raise VcsError(f"git {' '.join(args[:2])} did not finish in 120 s") from err
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip() or f"exit code {done.returncode}"
        raise VcsError(f"git {' '.join(args[:2])} failed: {message}")
    return done.stdout


def git_text(cwd: Path, args: Sequence[str], **kwargs: object) -> str:
    return git(cwd, args, **kwargs).decode("utf-8", errors="replace").strip()  # type: ignore[arg-type]


def is_git_repo(root: Path) -> bool:
    """True when ``root`` is inside a git work tree (and git is available)."""
    try:
        return git_text(Path(root), ["rev-parse", "--is-inside-work-tree"]) == "true"
    except (VcsError, OSError):
        return False


def identity_env(cwd: Path) -> dict[str, str]:
    """Author/committer variables for a commit: git config when set, else ``tierwise <tierwise@localhost>``."""
    env: dict[str, str] = {}
    for key, fallback, names in (
        ("user.name", FALLBACK_NAME, ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")),
        ("user.email", FALLBACK_EMAIL, ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")),
    ):
        try:
            value = git_text(cwd, ["config", "--get", key])
        except VcsError:
            value = ""
        for name in names:
            if not os.environ.get(name):
                env[name] = value or fallback
    return env

"""Isolation: every run works in its own temporary copy of a task's repository.

The copy is made from ``repo/`` (``shutil.copytree``, symbolic links kept as links) or from
``git archive <revision>`` of a ``source`` repository, which leaves that repository — the user's checkout —
untouched (no worktree metadata, no index writes). The copy is then made a fresh git repository with one
commit, so the engine's checkpoints and undo work as in a real project, and it gets its own ``.tierwise/``
(ledger, tasks), so no two runs share costs or artifacts. Hidden files are copied in only after the loop.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from tierwise.bench.suite import TaskSpec
from tierwise.safe_git import run_git

_GIT_TIMEOUT_S = 600.0
_IGNORED = shutil.ignore_patterns(".tierwise", "__pycache__", "*.pyc", ".pytest_cache", "node_modules")
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "tierwise bench",
    "GIT_AUTHOR_EMAIL": "bench@tierwise.invalid",
    "GIT_COMMITTER_NAME": "tierwise bench",
    "GIT_COMMITTER_EMAIL": "bench@tierwise.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


class WorkspaceError(RuntimeError):
    """A run's copy could not be prepared (missing repository, bad revision, hidden files clash)."""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``git args`` through ``tierwise.safe_git`` (no fsmonitor command, no API keys), isolated config."""
    try:
        result = run_git(args, cwd, timeout=_GIT_TIMEOUT_S, env={**_GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull})
    except (OSError, subprocess.TimeoutExpired) as err:
        raise WorkspaceError(f"git {' '.join(args)} failed in {cwd}: {err}") from err
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        raise WorkspaceError(f"git {' '.join(args)} failed in {cwd}: {message}")
    return result


def _export_revision(source: Path, revision: str, dest: Path) -> None:
    if revision.startswith("-"):
        raise WorkspaceError(f"revision {revision!r} may not start with '-'")
    archive = _git(["archive", "--format=tar", revision], source).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def prepare_workspace(task: TaskSpec, parent: Path | None = None, *, label: str = "") -> Path:
    """A fresh temporary git repository holding the task's starting files; the caller removes it."""
    prefix = f"tw-bench-{label + '-' if label else ''}{task.name}-"
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        if task.source_dir is not None:
            _export_revision(task.source_dir, task.revision, root)
        else:
            repo = task.repo_dir
            assert repo is not None
            if not repo.is_dir():
                raise WorkspaceError(f"{repo}: the task's starting repository is missing")
            shutil.copytree(repo, root, symlinks=True, ignore=_IGNORED, dirs_exist_ok=True)
        if not (root / ".git").exists():
            _git(["init", "-q", "-b", "main"], root)
            _git(["add", "-A"], root)
            _git(["commit", "-q", "--allow-empty", "--no-verify", "-m", f"bench start: {task.name}"], root)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return root.resolve()


def copy_hidden(task: TaskSpec, workspace: Path) -> list[str]:
    """Copy the task's hidden files into the workspace for the check; return their relative paths.

    A hidden file replaces a file of the same path (a task may hide a fuller version of a visible test)."""
    hidden = task.hidden_dir
    if hidden is None:
        return []
    copied: list[str] = []
    for source in sorted(hidden.rglob("*")):
        if source.is_dir() or source.is_symlink():
            continue
        rel = source.relative_to(hidden)
        target = workspace / rel
        if ".git" in rel.parts or ".tierwise" in rel.parts:
            raise WorkspaceError(f"{source}: hidden files may not go into .git or .tierwise")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        shutil.copyfile(source, target)
        copied.append(rel.as_posix())
    return copied


def remove_workspace(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def tree_digest(path: Path) -> str:
    """A checksum of every file's path and bytes under ``path`` (symbolic links by their target text).

    Used to prove that a benchmark left the suite — the user's files — exactly as it found them."""
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        if "__pycache__" in item.parts or item.suffix == ".pyc":
            continue
        rel = item.relative_to(path).as_posix()
        if item.is_symlink():
            digest.update(f"L {rel} -> {os.readlink(item)}\n".encode())
        elif item.is_file():
            digest.update(f"F {rel}\n".encode())
            digest.update(hashlib.sha256(item.read_bytes()).digest())
        elif item.is_dir():
            digest.update(f"D {rel}\n".encode())
    return digest.hexdigest()

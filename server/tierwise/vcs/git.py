"""git for checkpoints, commits and worktrees: one ``GitRepo`` per repository, confined to one worker thread.

gitpython's ``Repo`` and the persistent ``git cat-file --batch`` are not thread-safe, so every repository
gets a :class:`GitRepo`: a single-thread executor that creates the ``Repo`` on that thread and runs all of
the repository's git work there, one call at a time. Async callers ``await repo.call(fn, ...)``; the event loop never waits for git.

gitpython only finds the repository (pure Python: its folders); it never runs git, because it always hands
git the whole parent environment. Every command is a plain subprocess through ``tierwise.safe_git``:
``-c core.fsmonitor=false`` and the allow-listed environment (no API key; whatever git runs — hooks,
filters, textconv — gets only that), no prompts, ``GIT_OPTIONAL_LOCKS=0``, ``LC_ALL=C``, a 120 s limit,
errors turned into ``VcsError`` with git's own message. Inherited ``GIT_DIR`` / ``GIT_WORK_TREE`` /
``GIT_INDEX_FILE`` / ``GIT_OBJECT_DIRECTORY`` / ``GIT_PREFIX`` (tierwise started from a git hook, say) are
never passed on; this repository's own values are set instead, so they can never redirect tierwise. Blobs
are read through one persistent ``cat-file --batch`` process per repository instead of one per blob.

Commands that run hooks (``commit``, ``worktree add``) go through :meth:`GitRepo.run_with_hooks`, which adds
``commands.env_passthrough`` to the allow-list: the user's pre-commit checks still run, without the keys.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import subprocess
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import git as gitpython
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from tierwise.safe_git import GIT_VARS, git_env, popen_git, run_git
from tierwise.vcs.errors import VcsError

T = TypeVar("T")
TIMEOUT_S = 120.0
_FIXED_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANGUAGE": "C", "GIT_OPTIONAL_LOCKS": "0"}
FALLBACK_NAME = "tierwise"
FALLBACK_EMAIL = "tierwise@localhost"
HOOK_GIT_VARS = GIT_VARS
hook_env = git_env  # every git command's environment (tierwise.safe_git); hooks add commands.env_passthrough


def _discover(root: Path) -> gitpython.Repo | None:
    """The non-bare repository whose work tree holds ``root`` (pure Python: no git process)."""
    try:
        repo = gitpython.Repo(root, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError, ValueError, OSError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        repo.close()
        return None
    return repo


def _own_env(repo: gitpython.Repo) -> dict[str, str]:
    """Fixed settings plus this repository's own values for any inherited repository-selecting variable
    (the others are not passed on: ``tierwise.safe_git.git_env`` leaves them out)."""
    env = dict(_FIXED_ENV)
    own = {
        "GIT_DIR": str(repo.git_dir),
        "GIT_WORK_TREE": str(repo.working_tree_dir),
        "GIT_INDEX_FILE": os.path.join(repo.git_dir, "index"),
        "GIT_OBJECT_DIRECTORY": os.path.join(repo.common_dir, "objects"),
        "GIT_PREFIX": "",
    }
    env.update({name: value for name, value in own.items() if name in os.environ})
    return env


def _git(args: Sequence[str], cwd: Path, *, input: bytes | None = None, env: Mapping[str, str] | None = None,
         passthrough: Sequence[str] = ()) -> bytes:
    """``git args`` through ``tierwise.safe_git.run_git``; stdout, or ``VcsError`` with git's message."""
    what = f"git {' '.join(args[:2])}"
    try:
        proc = run_git(args, cwd, timeout=TIMEOUT_S, input=input, env=env, passthrough=passthrough)
    except FileNotFoundError as err:
        raise VcsError("git is not installed or not on PATH") from err
    except subprocess.TimeoutExpired as err:
        raise VcsError(f"{what} did not finish in {TIMEOUT_S:.0f} s") from err
    except OSError as err:
        raise VcsError(f"{what} failed: {err}") from err
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", errors="replace").strip() or f"exit code {proc.returncode}"
        raise VcsError(f"{what} failed: {message}")
    return proc.stdout


class _CatFile:
    """One persistent ``git cat-file --batch`` (``tierwise.safe_git.popen_git``): a blob per request."""

    def __init__(self, top: Path, env: Mapping[str, str]) -> None:
        self.top, self.env = top, dict(env)
        self.proc: subprocess.Popen[bytes] | None = None

    def read(self, key: str) -> bytes:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = popen_git(["cat-file", "--batch"], self.top, self.env)
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(key.encode() + b"\n")
            stdin.flush()
            header = stdout.readline().split()
            if len(header) != 3:
                raise ValueError(f"{key} {b' '.join(header[1:]).decode(errors='replace') or 'no answer'}")
            if header[1] != b"blob":
                stdout.read(int(header[2]) + 1)
                raise ValueError(f"{key} is a {header[1].decode(errors='replace')}, not a blob")
            data = stdout.read(int(header[2]))
            stdout.read(1)  # the newline after the contents
        except (OSError, ValueError):
            if self.proc.poll() is not None:
                self.close()
            raise
        return data

    def __del__(self) -> None:  # a GitRepo nobody holds is collected: its cat-file ends with it
        with contextlib.suppress(Exception):
            self.close()

    def close(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()  # type: ignore[union-attr]
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            with contextlib.suppress(OSError):
                self.proc.stdout.close()  # type: ignore[union-attr]
            self.proc = None


class GitRepo:
    """One repository (by its top folder). Use :meth:`call` from async code; the functions it runs get this
    object and may use :meth:`run`, :meth:`text`, :meth:`read_blob` and :attr:`repo` (worker thread only)."""

    def __init__(self, top: Path) -> None:
        self.top = Path(top)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tierwise-git")
        self._repo: gitpython.Repo | None = None
        self._env: dict[str, str] = {}
        self._owner: int | None = None
        self._cat_file: _CatFile | None = None

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` on this repository's thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def call_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The same for code that is not async (blocks the caller; never use it on an event loop)."""
        return self._executor.submit(fn, *args, **kwargs).result()

    @property
    def repo(self) -> gitpython.Repo:
        """gitpython's ``Repo`` (its folders; it runs no git), created on (and only usable from) this
        repository's worker thread."""
        me = threading.get_ident()
        if self._owner is None:
            self._owner = me
        elif self._owner != me:
            raise RuntimeError(f"the git repository {self.top} is used outside its worker thread")
        if self._repo is None:
            repo = gitpython.Repo(self.top)
            self._env = _own_env(repo)
            self._repo = repo
        return self._repo

    def run(self, args: Sequence[str], *, input: bytes | None = None, env: Mapping[str, str] | None = None) -> bytes:
        """``git args`` (``tierwise.safe_git``); stdout as bytes. ``input`` goes to stdin."""
        return _git(args, self.top, input=input, env={**self._own_env(), **(env or {})})

    def run_with_hooks(self, args: Sequence[str], *, input: bytes | None = None,
                       env: Mapping[str, str] | None = None, passthrough: Sequence[str] = ()) -> bytes:
        """``git args`` for a command that may run hooks: :meth:`run` with ``commands.env_passthrough``
        (``passthrough``) added to the allow-list, as the test command has it."""
        return _git(args, self.top, input=input, env={**self._own_env(), **(env or {})}, passthrough=passthrough)

    def _own_env(self) -> dict[str, str]:
        self.repo  # noqa: B018 - creates the Repo (and its environment) on first use
        return dict(self._env)

    def text(self, args: Sequence[str], **kwargs: Any) -> str:
        return self.run(args, **kwargs).decode("utf-8", errors="replace").strip()

    def read_blob(self, key: str) -> bytes:
        """A blob's bytes through the persistent ``cat-file --batch`` (one process for all reads)."""
        try:
            if self._cat_file is None:
                self._cat_file = _CatFile(self.top, self._own_env())
            return self._cat_file.read(key)
        except (ValueError, OSError) as err:
            raise VcsError(f"git cat-file {key[:12]} failed: {err}") from err

    def identity_env(self) -> dict[str, str]:
        """Author/committer variables for a commit: git config when set, else ``tierwise <tierwise@localhost>``."""
        env: dict[str, str] = {}
        for key, fallback, names in (
            ("user.name", FALLBACK_NAME, ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")),
            ("user.email", FALLBACK_EMAIL, ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")),
        ):
            try:
                value = self.text(["config", "--get", key])
            except VcsError:
                value = ""
            for name in names:
                if not os.environ.get(name):
                    env[name] = value or fallback
        return env

    def _close(self) -> None:
        if self._cat_file is not None:
            self._cat_file.close()
            self._cat_file = None
        if self._repo is not None:
            self._repo.close()
            self._repo = None

    def close(self) -> None:
        """Stop the persistent git processes and the worker thread."""
        with contextlib.suppress(RuntimeError):  # already shut down
            self._executor.submit(self._close).result(timeout=10)
        self._executor.shutdown(wait=False)


# Shared while someone holds them: a GitRepo nobody references is collected, which ends its thread and its
# persistent git processes.
_REPOS: weakref.WeakValueDictionary[Path, GitRepo] = weakref.WeakValueDictionary()
_REPOS_LOCK = threading.Lock()


def top_of(root: Path) -> Path | None:
    """The top folder of the git work tree holding ``root``, when git itself accepts the repository
    (a repository git refuses, e.g. for its ownership, counts as none)."""
    repo = _discover(Path(root))
    if repo is None:
        return None
    try:
        top = Path(str(repo.working_tree_dir)).resolve()
        resolved = Path(root).resolve()
        if resolved != top and top not in resolved.parents:
            return None
        if Path(repo.git_dir).resolve() in (resolved, *resolved.parents):
            return None  # inside .git
        inside = _git(["rev-parse", "--is-inside-work-tree"], top, env=_own_env(repo))
        return top if inside.strip() == b"true" else None
    except (VcsError, OSError):
        return None
    finally:
        repo.close()


def is_git_repo(root: Path) -> bool:
    """True when ``root`` is inside a git work tree (and git is available)."""
    return top_of(root) is not None


def repository(root: Path) -> GitRepo:
    """The shared :class:`GitRepo` of the work tree holding ``root`` (one per repository and process)."""
    top = top_of(root)
    if top is None:
        raise VcsError(f"{root} is not inside a git repository")
    with _REPOS_LOCK:
        repo = _REPOS.get(top)
        if repo is None:
            repo = _REPOS[top] = GitRepo(top)
        return repo


@atexit.register
def _close_all() -> None:
    with _REPOS_LOCK:
        repos = list(_REPOS.values())
        _REPOS.clear()
    for repo in repos:
        with contextlib.suppress(Exception):  # exiting anyway
            repo.close()

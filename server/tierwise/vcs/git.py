"""git through gitpython: one ``Repo`` per repository, confined to one worker thread.

gitpython's ``Repo`` is not thread-safe (its persistent ``git cat-file --batch`` processes and its command
environment belong to the object), so every repository gets a :class:`GitRepo`: a single-thread executor
that creates the ``Repo`` on that thread and runs all of the repository's git work there, one call at a
time. Async callers ``await repo.call(fn, ...)``; the event loop never waits for git.

Commands go through ``repo.git`` (gitpython's command wrapper): no prompts, ``GIT_OPTIONAL_LOCKS=0``,
a 120 s limit, errors turned into ``VcsError`` with git's own message. Inherited ``GIT_DIR`` /
``GIT_WORK_TREE`` / ``GIT_INDEX_FILE`` / ``GIT_OBJECT_DIRECTORY`` / ``GIT_PREFIX`` (tierwise started from a
git hook, say) are overridden with this repository's own values, so they can never redirect tierwise.
Blobs are read through gitpython's object database, which keeps one ``cat-file --batch`` process per
repository instead of starting one per blob.

Commands that run hooks (``commit``, ``worktree add``) go through :meth:`GitRepo.run_with_hooks` instead:
gitpython always hands git the whole parent environment, and a hook is a file in the repository (in the work
tree when ``core.hooksPath`` says so), so they get the allow-listed environment of the test command
(:func:`hook_env`) — the user's pre-commit checks still run, without the API keys.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fnmatch
import functools
import os
import subprocess
import tempfile
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import git as gitpython
from git.exc import GitCommandError, GitCommandNotFound, InvalidGitRepositoryError, NoSuchPathError

from tierwise.runner.env import FIXED_ENV, build_env
from tierwise.vcs.errors import VcsError

T = TypeVar("T")
TIMEOUT_S = 120.0
_INHERITED_GIT_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY")
_FIXED_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
FALLBACK_NAME = "tierwise"
FALLBACK_EMAIL = "tierwise@localhost"
HOOK_GIT_VARS: tuple[str, ...] = (
    "GIT_AUTHOR_*", "GIT_COMMITTER_*", "GIT_CONFIG*", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR",
    "GIT_CEILING_DIRECTORIES", "GNUPGHOME", "GPG_TTY",
)
"""What a commit needs beyond the command allow-list: identity, configuration (``git -c``,
``GIT_CONFIG_GLOBAL``…), git's own install, gpg signing."""


def hook_env(passthrough: Sequence[str] = (), base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of git commands that may run hooks: the test command's allow-list
    (``tierwise.runner.env.build_env`` with ``commands.env_passthrough``; not its CI markers, a commit is no CI
    run) plus :data:`HOOK_GIT_VARS`. No API key, token or password unless passed through by the user."""
    source = os.environ if base is None else base
    env = {k: v for k, v in build_env(source, passthrough=passthrough).items() if k not in FIXED_ENV}
    env.update({k: v for k, v in source.items() if any(fnmatch.fnmatchcase(k, p) for p in HOOK_GIT_VARS)})
    return env


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
    """Fixed settings plus this repository's own values for any inherited repository-selecting variable."""
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


def _error(args: Sequence[str], err: Exception) -> VcsError:
    if isinstance(err, GitCommandNotFound):
        return VcsError("git is not installed or not on PATH")
    what = f"git {' '.join(args[:2])}"
    if isinstance(err, GitCommandError):
        stderr = err.stderr if isinstance(err.stderr, str) else str(err.stderr or "")
        message = stderr.strip()
        if message.startswith("stderr: "):
            message = message[len("stderr: ") :].strip().strip("'").strip()
        if "Timeout:" in message:
            return VcsError(f"{what} did not finish in {TIMEOUT_S:.0f} s")
        return VcsError(f"{what} failed: {message or f'exit code {err.status}'}")
    return VcsError(f"{what} failed: {err}")


class GitRepo:
    """One repository (by its top folder). Use :meth:`call` from async code; the functions it runs get this
    object and may use :meth:`run`, :meth:`text`, :meth:`read_blob` and :attr:`repo` (worker thread only)."""

    def __init__(self, top: Path) -> None:
        self.top = Path(top)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tierwise-git")
        self._repo: gitpython.Repo | None = None
        self._env: dict[str, str] = {}
        self._owner: int | None = None

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` on this repository's thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def call_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The same for code that is not async (blocks the caller; never use it on an event loop)."""
        return self._executor.submit(fn, *args, **kwargs).result()

    @property
    def repo(self) -> gitpython.Repo:
        """gitpython's ``Repo``, created on (and only usable from) this repository's worker thread."""
        me = threading.get_ident()
        if self._owner is None:
            self._owner = me
        elif self._owner != me:
            raise RuntimeError(f"the git repository {self.top} is used outside its worker thread")
        if self._repo is None:
            repo = gitpython.Repo(self.top)
            self._env = _own_env(repo)
            repo.git.update_environment(**self._env)  # also seen by the persistent cat-file processes
            self._repo = repo
        return self._repo

    def run(self, args: Sequence[str], *, input: bytes | None = None, env: Mapping[str, str] | None = None) -> bytes:
        """``git args`` through ``repo.git``; stdout as bytes. ``input`` goes to stdin."""
        command = self.repo.git
        try:
            if input is None:
                return command.execute(  # type: ignore[call-overload, no-any-return]
                    ["git", *args], env=env, stdout_as_string=False, strip_newline_in_stdout=False,
                    kill_after_timeout=TIMEOUT_S,
                )
            with tempfile.TemporaryFile() as stdin:
                stdin.write(input)
                stdin.seek(0)
                return command.execute(  # type: ignore[call-overload, no-any-return]
                    ["git", *args], istream=stdin, env=env, stdout_as_string=False,
                    strip_newline_in_stdout=False, kill_after_timeout=TIMEOUT_S,
                )
        except (GitCommandError, GitCommandNotFound) as err:
            raise _error(args, err) from err

    def run_with_hooks(self, args: Sequence[str], *, input: bytes | None = None,
                       env: Mapping[str, str] | None = None, passthrough: Sequence[str] = ()) -> bytes:
        """``git args`` for a command that may run hooks: without gitpython (which passes the whole parent
        environment), with :func:`hook_env` plus this repository's own git variables and ``env``."""
        full = hook_env(passthrough)
        full.update({"LANGUAGE": "C", **self._own_env(), **(env or {})})
        try:
            proc = subprocess.run(["git", *args], cwd=self.top, env=full, input=input, capture_output=True,
                                  timeout=TIMEOUT_S, check=False)
        except FileNotFoundError as err:
            raise VcsError("git is not installed or not on PATH") from err
        except subprocess.TimeoutExpired as err:
            raise VcsError(f"git {' '.join(args[:2])} did not finish in {TIMEOUT_S:.0f} s") from err
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", errors="replace").strip() or f"exit code {proc.returncode}"
            raise VcsError(f"git {' '.join(args[:2])} failed: {message}")
        return proc.stdout

    def _own_env(self) -> dict[str, str]:
        self.repo  # noqa: B018 - creates the Repo (and its environment) on first use
        return dict(self._env)

    def text(self, args: Sequence[str], **kwargs: Any) -> str:
        return self.run(args, **kwargs).decode("utf-8", errors="replace").strip()

    def read_blob(self, key: str) -> bytes:
        """A blob's bytes through the persistent ``cat-file --batch`` (one process for all reads)."""
        try:
            if len(key) == 40:
                return self.repo.odb.stream(bytes.fromhex(key)).read()  # type: ignore[no-any-return]
            return self.run(["cat-file", "blob", key])  # another hash (sha256 repositories)
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
        inside = repo.git.rev_parse("--is-inside-work-tree", env=_own_env(repo), kill_after_timeout=TIMEOUT_S)
        return top if inside.strip() == "true" else None
    except (GitCommandError, GitCommandNotFound, OSError):
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

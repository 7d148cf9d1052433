"""Every git command tierwise runs: its options and its environment (docs/security.md, "git").

git obeys the repository's own configuration, and a repository is whatever folder was opened: an unpacked
archive, a clone, a folder someone sent. Some settings name a program git runs — ``core.fsmonitor`` on
nearly every command that looks at the work tree (``ls-files --others``, ``status``, ``add``, ``diff``),
filters (``filter.*.clean``/``smudge``), ``diff.external``, ``textconv``, ``gpg.program``, hooks. So every
git command tierwise starts:

- gets ``-c core.fsmonitor=false`` (:data:`SAFE_OPTIONS`): command-line settings win over every file, so
  opening a folder never runs its fsmonitor command;
- runs with :func:`git_env`: the allow-list of the configured commands (``tierwise.env_allowlist``, with
  ``commands.env_passthrough`` where the caller knows it) plus git's own needs (:data:`GIT_VARS`: identity,
  configuration, its install, gpg) — whatever git still runs (a git-lfs filter, a pre-commit hook, a
  textconv driver) works as before but never sees an API key;
- diff commands whose output tierwise reads add :data:`NO_DIFF_PROGRAMS`.

Standard library only: the workspace listing, the protected-location checks and ``tierwise.vcs`` all use it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tierwise.env_allowlist import FIXED_ENV, allowed_env, matcher

SAFE_OPTIONS: tuple[str, ...] = ("-c", "core.fsmonitor=false")
"""Given before every git subcommand: no repository's ``core.fsmonitor`` command ever runs."""
NO_DIFF_PROGRAMS: tuple[str, ...] = ("--no-ext-diff", "--no-textconv")
"""For diff commands whose output tierwise reads: no ``diff.external`` nor ``textconv`` program."""
GIT_VARS: tuple[str, ...] = (
    "GIT_AUTHOR_*", "GIT_COMMITTER_*", "GIT_CONFIG*", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR",
    "GIT_CEILING_DIRECTORIES", "GNUPGHOME", "GPG_TTY",
)
"""What git needs beyond the command allow-list: identity, configuration (``git -c``,
``GIT_CONFIG_GLOBAL``…), git's own install, gpg signing."""


def git_argv(args: Sequence[str]) -> list[str]:
    """``git`` with :data:`SAFE_OPTIONS` and then ``args``."""
    return ["git", *SAFE_OPTIONS, *args]


def git_env(passthrough: Sequence[str] = (), base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a git command: the configured commands' allow-list (with ``passthrough``; not
    their CI markers, git is no CI run) plus :data:`GIT_VARS`. No API key, token or password unless passed
    through by the user. Repository-selecting variables (``GIT_DIR``…) are not inherited."""
    source = os.environ if base is None else base
    env = {k: v for k, v in allowed_env(source, passthrough).items() if k not in FIXED_ENV}
    git_var = matcher(GIT_VARS)
    env.update({k: v for k, v in source.items() if git_var(k)})
    return env


def run_git(
    args: Sequence[str], cwd: Path | str, *, timeout: float, input: bytes | None = None,
    env: Mapping[str, str] | None = None, passthrough: Sequence[str] = (),
) -> subprocess.CompletedProcess[bytes]:
    """``git args`` in ``cwd`` with :func:`git_argv` and :func:`git_env` (plus ``env``); output captured, stdin
    closed unless ``input`` is given; never raises for a failing git (check ``returncode``). Raises
    ``OSError`` (no git) and ``subprocess.TimeoutExpired`` like ``subprocess.run``."""
    full = git_env(passthrough)
    full.update(env or {})
    return subprocess.run(
        git_argv(args), cwd=cwd, env=full, input=input, capture_output=True, timeout=timeout, check=False,
        **({"stdin": subprocess.DEVNULL} if input is None else {}),
    )  # fmt: skip


def popen_git(args: Sequence[str], cwd: Path | str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A long-lived ``git args`` (``cat-file --batch``) with pipes for stdin and stdout, same options and
    environment as :func:`run_git`."""
    full = git_env()
    full.update(env or {})
    return subprocess.Popen(git_argv(args), cwd=cwd, env=full, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)

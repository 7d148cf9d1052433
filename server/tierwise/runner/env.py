"""The environment a configured command (tests, lint) runs with: an allow-list, never the whole parent env.

Model-written code runs inside these commands, so they get only what a build needs (docs/security.md):

- the basics: ``PATH``, ``HOME``, ``USER``, ``LOGNAME``, ``SHELL``, ``TMPDIR``/``TEMP``/``TMP``, ``LANG``,
  ``LANGUAGE``, ``LC_*``, ``TERM``, ``TZ`` (and, on Windows, ``SYSTEMROOT``, ``COMSPEC``, ``PATHEXT``,
  ``WINDIR``);
- virtual-environment and toolchain variables: see :data:`TOOLCHAIN_NAMES`;
- whatever ``commands.env_passthrough`` names (exact names or ``fnmatch`` patterns such as ``MYAPP_*``). A
  passthrough entry that lets a secret-looking variable through (``tierwise.config.secrets.is_secret_name``)
  or a tier's key variable still passes it — the user asked — but :func:`passthrough_warnings` says so;
- fixed: ``CI=1``, ``PYTHONDONTWRITEBYTECODE=1``, ``NO_COLOR=1``.

tierwise's own virtualenv is taken off ``PATH`` (and ``VIRTUAL_ENV``), so the project's tools are found.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping

from tierwise.config.secrets import is_secret_name
from tierwise.env_allowlist import (  # noqa: F401 - re-exported
    ALLOWED_PATTERNS,
    BASIC_NAMES,
    FIXED_ENV,
    TOOLCHAIN_NAMES,
    allowed_env,
)


def build_env(
    base: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
    *,
    secret_names: Iterable[str] = (),
    passthrough: Iterable[str] = (),
) -> dict[str, str]:
    """The environment a project command sees: the allow-listed part of ``base`` (default ``os.environ``)
    plus ``passthrough`` matches, the fixed CI variables, and ``extra`` (secret-looking names and
    ``secret_names`` dropped from ``extra``)."""
    env = allowed_env(base, passthrough)
    env.update(FIXED_ENV)
    if extra:
        secrets = set(secret_names)
        env.update({k: v for k, v in extra.items() if not is_secret_name(k) and k not in secrets})
    return env


def passthrough_warnings(
    passthrough: Iterable[str], *, base: Mapping[str, str] | None = None, secret_names: Iterable[str] = ()
) -> list[str]:
    """One warning per ``commands.env_passthrough`` entry that lets a secret through: a secret-looking name
    or a tier's key variable, set now or named outright (values are never shown)."""
    source = dict(os.environ if base is None else base)
    keys = set(secret_names)
    warnings: list[str] = []
    for pattern in passthrough:
        names = sorted({n for n in source if fnmatch.fnmatchcase(n, pattern)} | (
            {pattern} if not any(ch in pattern for ch in "*?[") else set()))
        risky = [n for n in names if is_secret_name(n) or n in keys]
        if risky:
            warnings.append(
                f"commands.env_passthrough entry {pattern!r} passes {', '.join(risky)} to the test and lint "
                "commands, which run code a model wrote; remove it unless those commands need it"
            )
    return warnings

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
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from tierwise.config.secrets import is_secret_name

FIXED_ENV = {"CI": "1", "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"}
BASIC_NAMES: frozenset[str] = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP", "LANG", "LANGUAGE", "TERM", "TZ",
    "SYSTEMROOT", "COMSPEC", "PATHEXT", "WINDIR",
})
TOOLCHAIN_NAMES: frozenset[str] = frozenset({
    # Python
    "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_EXE", "PYTHONPATH", "PYTHONHOME",
    "PYENV_ROOT", "PYENV_VERSION",
    # JavaScript
    "NODE_PATH", "NVM_DIR", "NVM_BIN", "VOLTA_HOME", "PNPM_HOME", "COREPACK_HOME",
    # Go
    "GOPATH", "GOROOT", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY", "GOPRIVATE",
    "GONOSUMDB", "GONOPROXY", "CGO_ENABLED",
    # Rust
    "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "CARGO_TARGET_DIR",
    # JVM, .NET, Ruby
    "JAVA_HOME", "GRADLE_USER_HOME", "M2_HOME", "MAVEN_HOME", "DOTNET_ROOT", "GEM_HOME", "GEM_PATH",
    "BUNDLE_PATH", "RBENV_ROOT",
    # native builds, certificates, cache folders
    "CC", "CXX", "PKG_CONFIG_PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "SSL_CERT_FILE", "SSL_CERT_DIR",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR",
})
ALLOWED_PATTERNS: tuple[str, ...] = ("LC_*",)


def _allowed(name: str, passthrough: Iterable[str]) -> bool:
    if name in BASIC_NAMES or name in TOOLCHAIN_NAMES:
        return True
    if any(fnmatch.fnmatchcase(name, p) for p in ALLOWED_PATTERNS):
        return True
    return any(fnmatch.fnmatchcase(name, p) for p in passthrough)


def _own_venv_bin() -> str | None:
    """tierwise's own virtualenv ``bin`` folder, when tierwise runs from one (kept off the project's PATH)."""
    if sys.prefix == sys.base_prefix:
        return None
    return str(Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin"))


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
    patterns = tuple(passthrough)
    source = dict(os.environ if base is None else base)
    env = {k: v for k, v in source.items() if _allowed(k, patterns)}
    own_bin = _own_venv_bin()
    if own_bin is not None:
        if "PATH" in env:
            env["PATH"] = os.pathsep.join(
                p for p in env["PATH"].split(os.pathsep) if p.rstrip("/") != own_bin
            )
        if env.get("VIRTUAL_ENV", "").rstrip("/") == sys.prefix.rstrip("/"):
            env.pop("VIRTUAL_ENV", None)
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

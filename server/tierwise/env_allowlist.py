"""The allow-list of environment variables a program tierwise starts may see: never the whole parent env.

Shared by the configured commands (``tierwise.runner.env.build_env``: tests, lint, which run model-written
code) and by every git command (``tierwise.safe_git``: whatever git runs — hooks, filters, a repository's
configured programs — sees only this). Standard library only, so that the lowest layers can import it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=64)
def matcher(patterns: tuple[str, ...]) -> Callable[[str], object]:
    """One compiled test for "does a name match any of these ``fnmatch`` patterns" (case-sensitive)."""
    if not patterns:
        return lambda _name: False
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match


def _own_venv_bin() -> str | None:
    """tierwise's own virtualenv ``bin`` folder, when tierwise runs from one (kept off the project's PATH)."""
    if sys.prefix == sys.base_prefix:
        return None
    return str(Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin"))


def allowed_env(base: Mapping[str, str] | None = None, passthrough: Iterable[str] = ()) -> dict[str, str]:
    """The allow-listed part of ``base`` (default ``os.environ``) plus ``passthrough`` matches (exact names or
    ``fnmatch`` patterns), with tierwise's own virtualenv taken off ``PATH`` and ``VIRTUAL_ENV``."""
    extra = matcher(ALLOWED_PATTERNS + tuple(passthrough))
    source = dict(os.environ if base is None else base)
    env = {k: v for k, v in source.items() if k in BASIC_NAMES or k in TOOLCHAIN_NAMES or extra(k)}
    own_bin = _own_venv_bin()
    if own_bin is not None:
        if "PATH" in env:
            env["PATH"] = os.pathsep.join(
                p for p in env["PATH"].split(os.pathsep) if p.rstrip("/") != own_bin
            )
        if env.get("VIRTUAL_ENV", "").rstrip("/") == sys.prefix.rstrip("/"):
            env.pop("VIRTUAL_ENV", None)
    return env

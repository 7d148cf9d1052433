"""Protected locations: what no model reply may write, by any path (docs/security.md).

One function, :func:`protected_reason`, answers "may a reply write here?" for every caller — plan
validation (``tierwise.engine.paths``), the edit engine and both FilesPorts (``tierwise.edits.paths``,
the headless disk port and the editor port). It looks at the **resolved** path (every symlink followed,
also a dangling one, also one in a parent folder), never only at the path as written:

- version-control folders: any component named ``.git``, ``.hg``, ``.svn``, the real git dir and common
  dir that ``git rev-parse --git-dir --git-common-dir`` names (a worktree's or submodule's ``.git`` *file*
  points elsewhere; ``--separate-git-dir`` may put it anywhere; asked again whenever ``<root>/.git``
  changes), and any folder of the workspace shaped like a git dir (:func:`looks_like_git_dir`: a bare
  repository, a nested repository's separate git dir);
- git's hooks folder when ``core.hooksPath`` puts it in the work tree (``git rev-parse --git-path hooks``:
  ``.githooks/``, husky's ``.husky/_`` and ``.husky/``), asked with the git dirs and again when
  ``<root>/.git/config`` changes; it may be read, not written;
- every file git reads the repository's configuration from, other than its own git dir's (``git config
  --includes --list --show-origin``, and every ``include.path`` / ``includeIf.*.path`` target, existing or
  not): a workspace file such a directive names could otherwise set ``core.hooksPath`` or a filter; asked
  with the git dirs and again when one of those files changes;
- tierwise's own state folder ``.tierwise`` (tasks, ledger, checkpoints, prompt overrides);
- tierwise's configuration: the workspace's ``.tierwise.toml`` and the user file
  (``$XDG_CONFIG_HOME/tierwise/config.toml`` or ``~/.config/tierwise/config.toml``). The ``[tool.tierwise]``
  table of ``pyproject.toml`` is protected by content (``tierwise.testinfra``).

Names are compared case-insensitively when the file system holding the workspace is case-insensitive
(detected by probing, not assumed from the platform). Standard library only.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tierwise.safe_git import run_git

VCS_DIR_NAMES: frozenset[str] = frozenset({".git", ".hg", ".svn"})
"""Version-control folders: never read nor written through a model-named path."""
PROTECTED_DIR_NAMES: frozenset[str] = VCS_DIR_NAMES | {".tierwise"}
"""Folder names no reply may write into, at any depth of the workspace (``.tierwise`` may be read: PLAN.md)."""
CONFIG_FILE_NAMES: frozenset[str] = frozenset({".tierwise.toml"})
"""tierwise's workspace configuration file (at any depth: a nested one would configure a sub-workspace)."""
_GIT_TIMEOUT_S = 10.0


@lru_cache(maxsize=256)
def is_case_insensitive(folder: str) -> bool:
    """Whether names in ``folder`` compare case-insensitively: probes the deepest path component that has
    letters by asking for the same path with that component's case swapped."""
    path = Path(os.path.realpath(folder))
    for candidate in (path, *path.parents):
        name = candidate.name
        if name and name.swapcase() != name:
            swapped = candidate.with_name(name.swapcase())
            try:
                return swapped.exists() and os.path.samefile(candidate, swapped)
            except OSError:
                return False
    return False


def looks_like_git_dir(folder: str) -> bool:
    """Whether ``folder`` is a git dir by its shape, whatever its name (git's own test): a ``HEAD`` file and
    ``objects`` and ``refs`` folders, or a ``commondir`` file (a linked worktree's admin folder). Catches a
    bare repository, a submodule's or another ``--separate-git-dir`` inside the workspace, without git."""
    if not os.path.isfile(os.path.join(folder, "HEAD")):
        return False
    if os.path.isfile(os.path.join(folder, "commondir")):
        return True
    return os.path.isdir(os.path.join(folder, "objects")) and os.path.isdir(os.path.join(folder, "refs"))


def _first_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[0].strip() if lines else ""


_HOOK_DIRS: set[str] = set()
"""Hooks folders :func:`_git_dirs` found (so that a refusal can say what the folder is)."""


def _hooks_dirs(git_path_hooks: str, root_real: str) -> set[str]:
    """The folders whose files git runs as hooks, from ``git rev-parse --git-path hooks`` (``core.hooksPath``
    when set: husky's ``.husky/_``, a ``.githooks`` folder). Husky's layout ``<dir>/_`` runs the scripts of
    ``<dir>`` itself, so ``<dir>`` counts too. Never the workspace root or a folder above it: protecting that
    would forbid every edit (such a hooks folder is left to the hooks' keyless environment, docs/security.md)."""
    hooks = os.path.realpath(git_path_hooks)
    found = {hooks, os.path.dirname(hooks)} if os.path.basename(hooks) == "_" else {hooks}
    root = root_real.rstrip(os.sep) + os.sep
    found = {folder for folder in found if not root.startswith(folder.rstrip(os.sep) + os.sep)}
    _HOOK_DIRS.update(found)
    return found


def _git_config_files(root_real: str) -> tuple[str, ...]:
    """Real paths of the files git reads the configuration of the repository at ``root_real`` from (every
    scope, includes followed), and of every ``include.path`` / ``includeIf.<condition>.path`` target, whether
    it exists or its condition holds now or not (git resolves a relative one from its including file's
    folder). Empty outside git or when git fails."""
    try:
        proc = run_git(["config", "--includes", "--list", "--show-origin", "-z"], root_real,
                       timeout=_GIT_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):
        return ()
    if proc.returncode != 0:
        return ()
    found: set[str] = set()
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    for origin, entry in zip(fields[0::2], fields[1::2], strict=False):
        if not origin.startswith("file:"):
            continue  # "command line:", a blob, standard input
        origin_path = os.path.join(root_real, origin[len("file:"):])
        found.add(os.path.realpath(origin_path))
        key, _, value = entry.partition("\n")
        key = key.lower()
        if value and (key == "include.path" or (key.startswith("includeif.") and key.endswith(".path"))):
            value = os.path.expanduser(value)
            found.add(os.path.realpath(os.path.join(os.path.dirname(origin_path), value)))
    return tuple(sorted(found))


def _git_dirs(root_real: str) -> tuple[str, ...]:
    """The real git dir and common dir of the repository at ``root_real`` (empty outside git), and the
    folders its hooks run from (:func:`_hooks_dirs`)."""
    found: set[str] = set()
    dot_git = Path(root_real) / ".git"
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        first = _first_line(dot_git)
        if first.startswith("gitdir:"):
            git_dir = os.path.realpath(Path(root_real) / first[len("gitdir:"):].strip())
            found.add(git_dir)
            common = _first_line(Path(git_dir) / "commondir")  # a worktree's admin dir names its common dir
            if common:
                found.add(os.path.realpath(Path(git_dir) / common))
    try:
        proc = run_git(
            ["rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir", "--git-path", "hooks"],
            root_real, timeout=_GIT_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError):
        proc = None
    if proc is not None and proc.returncode == 0:
        out = proc.stdout.decode("utf-8", "surrogateescape")
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        found.update(os.path.realpath(line) for line in lines[:2])
        if len(lines) == 3:
            found.update(_hooks_dirs(lines[2], root_real))
    return tuple(sorted(found))


@dataclass(frozen=True)
class Protection:
    """The protected locations of one workspace root (see the module docstring)."""

    root: str  # realpath of the workspace root
    folded: bool  # case-insensitive file system
    dirs: tuple[str, ...]  # real paths of folders nothing may be written into
    files: tuple[str, ...]  # real paths of files nothing may write
    git_config: tuple[str, ...] = ()  # real paths of the files git reads configuration from
    git_config_stamp: tuple[object, ...] = field(default=(), compare=False)  # their stat when asked

    def key(self, path: str) -> str:
        return os.path.normcase(path).casefold() if self.folded else path

    def reason(self, resolved: str, *, write: bool = True) -> str | None:
        """Why a reply may not write ``resolved`` (an absolute, fully resolved path), or None. With
        ``write=False`` only version-control folders count (tierwise's own files may be read)."""
        target = self.key(resolved)
        names = PROTECTED_DIR_NAMES if write else VCS_DIR_NAMES
        for folder in self.dirs:
            if not write and (self.key(os.path.basename(folder)) == self.key(".tierwise") or folder in _HOOK_DIRS):
                continue  # may be read
            base = self.key(folder)
            if target == base or target.startswith(base.rstrip(os.sep) + os.sep):
                what = ", git's hooks folder (core.hooksPath)" if folder in _HOOK_DIRS else ""
                return f"it resolves into {_shown(folder, self.root)}{what}, which tierwise never edits"
        for name in self.files if write else ():
            if target == self.key(name):
                return f"it resolves to {_shown(name, self.root, folder=False)}, tierwise's own configuration"
        for name in self.git_config if write else ():
            if target == self.key(name):
                shown = _shown(name, self.root, folder=False)
                return f"it resolves to {shown}: git reads its configuration from it, which tierwise never edits"
        root = self.key(self.root)
        if target.startswith(root.rstrip(os.sep) + os.sep):
            parts = Path(resolved[len(self.root.rstrip(os.sep)) + 1:]).parts
            dir_names = {self.key(n) for n in names}
            for part in parts:
                if self.key(part) in dir_names:
                    return f"it resolves into a {part} folder, which tierwise never edits"
            if write and parts and self.key(parts[-1]) in {self.key(n) for n in CONFIG_FILE_NAMES}:
                return f"it resolves to {parts[-1]}, tierwise's own configuration"
            for depth in range(len(parts) - 1, 0, -1):  # the target's folders, innermost first, below the root
                folder = os.path.join(self.root, *parts[:depth])
                if looks_like_git_dir(folder):
                    return (f"it resolves into {_shown(folder, self.root)}, a git repository's own folder, "
                            "which tierwise never edits")
        return None


def _shown(path: str, root: str, *, folder: bool = True) -> str:
    try:
        return Path(path).relative_to(root).as_posix() + ("/" if folder else "")
    except ValueError:
        return path


def user_config_file(env: dict[str, str] | None = None) -> str | None:
    """The user configuration file's real path (it need not exist)."""
    from tierwise.config.files import user_config_path

    path = user_config_path(dict(os.environ) if env is None else env)
    return os.path.realpath(path) if path is not None else None


def dot_git_stamp(root_real: str) -> tuple[object, ...]:
    """What decides the git dirs of the repository at ``root_real``, from an ``lstat`` of ``<root>/.git``
    (no git subprocess): missing; a folder (its own git dir, always protected by name; plus a ``stat`` of its
    ``config``, which may set ``core.hooksPath`` — git rewrites it by rename, so a change is seen even within
    one timestamp tick); a symbolic link (its target); a file (a worktree's or submodule's ``gitdir:`` pointer, read:
    a few bytes, and a rewritten pointer counts as new even within one timestamp tick)."""
    dot_git = os.path.join(root_real, ".git")
    try:
        info = os.lstat(dot_git)
    except OSError:
        return ("missing",)
    if stat.S_ISDIR(info.st_mode):  # its config may name a hooks folder (core.hooksPath): set later, seen then
        try:
            config = os.stat(os.path.join(dot_git, "config"))
        except OSError:
            return ("dir",)
        return ("dir", config.st_mtime_ns, config.st_size, config.st_ino)
    if stat.S_ISLNK(info.st_mode):
        try:
            return ("link", os.readlink(dot_git))
        except OSError:
            return ("link", info.st_ino, info.st_mtime_ns)
    return ("file", _first_line(Path(dot_git)))


def _files_stamp(paths: tuple[str, ...]) -> tuple[object, ...]:
    """One ``stat`` per file: changed when a file is written (git rewrites its config by rename), created or
    removed."""
    stamps: list[object] = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            stamps.append(None)
            continue
        stamps.append((info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(stamps)


_CONFIG_GENERATION: dict[str, int] = {}
"""Per root: bumped when a file git reads configuration from changed since it was asked (a new cache key)."""


@lru_cache(maxsize=64)
def _protection(root_real: str, user_file: str | None, stamp: tuple[object, ...]) -> Protection:  # noqa: ARG001
    """Cached per root, user file and :func:`dot_git_stamp`: a repository created (``git init``), a ``.git``
    file written or changed (``git worktree add``, ``--separate-git-dir``) or a ``.git`` link retargeted
    after start gives a new stamp, so git is asked again — once per change, never per write. So does a change
    of a file git reads configuration from (:data:`_CONFIG_GENERATION`)."""
    dirs = {os.path.join(root_real, name) for name in PROTECTED_DIR_NAMES}
    dirs.update(os.path.realpath(path) for path in list(dirs))  # `.tierwise -> var/state`: var/state too
    dirs.update(_git_dirs(root_real))
    files = {os.path.join(root_real, name) for name in CONFIG_FILE_NAMES}
    files.update(os.path.realpath(path) for path in list(files))  # `.tierwise.toml -> shared/x.toml`: x.toml
    if user_file:
        files.add(user_file)
    config = _git_config_files(root_real)
    return Protection(root_real, is_case_insensitive(root_real), tuple(sorted(dirs)), tuple(sorted(files)),
                      config, _files_stamp(config))


def _links_stamp(root_real: str) -> tuple[str | None, ...]:
    """Where ``<root>/.tierwise`` and ``<root>/.tierwise.toml`` lead when they are symbolic links (their
    targets are protected too), from one ``lstat`` each."""
    targets: list[str | None] = []
    for name in sorted(PROTECTED_DIR_NAMES - VCS_DIR_NAMES | CONFIG_FILE_NAMES):
        path = os.path.join(root_real, name)
        try:
            targets.append(os.readlink(path) if os.path.islink(path) else None)
        except OSError:
            targets.append(None)
    return tuple(targets)


def protection_for(root: Path | str) -> Protection:
    """The protected locations of the workspace at ``root``: an ``lstat`` of ``<root>/.git``, ``.tierwise``
    and ``.tierwise.toml`` per call; git asked again only when ``.git`` changed (:func:`dot_git_stamp`)."""
    root_real = os.path.realpath(root)
    user_file = user_config_file()
    stamp = (dot_git_stamp(root_real), _links_stamp(root_real))
    protection = _protection(root_real, user_file, (*stamp, _CONFIG_GENERATION.get(root_real, 0)))
    if protection.git_config and _files_stamp(protection.git_config) != protection.git_config_stamp:
        _CONFIG_GENERATION[root_real] = generation = _CONFIG_GENERATION.get(root_real, 0) + 1
        protection = _protection(root_real, user_file, (*stamp, generation))
    return protection


def hooks_dirs(root: Path | str) -> tuple[str, ...]:
    """The real paths of the folders git runs hooks from for the workspace at ``root`` (``.git/hooks``, or
    ``core.hooksPath``'s folder unless it is the workspace root or above it), existing or not."""
    return tuple(folder for folder in protection_for(root).dirs if folder in _HOOK_DIRS)


def protected_reason(root: Path | str, resolved: Path | str, *, write: bool = True) -> str | None:
    """Why nothing may be written (``write=False``: read) at ``resolved``, or None. ``resolved`` is
    resolved again with ``os.path.realpath`` (every component, dangling links too)."""
    return protection_for(root).reason(os.path.realpath(resolved), write=write)

"""What a test or lint command may not change: snapshot before every run, compare after, restore.

A test command imports and runs code a model wrote, with the user's own permissions, so that code can write
what no reply may write (docs/security.md, "Files a command run may not change"). Around every run of
:class:`tierwise.runner.SubprocessRunner` (the one place the engine's test and lint runs go through):

- **tierwise's configuration**: the user file (``$XDG_CONFIG_HOME/tierwise/config.toml``), the workspace's
  ``.tierwise.toml``, the ``[tool.tierwise]`` table of ``pyproject.toml`` and the ``tierwise`` keys of
  ``.vscode/settings.json`` and top-level ``*.code-workspace`` files (compared as parsed data with
  ``tierwise.config_guard``: the rest of those files may change);
- **git**: the repository's ``config`` (and ``config.worktree``, and the files their ``path =`` include
  lines name) and every file of the hooks folder (``git rev-parse --git-path hooks``, from
  ``tierwise.protected``; contents and permission bits, files added too);
- **test infrastructure that decides "the tests pass"**: the files of the workspace listing whose
  ``tierwise.testinfra.infra_file_kind`` is a configuration kind (``conftest.py``, ``pytest.ini``,
  ``tox.ini``, ``sitecustomize.py``, ``*.pth``, jest/vitest configs, ``.npmrc``, wrappers...) — those that
  exist before the run and those the run creates — and the test-tool parts of the top-level shared files
  (``pyproject.toml``'s ``[tool.pytest]``/``[tool.coverage]``/``[tool.tox]``, ``setup.cfg``,
  ``package.json`` ``scripts``). Test files themselves (``tests/``, ``test_*.py``, snapshots) and what tests
  legitimately write (``.pytest_cache``, ``.coverage``, ``__pycache__``, snapshot updates, files under
  ``tests/``) are not guarded.

A change found after the run is put back — the snapshot's bytes and permission bits written atomically, a
file that did not exist before removed; the changed text is first kept under ``.tierwise/put-back/<time>/``
(a change you made yourself while the command ran is not lost) — and reported in ``CommandResult.protected_changes``; the engine
then stops the task (``tierwise.engine.commands.ProtectedFilesChanged``). Cost per run: one workspace
listing before and after (``git ls-files``), and a read of the few guarded files (a handful of small
files plus the hooks folder), measured at a few milliseconds (docs/loop.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tierwise.atomic import write_bytes_atomic
from tierwise.config_guard import tierwise_config_reason
from tierwise.protected import hooks_dirs, looks_like_git_dir, protection_for, user_config_file
from tierwise.statedir import ensure_state_dir
from tierwise.testinfra import infra_content_reason, infra_file_kind
from tierwise.workspace_files import list_workspace_files

__all__ = ["Snapshot", "restore_changes", "take_snapshot"]

_MAX_HOOK_FILES = 500
_MAX_FILE_BYTES = 4 * 1024 * 1024
_NOT_GUARDED_KINDS = ("a test file", "part of a virtual environment")
_INCLUDE_PATH = re.compile(r"^\s*path\s*=\s*(.+?)\s*$", re.M | re.I)
_SHARED_TOP = ("pyproject.toml", "setup.cfg", "package.json")

Compare = Callable[[str, str | None, str | None], str | None]


@dataclass
class _File:
    path: str  # real, absolute
    label: str  # what the report calls it
    data: bytes | None  # None: absent
    mode: int | None
    compare: Compare | None = None  # parsed views (None: bytes and permission bits)


@dataclass
class Snapshot:
    root: str
    files: dict[str, _File] = field(default_factory=dict)
    hook_dirs: list[str] = field(default_factory=list)
    listed: frozenset[str] = frozenset()
    skipped: set[str] = field(default_factory=set)  # present but unreadable or too large: left alone


class _Unreadable(Exception):
    """Present but not a regular file of a readable size: not guarded (never removed as "created")."""


def _read(path: str) -> tuple[bytes | None, int | None]:
    """(bytes, permission bits), or (None, None) when nothing is there; ``_Unreadable`` otherwise."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    except OSError as err:
        raise _Unreadable(path) from err
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_FILE_BYTES:
        raise _Unreadable(path)
    try:
        with open(path, "rb") as handle:
            return handle.read(), stat.S_IMODE(info.st_mode)
    except OSError as err:
        raise _Unreadable(path) from err


def _shown(path: str, root: str) -> str:
    return path[len(root) + 1:] if path.startswith(root + os.sep) else path


def _add(snap: Snapshot, path: str, label: str, compare: Compare | None = None) -> None:
    real = os.path.realpath(path)
    if real not in snap.files and real not in snap.skipped:
        try:
            data, mode = _read(real)
        except _Unreadable:
            snap.skipped.add(real)
            return
        snap.files[real] = _File(real, label, data, mode, compare)


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


def _shared_reason(path: str, old: str | None, new: str | None) -> str | None:
    return tierwise_config_reason(path, old, new) or infra_content_reason(path, old, new)


@lru_cache(maxsize=65_536)  # by name only: a workspace's paths repeat from run to run
def _guarded_infra(path: str) -> str | None:
    kind = infra_file_kind(path)
    return None if kind is None or kind.startswith(_NOT_GUARDED_KINDS) else kind


def _git_files(snap: Snapshot) -> None:
    for folder in protection_for(snap.root).dirs:
        if not looks_like_git_dir(folder):
            continue
        for name in ("config", "config.worktree"):
            config = os.path.join(folder, name)
            _add(snap, config, f"git's {_shown(config, snap.root)}")
            entry = snap.files.get(os.path.realpath(config))
            text = _text(entry.data if entry else None) or ""
            for match in _INCLUDE_PATH.finditer(text):  # [include] / [includeIf] path = ...
                target = os.path.expanduser(match.group(1).strip().strip('"'))
                target = os.path.join(folder, target)
                _add(snap, target, f"{_shown(os.path.realpath(target), snap.root)} (included by git's config)")


def _hook_files(folder: str) -> list[str]:
    found: list[str] = []
    for here, dirs, names in os.walk(folder):
        dirs.sort()
        found.extend(os.path.join(here, name) for name in sorted(names))
        if len(found) >= _MAX_HOOK_FILES:
            break
    return found[:_MAX_HOOK_FILES]


def take_snapshot(root: Path | str) -> Snapshot:
    """Record the guarded files of the workspace at ``root`` (see the module docstring)."""
    snap = Snapshot(os.path.realpath(root))
    user = user_config_file()
    if user:
        _add(snap, user, f"the user configuration file {user}")
    _add(snap, os.path.join(snap.root, ".tierwise.toml"), ".tierwise.toml")
    settings = [os.path.join(".vscode", "settings.json")]
    with contextlib.suppress(OSError):
        settings += sorted(n for n in os.listdir(snap.root) if n.casefold().endswith(".code-workspace"))
    for name in [*_SHARED_TOP, *settings]:
        _add(snap, os.path.join(snap.root, name), Path(name).as_posix(), _shared_reason)
    _git_files(snap)
    snap.hook_dirs = [os.path.realpath(d) for d in hooks_dirs(snap.root)]
    for folder in snap.hook_dirs:
        for path in _hook_files(folder):
            _add(snap, path, f"git hook {_shown(path, snap.root)}")
    listed = list_workspace_files(Path(snap.root))
    snap.listed = frozenset(listed)
    for rel in listed:
        kind = _guarded_infra(rel)
        if kind is not None:
            _add(snap, os.path.join(snap.root, rel), f"{rel} ({kind})")
    return snap


def _changed(entry: _File) -> str | None:
    try:
        data, mode = _read(entry.path)
    except _Unreadable:
        return "replaced by something that is not a readable file"
    if entry.compare is not None:
        if data == entry.data:
            return None
        return entry.compare(entry.label, _text(entry.data), _text(data))
    if data == entry.data and (data is None or mode == entry.mode):
        return None
    if entry.data is None:
        return "created"
    if data is None:
        return "deleted"
    return "changed" if data != entry.data else "permission bits changed"


def _put_back(entry: _File) -> str:
    try:
        if entry.data is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
            return "removed"
        write_bytes_atomic(Path(entry.path), entry.data, perms=entry.mode, make_parents=True)
        return "restored"
    except OSError as err:
        return f"could NOT be restored ({err.strerror or err})"


def _keep_copy(entry: _File, root: str, folder: list[Path]) -> str:
    """Save what the run left in ``entry``'s file under ``.tierwise/put-back/<time>/`` before it is put
    back, so nothing is lost when the writer was not the test (you, editing the file meanwhile)."""
    try:
        data, _mode = _read(entry.path)
    except _Unreadable:
        return ""
    if data is None:
        return ""
    try:
        if not folder:
            stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
            folder.append(ensure_state_dir(Path(root)) / "put-back" / stamp)
        name = f"{len(list(folder[0].iterdir())) if folder[0].is_dir() else 0:02d}-{os.path.basename(entry.path)}"
        write_bytes_atomic(folder[0] / name, data, make_parents=True)
    except OSError:
        return ""
    return f" (the changed text is kept in {_shown(str(folder[0] / name), root)})"


def restore_changes(snap: Snapshot) -> tuple[str, ...]:
    """Compare the guarded files with ``snap``; put back every change (keeping a copy of the changed text
    under ``.tierwise/put-back/``); one line per change (empty: none)."""
    report: list[str] = []
    for folder in snap.hook_dirs:  # files added to the hooks folder
        for path in _hook_files(folder):
            real = os.path.realpath(path)
            if real not in snap.files and real not in snap.skipped:
                snap.files[real] = _File(real, f"git hook {_shown(path, snap.root)}", None, None)
    listed = list_workspace_files(Path(snap.root))
    for rel in listed:  # test infrastructure the run created (a new conftest.py, sitecustomize.py, *.pth)
        if rel not in snap.listed and _guarded_infra(rel) is not None:
            real = os.path.realpath(os.path.join(snap.root, rel))
            if real not in snap.skipped:
                snap.files.setdefault(real, _File(real, f"{rel} ({_guarded_infra(rel)})", None, None))
    kept: list[Path] = []
    for entry in snap.files.values():
        what = _changed(entry)
        if what is not None:
            copy = _keep_copy(entry, snap.root, kept)
            report.append(f"{entry.label}: {what}; {_put_back(entry)}{copy}")
    return tuple(report)

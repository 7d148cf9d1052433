"""Noticing configuration changes made outside the server: only the configuration files are watched.

The files: the workspace's ``.tierwise.toml`` and ``pyproject.toml`` and the user file
(``$XDG_CONFIG_HOME/tierwise/config.toml``). When the client offers dynamic registration of
``workspace/didChangeWatchedFiles``, the server registers watchers for them and the editor reports changes
(no watcher of ours at all). Otherwise, and for a file the client's patterns cannot name (the user file
without ``relativePatternSupport``), a watchdog observer watches the files' folders **non-recursively**
and forwards only events for those exact files — never ``node_modules``, ``.venv`` or the rest of the tree.

watchdog is imported in a worker thread when the watcher starts (after ``initialized``), never at import.
Its callbacks run on the observer's thread and hop to the event loop with ``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

log = logging.getLogger(__name__)

WORKSPACE_CONFIG_NAMES = (".tierwise.toml", "pyproject.toml")
REGISTRATION_ID = "tierwise-config-files"
OnChange = Callable[[Path, str], None]  # (the configuration file, event kind)
RELEVANT = frozenset({"created", "deleted", "modified", "moved"})


def _key(path: Path | str) -> str:
    return os.path.normcase(os.path.normpath(str(path)))


class PathMatcher:
    """Which of ``paths`` a reported path names (as given, or through symlinks resolved)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self._keys: dict[str, Path] = {}
        for path in paths:
            self._keys[_key(path)] = path
            with contextlib.suppress(OSError):
                self._keys.setdefault(_key(os.path.realpath(path)), path)

    def match(self, path: Path | str) -> Path | None:
        return self._keys.get(_key(path))


class ConfigFiles:
    """The configuration files of a workspace, and matching of changed paths against them."""

    def __init__(self, root: Path, user_file: Path | None) -> None:
        self.root = Path(root)
        self.workspace = [self.root / name for name in WORKSPACE_CONFIG_NAMES]
        self.user = user_file
        self._matcher = PathMatcher(self.all())

    @classmethod
    def for_root(cls, root: Path) -> ConfigFiles:
        from tierwise.config.files import user_config_path

        return cls(root, user_config_path(os.environ))

    def all(self) -> list[Path]:
        return [*self.workspace, *([self.user] if self.user is not None else [])]

    def match(self, path: Path | str) -> Path | None:
        """The configuration file ``path`` names, or None."""
        return self._matcher.match(path)


# -- the client's file watching --------------------------------------------------------------------------
def client_watch_support(caps: types.ClientCapabilities | None) -> tuple[bool, bool]:
    """(dynamic registration of didChangeWatchedFiles, relative pattern support) from the client."""
    watched = caps.workspace.did_change_watched_files if caps and caps.workspace else None
    if watched is None:
        return False, False
    return bool(watched.dynamic_registration), bool(watched.relative_pattern_support)


def client_watchers(files: ConfigFiles, relative: bool) -> tuple[list[types.FileSystemWatcher], list[Path]]:
    """The watchers to register, and the files they cannot cover (left to watchdog)."""
    from pygls.uris import from_fs_path

    if relative:
        watchers = [
            types.FileSystemWatcher(
                glob_pattern=types.RelativePattern(base_uri=from_fs_path(str(path.parent)) or "", pattern=path.name)
            )
            for path in files.all()
        ]
        return watchers, []
    # plain patterns are matched inside the workspace folders; the server keeps only the root's files
    names = ",".join(WORKSPACE_CONFIG_NAMES)
    return [types.FileSystemWatcher(glob_pattern=f"**/{{{names}}}")], ([files.user] if files.user else [])


async def register_client_watchers(server: Any, files: ConfigFiles, timeout_s: float = 10.0) -> list[Path] | None:
    """Ask the client to watch the configuration files. Returns the files still to watch ourselves, or None
    when the client does not offer it or refused the registration."""
    dynamic, relative = client_watch_support(server.client_capabilities)
    if not dynamic:
        return None
    watchers, rest = client_watchers(files, relative)
    registration = types.Registration(
        id=REGISTRATION_ID,
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
    )
    try:
        await asyncio.wait_for(
            server.client_register_capability_async(types.RegistrationParams(registrations=[registration])),
            timeout_s,
        )
    except Exception as err:  # noqa: BLE001 - refused, timed out, not understood: watch ourselves
        log.info("the client did not accept file watchers (%s); watching with watchdog", err)
        return None
    return rest


def changed_config_files(files: ConfigFiles, params: types.DidChangeWatchedFilesParams) -> list[tuple[Path, str]]:
    """The configuration files among a ``didChangeWatchedFiles`` notification's changes."""
    from pygls.uris import to_fs_path

    kinds = {types.FileChangeType.Created: "created", types.FileChangeType.Changed: "modified",
             types.FileChangeType.Deleted: "deleted"}
    found: list[tuple[Path, str]] = []
    for change in params.changes:
        path = to_fs_path(change.uri)
        match = files.match(path) if path else None
        if match is not None:
            found.append((match, kinds.get(change.type, "modified")))
    return found


# -- watchdog, for the rest -------------------------------------------------------------------------------
class ConfigFileWatcher:
    """Non-recursive watchdog watches on the folders of ``paths``, forwarding events for those files only."""

    def __init__(self, paths: Sequence[Path], loop: asyncio.AbstractEventLoop, on_change: OnChange) -> None:
        self.paths = list(paths)
        self._matcher = PathMatcher(self.paths)
        self._loop = loop
        self._on_change = on_change
        self._observer: Any = None

    async def start(self) -> None:
        await asyncio.to_thread(self._start)

    def folders(self) -> list[Path]:
        """The existing folders holding the files (a missing user-config folder is not watched)."""
        return [folder for folder in dict.fromkeys(p.parent for p in self.paths) if folder.is_dir()]

    def _start(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if event.is_directory or event.event_type not in RELEVANT:
                    return
                for raw in (event.src_path, getattr(event, "dest_path", "")):
                    if raw:
                        watcher._forward(os.fsdecode(raw), event.event_type)

        observer = Observer()
        handler = Handler()
        for folder in self.folders():
            observer.schedule(handler, str(folder), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def watches(self) -> list[tuple[str, bool]]:
        """(folder, recursive) of every watch the observer holds."""
        observer = self._observer
        if observer is None:
            return []
        return sorted((emitter.watch.path, emitter.watch.is_recursive) for emitter in list(observer.emitters))

    def _forward(self, raw: str, kind: str) -> None:
        match = self._matcher.match(raw)
        if match is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server is exiting
            self._loop.call_soon_threadsafe(self._on_change, match, kind)

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=2)


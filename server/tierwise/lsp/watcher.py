"""A watchdog observer on the workspace, for changes made outside the editor.

watchdog is imported in a worker thread when the watcher starts (after ``initialized``), never at import.
Its callbacks run on the observer's thread; each relevant event hops to the event loop with
``loop.call_soon_threadsafe``. VCS, tierwise state, dependency folders and virtual environments are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from tierwise.atomic import TEMP_SUFFIX
from tierwise.workspace_files import is_ignored_dir

log = logging.getLogger(__name__)

OnChange = Callable[[str, str], None]  # (workspace-relative path, event kind)
RELEVANT = frozenset({"created", "deleted", "modified", "moved"})
TEMP_SUFFIXES = (TEMP_SUFFIX, "~", ".swp", ".swx")


class WorkspaceWatcher:
    def __init__(self, root: Path, loop: asyncio.AbstractEventLoop, on_change: OnChange) -> None:
        self.root = root
        self._real_root = Path(os.path.realpath(root))
        self._loop = loop
        self._on_change = on_change
        self._observer: Any = None

    async def start(self) -> None:
        await asyncio.to_thread(self._start)

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
        observer.schedule(Handler(), str(self.root), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def _forward(self, raw: str, kind: str) -> None:
        rel = self._relative(raw)
        if rel is None or rel.endswith(TEMP_SUFFIXES) or _ignored(self._real_root, rel):
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server is exiting
            self._loop.call_soon_threadsafe(self._on_change, rel, kind)

    def _relative(self, raw: str) -> str | None:
        path = Path(os.path.normpath(raw))
        for base in (self.root, self._real_root):
            if path.is_relative_to(base) and path != base:
                return path.relative_to(base).as_posix()
        return None

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=2)


def _ignored(root: Path, rel: str) -> bool:
    parts = rel.split("/")[:-1]
    return any(_ignored_dir(root, "/".join(parts[: i + 1])) for i in range(len(parts)))


@lru_cache(maxsize=4096)
def _ignored_dir(root: Path, rel_dir: str) -> bool:
    return is_ignored_dir(root / rel_dir)

"""The workspace's symbol index, kept up to date from file sizes and times (or an editor's text).

``refresh`` lists the workspace (git's view, so ``.gitignore`` holds), re-reads only files whose size or
modification time changed, re-parses only contents whose hash is new, and saves the changed shards.
``update_text`` takes an editor buffer's text for one file. Every failure on one file (vanished, unreadable,
a symlink loop) skips that file with a reason; nothing here raises for bad input.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tierwise.context import store
from tierwise.context.filters import skip_by_content, skip_by_name
from tierwise.context.languages import language_for
from tierwise.context.model import FileEntry, RefreshStats, Stamp
from tierwise.context.symbols import parse_file
from tierwise.workspace_files import list_workspace_files

DEFAULT_MAX_FILES = 20_000
DEFAULT_MAX_FILE_BYTES = 1_000_000
Lister = Callable[[Path, int], list[str]]


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Index:
    """Thread-safe: the language server refreshes it in a worker thread while requests read it."""

    def __init__(
        self,
        root: Path,
        *,
        max_files: int = DEFAULT_MAX_FILES,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        lister: Lister = list_workspace_files,
        persist: bool = True,
    ) -> None:
        self.root = Path(root).resolve()
        self._root_str = str(self.root)
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self._lister = lister
        self._persist = persist
        self._lock = threading.RLock()
        self.stamps: dict[str, Stamp] = {}
        self.entries: dict[str, FileEntry] = {}
        self.skipped: dict[str, str] = {}
        self.generation = 0
        self.capped = False
        self._loaded = False
        self.load_note: str | None = None
        self.overlays: set[str] = set()  # paths whose entry comes from an editor buffer, not the disk
        self._encoded: dict[str, str] = {}  # digest → its entry's JSON, kept between saves

    # -- reading --------------------------------------------------------------------------------------
    def files(self) -> dict[str, FileEntry]:
        """path → entry for every indexed file (a snapshot)."""
        with self._lock:
            self._load()
            return {p: self.entries[s.digest] for p, s in self.stamps.items() if s.digest in self.entries}

    def snapshot(self) -> tuple[int, dict[str, FileEntry], dict[str, str]]:
        """(generation, path → entry, path → content hash), taken together."""
        with self._lock:
            files = self.files()
            return self.generation, files, {p: self.stamps[p].digest for p in files}

    def entry(self, path: str) -> FileEntry | None:
        with self._lock:
            self._load()
            stamp = self.stamps.get(path)
            return self.entries.get(stamp.digest) if stamp else None

    # -- building -------------------------------------------------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if not self._persist:
            return
        try:
            self.stamps, self.entries, self.skipped = store.load(self.root)
        except store.StoreError as err:
            self.stamps, self.entries, self.skipped = {}, {}, {}
            self.load_note = str(err)

    def _inside(self, path: str) -> bool:
        try:
            resolved = (self.root / path).resolve(strict=True)
        except (OSError, RuntimeError):  # vanished, or a symlink loop
            return False
        return resolved == self.root or self.root in resolved.parents

    def _read(self, path: str) -> tuple[Stamp | None, FileEntry | None, str | None, bool]:
        """(stamp, entry, skip reason, parsed) for one file on disk."""
        reason = skip_by_name(path)
        if reason:
            return None, None, reason, False
        full = os.path.join(self._root_str, path)
        try:
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                if not self._inside(path):
                    return None, None, "symbolic link that leaves the workspace or loops", False
                info = os.stat(full)
        except (OSError, RuntimeError) as err:
            return None, None, f"unreadable ({type(err).__name__})", False
        if not stat.S_ISREG(info.st_mode):
            return None, None, "not a regular file", False
        old = self.stamps.get(path)
        if (
            old
            and old.size == info.st_size
            and old.mtime_ns == info.st_mtime_ns
            and old.digest in self.entries
        ):
            return old, self.entries[old.digest], None, False
        if info.st_size > self.max_file_bytes:
            return (
                None,
                None,
                f"larger than the size limit ({info.st_size:,} > {self.max_file_bytes:,} bytes)",
                False,
            )
        try:
            with open(full, "rb") as handle:
                data = handle.read()
        except (OSError, RuntimeError) as err:  # vanished during indexing, permissions, a directory
            return None, None, f"unreadable ({type(err).__name__})", False
        reason = skip_by_content(data, max_bytes=self.max_file_bytes)
        if reason:
            return None, None, reason, False
        digest = digest_of(data)
        stamp = Stamp(len(data), info.st_mtime_ns, digest)
        if digest in self.entries:
            return stamp, self.entries[digest], None, False
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None, None, "not UTF-8 text", False
        return stamp, parse_file(text, language_for(path)), None, True

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> RefreshStats:
        """Bring the index up to date with the disk; returns what it did."""
        started = time.perf_counter()
        stats = RefreshStats()
        with self._lock:
            self._load()
            if self.load_note and not self.stamps:
                stats.rebuilt = self.load_note
            listed = self._lister(self.root, self.max_files + 1)
            if len(listed) > self.max_files:
                listed = listed[: self.max_files]
                stats.capped = True
                stats.notes.append(f"the workspace has more than {self.max_files:,} files; indexed the first "
                                   f"{self.max_files:,} (raise context.max_files to index more)")  # fmt: skip
            self.capped = stats.capped
            stamps: dict[str, Stamp] = {}
            skipped: dict[str, str] = {}
            dirty: set[str] = set()
            for number, path in enumerate(listed):
                if progress and number % 200 == 0:
                    progress(number, len(listed))
                if path in self.overlays and path in self.stamps:
                    stamps[path] = self.stamps[path]
                    stats.reused += 1
                    continue
                stamp, entry, reason, parsed = self._read(path)
                if stamp is None or entry is None:
                    skipped[path] = reason or "unreadable"
                    continue
                stamps[path] = stamp
                if stamp.digest not in self.entries:
                    self.entries[stamp.digest] = entry
                    dirty.add(store.shard_of(stamp.digest))
                stats.parsed += parsed
                stats.reused += not parsed
            removed = set(self.stamps) - set(stamps)
            stats.removed = len(removed)
            changed = bool(dirty or removed or stamps != self.stamps or skipped != self.skipped)
            self.stamps, self.skipped = stamps, skipped
            stats.files, stats.skipped = len(stamps), len(skipped)
            if changed:
                self.generation += 1
                self._save(dirty if not stats.rebuilt else None)
            self.load_note = None
        stats.seconds = time.perf_counter() - started
        return stats

    def update_text(self, path: str, text: str) -> bool:
        """Index an editor buffer's text for ``path``; True when the index changed."""
        if skip_by_name(path):
            return False
        data = text.encode("utf-8", "surrogatepass")
        if skip_by_content(data, max_bytes=self.max_file_bytes):
            return False
        digest = digest_of(data)
        with self._lock:
            self._load()
            old = self.stamps.get(path)
            if old is not None and old.digest == digest:
                return False
            if digest not in self.entries:
                self.entries[digest] = parse_file(text, language_for(path))
            self.stamps[path] = Stamp(
                len(data), -1, digest
            )  # -1: once the buffer closes, the disk is read again
            self.overlays.add(path)
            self.skipped.pop(path, None)
            self.generation += 1
            self._save({store.shard_of(digest)})
            return True

    def clear_overlay(self, path: str) -> None:
        """The editor closed ``path``: the next refresh reads it from the disk again."""
        with self._lock:
            self.overlays.discard(path)

    def forget(self, path: str) -> bool:
        with self._lock:
            if self.stamps.pop(path, None) is None:
                return False
            self.generation += 1
            self._save(set())
            return True

    def _save(self, dirty: set[str] | None) -> None:
        if not self._persist:
            return
        try:
            store.save(self.root, self.stamps, self.entries, self.skipped, dirty, self._encoded)
        except OSError as err:  # a read-only workspace: the index lives in memory only
            self.load_note = f"index not saved ({err})"

"""The index on disk: ``.tierwise/context/``: a manifest (path → size, mtime, content hash; skipped files)
and 256 shard files of entries keyed by content hash (its first two hex digits). Only changed shards are rewritten; every write is
atomic. A missing, corrupt or older-version index is rebuilt, never trusted and never fatal.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from tierwise.atomic import write_bytes_atomic
from tierwise.context.model import FileEntry, Stamp
from tierwise.statedir import ensure_state_dir

INDEX_VERSION = 4
SHARDS = tuple(f"{i:02x}" for i in range(256))  # a save after one edit rewrites 1/256 of the entries
_SHARD_SET = frozenset(SHARDS)
log = logging.getLogger(__name__)


class StoreError(ValueError):
    """The stored index cannot be used (the message says why; the index is rebuilt)."""


def index_dir(root: Path) -> Path:
    return root / ".tierwise" / "context"


def shard_of(digest: str) -> str:
    return digest[:2] if digest[:2] in _SHARD_SET else "00"


def load(root: Path) -> tuple[dict[str, Stamp], dict[str, FileEntry], dict[str, str]]:
    """(stamps, entries, skipped) from disk; raises ``StoreError`` when absent, corrupt or old."""
    folder = index_dir(root)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise StoreError("no index yet")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("version") != INDEX_VERSION:
            raise StoreError(f"index version {manifest.get('version') if isinstance(manifest, dict) else '?'} "
                             f"is not {INDEX_VERSION}")  # fmt: skip
        stamps = {str(p): Stamp(int(s), int(m), str(d)) for p, (s, m, d) in manifest["files"].items()}
        skipped = {str(p): str(r) for p, r in manifest.get("skipped", {}).items()}
        entries: dict[str, FileEntry] = {}
        for shard in SHARDS:
            try:
                text = (folder / f"entries-{shard}.json").read_text(encoding="utf-8")
            except FileNotFoundError:
                continue
            rows: dict[str, Any] = json.loads(text)
            for digest, row in rows.items():
                entries[str(digest)] = FileEntry.from_row(row)
    except StoreError:
        raise
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        raise StoreError(f"index unreadable ({type(err).__name__}: {err})") from None
    missing = {s.digest for s in stamps.values()} - set(entries)
    if missing:
        raise StoreError(f"index incomplete ({len(missing)} entries missing)")
    return stamps, entries, skipped


def save(
    root: Path,
    stamps: dict[str, Stamp],
    entries: dict[str, FileEntry],
    skipped: dict[str, str],
    dirty_shards: set[str] | None = None,
    encoded: dict[str, str] | None = None,
) -> None:
    """Write the manifest and the shards in ``dirty_shards`` (all when None), dropping unused entries.
    ``encoded`` (digest → the entry's JSON) keeps the entries' text between saves, so a save after one
    changed file encodes that file only."""
    ensure_state_dir(root)
    folder = index_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    used = {s.digest for s in stamps.values()}
    cache = {} if encoded is None else encoded
    for digest in [d for d in cache if d not in used]:
        del cache[digest]
    by_shard: dict[str, list[str]] = {}
    for digest in sorted(used):
        by_shard.setdefault(shard_of(digest), []).append(digest)
    for shard in SHARDS if dirty_shards is None else sorted(dirty_shards):
        rows = []
        for digest in by_shard.get(shard, ()):
            if digest in entries:
                text = cache.get(digest)
                if text is None:
                    text = cache[digest] = json.dumps(entries[digest].to_row(), separators=(",", ":"))
                rows.append(f"{json.dumps(digest)}:{text}")
        write_bytes_atomic(folder / f"entries-{shard}.json", ("{" + ",".join(rows) + "}").encode())
    if dirty_shards is None:  # a full save: shards of an older layout go
        for old in folder.glob("entries-*.json"):
            if old.name[len("entries-") : -len(".json")] not in _SHARD_SET:
                old.unlink(missing_ok=True)
    manifest = {
        "version": INDEX_VERSION,
        "files": {p: [s.size, s.mtime_ns, s.digest] for p, s in sorted(stamps.items())},
        "skipped": dict(sorted(skipped.items())),
    }
    write_bytes_atomic(folder / "manifest.json", json.dumps(manifest, separators=(",", ":")).encode())

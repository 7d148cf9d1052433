"""The index on disk: ``.tierwise/context/``: a manifest (path → size, mtime, content hash; skipped files)
and 16 shard files of entries keyed by content hash. Only changed shards are rewritten; every write is
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

INDEX_VERSION = 3
SHARDS = "0123456789abcdef"
log = logging.getLogger(__name__)


class StoreError(ValueError):
    """The stored index cannot be used (the message says why; the index is rebuilt)."""


def index_dir(root: Path) -> Path:
    return root / ".tierwise" / "context"


def shard_of(digest: str) -> str:
    return digest[:1] if digest[:1] in SHARDS else "0"


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
            path = folder / f"entries-{shard}.json"
            if not path.is_file():
                continue
            rows: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
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
) -> None:
    """Write the manifest and the shards in ``dirty_shards`` (all when None), dropping unused entries."""
    ensure_state_dir(root)
    folder = index_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    used = {s.digest for s in stamps.values()}
    for shard in SHARDS if dirty_shards is None else sorted(dirty_shards):
        rows = {d: entries[d].to_row() for d in sorted(used) if shard_of(d) == shard and d in entries}
        write_bytes_atomic(folder / f"entries-{shard}.json", json.dumps(rows, separators=(",", ":")).encode())
    manifest = {
        "version": INDEX_VERSION,
        "files": {p: [s.size, s.mtime_ns, s.digest] for p, s in sorted(stamps.items())},
        "skipped": dict(sorted(skipped.items())),
    }
    write_bytes_atomic(folder / "manifest.json", json.dumps(manifest, separators=(",", ":")).encode())

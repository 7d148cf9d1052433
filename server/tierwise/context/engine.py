"""``ContextEngine``: the public face of the context package (index + retrieval + packs) for one workspace.

    engine = ContextEngine(root)
    engine.refresh()                                   # build or update the index
    pack = engine.plan_pack(task, budget_tokens=8000)  # what the planner sees (no model call)
    view = engine.file_view(path, focus_symbols=[...], budget_tokens=12000)

Thread-safe for one writer (``refresh``/``update_text``) and many readers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tierwise.context import search_store
from tierwise.context.index import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES, Index, Lister
from tierwise.context.model import RefreshStats, Symbol
from tierwise.context.rank import Ranking, Retriever, file_documents
from tierwise.context.render import assemble, file_view, map_line
from tierwise.context.search_cache import SearchCache
from tierwise.context.store import index_dir
from tierwise.context.types import Candidate, ContextItem, ContextPack, Pin, Query
from tierwise.gc_pause import paused_gc
from tierwise.workspace_files import list_workspace_files

BODY_CANDIDATES = 40
RANK_LIMIT = 200  # hits a pack, a candidate list or a map can use (the first of them equal a full ranking's)
log = logging.getLogger(__name__)
SAVE_EVERY = 30.0  # seconds between two saves of the search structures' parts
OUTLINE_FILES = 12


def default_counter() -> Callable[[str], int]:
    """The gateway's token counter (tiktoken cl100k from litellm's bundled file, else characters / 4)."""
    try:
        from tierwise.gateway.tokens import count_tokens
    except ImportError:  # pragma: no cover - the gateway is part of tierwise
        return lambda text: (len(text) + 3) // 4
    return count_tokens


class ContextEngine:
    def __init__(
        self,
        root: Path,
        *,
        count_tokens: Callable[[str], int] | None = None,
        max_files: int = DEFAULT_MAX_FILES,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        lister: Lister = list_workspace_files,
        persist: bool = True,
        read_text: Callable[[str], str | None] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.index = Index(self.root, max_files=max_files, max_file_bytes=max_file_bytes, lister=lister,
                           persist=persist)  # fmt: skip
        self.count = count_tokens or default_counter()
        self._read_override = read_text
        self._retriever: Retriever | None = None
        self._retriever_gen = -1
        self._search_cache = SearchCache()  # per-file parts of the search structures, across generations
        self._persist = persist
        self._restore_search = persist
        self._saved_at = -SAVE_EVERY
        self._saving: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- index ----------------------------------------------------------------------------------------
    def refresh(self, progress: Callable[[int, int], None] | None = None) -> RefreshStats:
        """Build or update the index from the disk (only changed files are read again)."""
        with paused_gc():  # the entries are long-lived: no collection walks them while they pile up
            return self.index.refresh(progress)

    def update_text(self, path: str, text: str) -> bool:
        """Index an editor buffer's current text for ``path``."""
        return self.index.update_text(path, text)

    def clear_text(self, path: str) -> None:
        """The editor closed ``path``: the next ``refresh`` reads it from the disk again."""
        self.index.clear_overlay(path)

    def skipped(self) -> dict[str, str]:
        """path → why it is not indexed (secrets, binary, generated, too large, unreadable)."""
        return dict(self.index.skipped)

    def read(self, path: str) -> str | None:
        if self._read_override is not None:
            text = self._read_override(path)
            if text is not None:
                return text
        try:
            return (self.root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            return None

    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None or self._retriever_gen != self.index.generation:
                if not self.index.stamps and self.index.generation == 0:
                    self.index.refresh()
                generation, files, digests = self.index.snapshot()
                with paused_gc():
                    if self._restore_search:  # once per engine: the parts a previous process saved
                        self._restore_search = False
                        search_store.load(
                            index_dir(self.root), self._search_cache, files, digests, file_documents
                        )
                    self._retriever = Retriever(files, self._search_cache)
                self._save_search(digests)
                self._retriever_gen = generation
            return self._retriever

    def _save_search(self, digests: dict[str, str]) -> None:
        """Keep the search structures' parts on disk for the next process (at most every 30 s, after changes),
        in a thread of its own: the pack does not wait for the write (a CLI process does, before it exits)."""
        now = time.monotonic()
        if not self._persist or not self._search_cache.dirty or now - self._saved_at < SAVE_EVERY:
            return
        self._saved_at = now
        self._search_cache.dirty = False
        state = search_store.capture(self._search_cache)  # the generation just built from ``digests``

        def save() -> None:
            try:
                search_store.save(index_dir(self.root), state, digests)
            except OSError:  # a read-only workspace: the structures live in memory only
                self._persist = False
            except Exception:  # noqa: BLE001 - a snapshot is an optimisation: never fatal, the next one rebuilds
                log.debug("search snapshot not saved", exc_info=True)

        self._saving = threading.Thread(target=save, name="tierwise-search-save", daemon=False)
        self._saving.start()

    def flush(self) -> None:
        """Wait for the search structures' save, if one is under way."""
        if self._saving is not None:
            self._saving.join()

    # -- retrieval ------------------------------------------------------------------------------------
    def rank(self, query: Query, limit: int | None = None) -> Ranking:
        """The ranking for ``query`` (every positive hit, or those that can sort among the first ``limit``)."""
        return self.retriever().ranked(query, limit)

    def symbol_exists(self, path: str, name: str | None) -> bool:
        entry = self.index.entry(path)
        if entry is None:
            return False
        return name is None or any(s.name == name or s.qualname == name for s in entry.symbols)

    def candidates(self, query: Query, limit: int = 30) -> list[Candidate]:
        """The top symbols and files, for the explore step to choose from."""
        ranking = self.rank(query, RANK_LIMIT)
        found = [Candidate(h.path, h.symbol.qualname, h.symbol.kind, h.symbol.start, h.symbol.sig.splitlines()[0][:160],
                           h.why) for h in ranking.symbols[:limit] if h.symbol]  # fmt: skip
        found += [Candidate(h.path, None, "file", 1, "", h.why) for h in ranking.files[: max(5, limit // 4)]]
        return found

    def repo_map(self, query: Query, budget_tokens: int) -> str:
        """Ranked ``path: definitions`` lines within the budget."""
        retriever = self.retriever()
        rows, used = [], 0
        for hit in retriever.ranked(query, RANK_LIMIT).files:
            row = map_line(hit.path, retriever.files[hit.path])
            used += self.count(row + "\n")
            if used > budget_tokens:
                break
            rows.append(row)
        return "\n".join(rows)

    # -- packs ----------------------------------------------------------------------------------------
    def pack(self, query: Query, *, budget_tokens: int, pins: Sequence[Pin] = ()) -> ContextPack:
        """Bodies of the top symbols (pinned ones first), outlines of their files, a repo map of the rest."""
        retriever = self.retriever()
        ranking = retriever.ranked(query, RANK_LIMIT)
        bodies: list[tuple[str, Symbol, str]] = []
        for pin in pins:
            entry = retriever.files.get(pin.path)
            if entry is None or pin.symbol is None:
                continue
            bodies += [(pin.path, s, pin.why or "chosen by explore") for s in entry.symbols
                       if pin.symbol in (s.qualname, s.name)][:1]  # fmt: skip
        bodies += [(h.path, h.symbol, h.why) for h in ranking.symbols[:BODY_CANDIDATES] if h.symbol]
        outline_paths: list[tuple[str, str]] = []
        for path, why in [*((p.path, p.why or "chosen by explore") for p in pins),
                          *((p, "named, open or changed") for p in (*query.named_files, *query.open_files,
                                                                     *query.diff_files, *query.traceback_files)),
                          *((b[0], "holds a top definition") for b in bodies),
                          *((h.path, h.why) for h in ranking.files[:OUTLINE_FILES])]:  # fmt: skip
            if path in retriever.files and path not in dict(outline_paths):
                outline_paths.append((path, why))
        map_paths = [(h.path, h.why) for h in ranking.files]
        text, items = assemble(bodies, retriever.files, self.read, outline_paths, map_paths,
                               budget_tokens=budget_tokens, count=self.count)  # fmt: skip
        notes = []
        if self.index.capped:
            notes.append(
                f"the index is capped at {self.index.max_files:,} files; some files are not searched"
            )
        return ContextPack(
            text=text, tokens=self.count(text), items=items, budget_tokens=budget_tokens, notes=notes
        )

    def plan_pack(self, task: str, *, budget_tokens: int, named_files: Sequence[str] = ()) -> ContextPack:
        """Exactly the context text the planner gets for ``task`` (retrieval alone, explore off)."""
        return self.pack(Query(task=task, named_files=tuple(named_files)), budget_tokens=budget_tokens)

    def file_view(
        self,
        path: str,
        *,
        focus_symbols: Sequence[str],
        budget_tokens: int,
        text: str | None = None,
        numbers: bool = False,
    ) -> str:
        """``path`` whole when it fits the budget, else its outline plus the complete regions of the focus
        symbols, with real line numbers (never a head/tail cut)."""
        return self.file_view_items(path, focus_symbols=focus_symbols, budget_tokens=budget_tokens, text=text,
                                    numbers=numbers)[0]  # fmt: skip

    def file_view_items(
        self,
        path: str,
        *,
        focus_symbols: Sequence[str],
        budget_tokens: int,
        text: str | None = None,
        numbers: bool = False,
    ) -> tuple[str, list[ContextItem]]:
        if text is None:
            text = self.read(path)
        if text is None:
            return f"### {path}\n(the file does not exist yet)", []
        entry = self.index.entry(path)
        if entry is None or entry.lines != len(text.splitlines()):
            from tierwise.context.languages import language_for
            from tierwise.context.symbols import parse_file

            entry = parse_file(text, language_for(path))
        return file_view(path, text, entry, focus=focus_symbols, budget_tokens=budget_tokens, count=self.count,
                         numbers=numbers)  # fmt: skip

"""Context text from ranked hits: full bodies, file outlines (skeletons), a repo map; and one file's view.

Everything is measured with the given token counter and stops at the budget. Outlines and regions carry
the file's real line numbers (as ``  42 | text`` prefixes that are not part of the file), so a model can
copy SEARCH text verbatim from them; a large file is never cut blindly at its head or tail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from tierwise.context.model import FileEntry, Symbol
from tierwise.context.types import ContextItem

Counter = Callable[[str], int]
CONTAINERS = frozenset({"class", "interface", "trait", "impl", "struct", "enum", "module", "record", "type"})
MAX_BODY_SHARE = 0.35  # one body may take at most this share of a pack; a bigger one is shown as its outline
TOP_BODIES, TOP_BODY_SHARE = 5, 0.5  # ... except the best-ranked five, whose complete body may take more
LOW_RANK, LOW_BODY_SHARE = 10, 0.12  # ... and below the tenth, less: many small bodies beat one big one there


def body_cap(rank: int) -> float:
    """The share of the budget one body may take at ``rank`` (0-based) in the ranked body list."""
    if rank < TOP_BODIES:
        return TOP_BODY_SHARE
    return MAX_BODY_SHARE if rank < LOW_RANK else LOW_BODY_SHARE


REGION_CONTEXT = 2
HEADINGS_TOKENS = 48  # the three section headings and the blank lines between blocks

_FENCE_LANG = {"python": "python", "javascript": "javascript", "typescript": "typescript", "tsx": "tsx",
               "go": "go", "rust": "rust", "java": "java"}  # fmt: skip


def fence(lang: str, body: str) -> str:
    mark = "````" if "```" in body else "```"
    return f"{mark}{_FENCE_LANG.get(lang, '')}\n{body}\n{mark}"


def numbered(lines: Sequence[str], start: int, end: int, width: int) -> str:
    """Lines ``start``..``end`` (1-based, inclusive) with their real numbers."""
    return "\n".join(f"{n:>{width}} | {lines[n - 1]}" for n in range(max(1, start), min(end, len(lines)) + 1))


def _outline_symbols(entry: FileEntry) -> list[Symbol]:
    """Symbols worth an outline line: top level, and members of classes (not functions inside functions)."""
    kinds = {s.qualname: s.kind for s in entry.symbols}
    kept = []
    for symbol in entry.symbols:
        parent = symbol.qualname.rsplit(".", 1)[0] if "." in symbol.qualname else None
        if parent is None or kinds.get(parent) in CONTAINERS:
            kept.append(symbol)
    return kept


def outline(entry: FileEntry, width: int, skip: Callable[[Symbol], bool] = lambda s: False) -> str:
    """Signature lines with real line numbers, plus each docstring's first line."""
    rows: list[str] = []
    for symbol in _outline_symbols(entry):
        if skip(symbol):
            continue
        for offset, line in enumerate(symbol.sig.splitlines()):
            rows.append(f"{_sig_line(symbol) + offset:>{width}} | {line}")
        if symbol.doc:
            indent = len(symbol.sig) - len(symbol.sig.lstrip())
            rows.append(f"{'':>{width}} | {' ' * (indent + 4)}# {symbol.doc[:120]}")
    if not rows and entry.chunks:
        rows = [f"{c.start:>{width}} | {c.title}" for c in entry.chunks[:40]]
    return "\n".join(rows)


def _sig_line(symbol: Symbol) -> int:
    """The line of the signature itself (decorators come before it)."""
    return symbol.header_end - (len(symbol.sig.splitlines()) - 1)


def map_line(path: str, entry: FileEntry) -> str:
    names = [s.name for s in _outline_symbols(entry) if "." not in s.qualname][:12]
    more = len([s for s in entry.symbols if "." not in s.qualname]) - len(names)
    tail = f" (+{more})" if more > 0 else ""
    return f"{path}: {', '.join(names)}{tail}" if names else path


def file_view(
    path: str,
    text: str,
    entry: FileEntry | None,
    *,
    focus: Sequence[str],
    budget_tokens: int,
    count: Counter,
    numbers: bool = False,
) -> tuple[str, list[ContextItem]]:
    """The file whole when it fits the budget (with line numbers when ``numbers``); else its outline plus the
    complete regions of the focus symbols and the module header, with real line numbers."""
    lines = text.splitlines()
    shown = numbered(lines, 1, len(lines), len(str(len(lines)))) if numbers else text.rstrip("\n")
    whole = f"### {path}\n{fence(entry.lang if entry else '', shown)}"
    whole_tokens = count(whole)
    if whole_tokens <= budget_tokens or entry is None:
        why = "fits the budget" if whole_tokens <= budget_tokens else "no outline available: shown whole"
        return whole, [ContextItem(path, None, "file", whole_tokens, why, (1, len(lines)))]
    width = len(str(len(lines)))
    if entry.symbols:
        wanted = [s for s in entry.symbols if s.name in focus or s.qualname in focus]
    else:  # text, or code without definitions: its blocks stand in for definitions
        entry, wanted = _blocks_as_symbols(entry, text, focus)
    wanted.sort(key=focus_order(focus, entry.symbols))
    head = (
        f"### {path} ({len(lines)} lines: too large to show whole; its outline and the regions that matter. "
        "Line numbers are not part of the file.)"
    )
    outline_text = outline(entry, width)
    if not entry.refs and count(outline_text) > budget_tokens // 2:  # block titles of a long text file
        outline_text = _headings_only(outline_text, budget_tokens // 2, count)
    used = count(head) + count(outline_text) + 20
    items = [
        ContextItem(path, None, "skeleton", count(outline_text), "outline of a file too large to show whole")
    ]
    regions: list[tuple[int, int, str]] = []
    for symbol in wanted:
        start, end = max(1, symbol.start - REGION_CONTEXT), min(len(lines), symbol.end + REGION_CONTEXT)
        if any(s <= start and end <= e for s, e, _ in regions):
            continue
        body = numbered(lines, start, end, width)
        cost = count(body) + 12
        if regions and used + cost > budget_tokens:
            items.append(
                ContextItem(path, symbol.qualname, "region", 0, "named but over the budget: outline only")
            )
            continue
        regions.append((start, end, symbol.qualname))
        used += cost
        items.append(
            ContextItem(path, symbol.qualname, "region", cost, "named by the plan or ranked", (start, end))
        )
    prelude_end = min((s.start for s in entry.symbols), default=1) - 1
    if prelude_end > 0 and not any(s <= 1 for s, _, _ in regions):
        body = numbered(lines, 1, min(prelude_end, 60), width)
        if used + count(body) <= budget_tokens:
            regions.append((1, min(prelude_end, 60), "imports and module header"))
            used += count(body)
            items.append(
                ContextItem(
                    path, None, "region", count(body), "module header (imports)", (1, min(prelude_end, 60))
                )
            )
    parts = [head, "Outline:", fence("", outline_text)]
    for start, end, label in sorted(regions):
        parts.append(f"Lines {start}-{end} ({label}):")
        parts.append(fence(entry.lang, numbered(lines, start, end, width)))
    return "\n".join(parts), items


AMBIGUOUS = 3  # a bare focus name matching more definitions than this in one file is shown last


def focus_order(focus: Sequence[str], symbols: Sequence[Symbol]) -> Callable[[Symbol], tuple[int, int, int, int]]:
    """Sort key for the definitions a file view shows: those the focus names by qualified name first
    (``Field.default``), then bare names that pick out a few definitions, then bare names matching many
    (``__init__``, ``default``) — among those, the members of the class that holds the most focus names
    first (a plan naming ``__init__``, ``_serialize`` and ``_deserialize`` is about the class with all
    three) — each in focus order, then by line."""
    order = {name: i for i, name in enumerate(focus)}
    qualified = {name for name in focus if any(s.qualname == name for s in symbols) and "." in name}
    spread: dict[str, int] = {}
    held: dict[str, set[str]] = {}  # class → the focus names among its members
    for symbol in symbols:
        spread[symbol.name] = spread.get(symbol.name, 0) + 1
        if symbol.name in order and "." in symbol.qualname:
            held.setdefault(symbol.qualname.rsplit(".", 1)[0], set()).add(symbol.name)

    def key(symbol: Symbol) -> tuple[int, int, int, int]:
        if symbol.qualname in order and (symbol.qualname in qualified or symbol.qualname == symbol.name):
            tier = 0 if symbol.qualname in qualified or spread.get(symbol.name, 0) <= AMBIGUOUS else 2
            return (tier, 0, order[symbol.qualname], symbol.start)
        tier = 1 if spread.get(symbol.name, 0) <= AMBIGUOUS else 2
        parent = symbol.qualname.rsplit(".", 1)[0] if "." in symbol.qualname else ""
        return (tier, -len(held.get(parent, ())), order.get(symbol.name, 10**6), symbol.start)

    return key


def _headings_only(outline_text: str, budget: int, count: Counter) -> str:
    """Markdown/reST headings first, then as many other block titles as fit; says how many are left out."""
    rows = outline_text.splitlines()
    headings = [r for r in rows if r.split("| ", 1)[-1].lstrip().startswith(("#", "=", "-"))]
    kept, used = [], 0
    for row in headings or rows:
        used += count(row + "\n")
        if used > budget:
            break
        kept.append(row)
    left = len(rows) - len(kept)
    return "\n".join(kept) + (f"\n... ({left} more blocks not listed)" if left else "")


def _blocks_as_symbols(entry: FileEntry, text: str, focus: Sequence[str]) -> tuple[FileEntry, list[Symbol]]:
    """An entry whose blank-line-separated blocks are outline entries; the blocks that mention a focus word."""
    from tierwise.context.symbols import chunk_text
    from tierwise.context.terms import many

    chunks = chunk_text(text, max_chunks=None).chunks
    wanted_terms = {t for t in many(focus) if len(t) > 2}
    blocks = [Symbol(c.title[:80], c.title[:80], "block", c.start, c.end, c.start, c.title) for c in chunks]
    wanted = [b for b, c in zip(blocks, chunks, strict=True) if wanted_terms & set(c.terms)]
    return FileEntry(entry.lang, entry.lines, tuple(blocks), (), chunks, entry.partial), wanted


def body_block(path: str, symbol: Symbol, lines: Sequence[str], lang: str) -> str:
    body = "\n".join(lines[symbol.start - 1 : symbol.end])
    return f"### {path} lines {symbol.start}-{symbol.end} ({symbol.kind} `{symbol.qualname}`)\n{fence(lang, body)}"


def _body_piece(symbol: Symbol, lines: Sequence[str], lang: str) -> str:
    """One body under its file's heading (the heading is shared by the file's bodies)."""
    body = "\n".join(lines[symbol.start - 1 : symbol.end])
    return f"Lines {symbol.start}-{symbol.end}, {symbol.kind} `{symbol.qualname}`:\n{fence(lang, body)}"


def _grouped(chosen: Sequence[tuple[str, Symbol, str]]) -> str:
    """The chosen bodies, one heading per file (files in the order of their best body), bodies by line."""
    order: dict[str, list[tuple[Symbol, str]]] = {}
    for path, symbol, piece in chosen:
        order.setdefault(path, []).append((symbol, piece))
    return "\n\n".join(
        f"### {path}\n" + "\n\n".join(piece for _, piece in sorted(group, key=lambda g: g[0].start))
        for path, group in order.items()
    )


def assemble(
    bodies: Sequence[tuple[str, Symbol, str]],
    files: Mapping[str, FileEntry],
    read: Callable[[str], str | None],
    outline_paths: Sequence[tuple[str, str]],
    map_paths: Sequence[tuple[str, str]],
    *,
    budget_tokens: int,
    count: Counter,
    body_share: float = 0.75,
    outline_share: float = 0.9,
) -> tuple[str, list[ContextItem]]:
    """Bodies first (up to ``body_share`` of the budget), then outlines of their files and the other top
    files (up to ``outline_share``), then a repo map of the rest, until the budget is spent. A definition
    inside a body already shown is not shown again; a class shown after some of its methods replaces them."""
    sections: list[str] = []
    items: list[ContextItem] = []
    used = HEADINGS_TOKENS
    cache: dict[str, list[str] | None] = {}

    def lines_of(path: str) -> list[str] | None:
        if path not in cache:
            text = read(path)
            cache[path] = text.splitlines() if text is not None else None
        return cache[path]

    chosen: list[tuple[str, Symbol, str]] = []
    costs: list[int] = []
    chosen_items: list[ContextItem] = []
    headed: dict[str, int] = {}  # path → tokens of its heading, paid by its first body
    for rank, (path, symbol, why) in enumerate(bodies):
        cap = budget_tokens * body_cap(rank)
        lines = lines_of(path)
        if lines is None or symbol.end > len(lines):
            continue
        if any(p == path and s.start <= symbol.start and symbol.end <= s.end for p, s, _ in chosen):
            continue
        inner = [i for i, (p, s, _) in enumerate(chosen) if p == path and symbol.start <= s.start and s.end <= symbol.end]
        refund = sum(costs[i] for i in inner)
        piece = _body_piece(symbol, lines, files[path].lang)
        room = min(cap, budget_tokens * body_share - used + refund)
        if len(piece) / 6 > room:
            continue  # surely over: skip without counting (a token is rarely more than 6 characters)
        heading = 0 if path in headed else count(f"### {path}\n") + 2
        cost = count(piece) + 2
        if cost > cap or used - refund + cost + heading > budget_tokens * body_share:
            continue
        for i in reversed(inner):
            del chosen[i], costs[i], chosen_items[i]
        if heading:
            headed[path] = heading
        chosen.append((path, symbol, piece))
        costs.append(cost)
        used += cost + heading - refund
        chosen_items.append(ContextItem(path, symbol.qualname, "body", cost, why, (symbol.start, symbol.end)))
    items += chosen_items
    shown: dict[str, list[tuple[int, int]]] = {}
    for path, symbol, _ in chosen:
        shown.setdefault(path, []).append((symbol.start, symbol.end))
    if chosen:
        sections.append("## Code that matters for this task (full definitions)\n\n" + _grouped(chosen))
    outlines: list[str] = []
    for path, why in outline_paths:
        entry = files.get(path)
        if entry is None:
            continue
        width = len(str(max(entry.lines, 1)))
        spans = shown.get(path, [])
        text = outline(
            entry, width, skip=lambda s, spans=spans: any(a <= s.start and s.end <= b for a, b in spans)
        )
        if not text:
            continue
        block = f"### {path} ({entry.lines} lines)\n{fence('', text)}"
        cost = count(block) + 2
        if used + cost > budget_tokens * outline_share:
            continue
        outlines.append(block)
        used += cost
        items.append(ContextItem(path, None, "skeleton", cost, why))
    if outlines:
        sections.append(
            "## Outlines of related files (signatures with line numbers)\n\n" + "\n\n".join(outlines)
        )
    rows: list[str] = []
    outlined = {p for p, _ in outline_paths} | set(shown)
    for path, why in map_paths:
        if path in outlined or path not in files:
            continue
        row = map_line(path, files[path])
        cost = count(row + "\n")
        if used + cost > budget_tokens:
            break
        rows.append(row)
        used += cost
        items.append(ContextItem(path, None, "map", cost, why))
    if rows:
        sections.append("## Other files, most connected first (definitions they hold)\n\n" + "\n".join(rows))
    return "\n\n".join(sections), items

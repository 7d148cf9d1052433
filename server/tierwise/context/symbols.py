"""One file's text → its ``FileEntry``: definitions with spans and signatures, identifiers used, text chunks.

tree-sitter recovers from syntax errors; what it found is kept and the entry is marked ``partial``. Files
in a language without a grammar here are cut into blank-line-separated blocks.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any

from tierwise.context.languages import ARROW_VALUES, DEFINITIONS
from tierwise.context.model import Chunk, FileEntry, Symbol
from tierwise.context.terms import word_parts

MAX_SIG_LINES = 4
MAX_CHUNK_LINES = 60
MAX_CHUNK_TERMS = 120
_lock = threading.Lock()  # parsers are not thread-safe; one per thread would cost more than it saves


@cache
def _grammar(lang: str) -> tuple[Any, Any] | None:
    """(parser, definitions query) for ``lang``, or None when the grammar is missing."""
    try:
        from tree_sitter import Query
        from tree_sitter_language_pack import get_language, get_parser

        language = get_language(lang)  # type: ignore[arg-type]
        parser = get_parser(lang)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - no grammar: treat as text
        return None

    def compiles(node_type: str) -> bool:
        try:
            return bool(language.id_for_node_kind(node_type, True))
        except Exception:  # noqa: BLE001
            return False

    defs = [t for t in [*DEFINITIONS[lang], "variable_declarator"] if compiles(t)]
    def_query = Query(language, "[" + " ".join(f"({t})" for t in defs) + "] @def")
    return parser, def_query


_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]+")
KEYWORDS = frozenset(
    [
        "and",
        "as",
        "assert",
        "async",
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "def",
        "default",
        "defer",
        "del",
        "do",
        "elif",
        "else",
        "enum",
        "except",
        "export",
        "extends",
        "false",
        "final",
        "finally",
        "fn",
        "for",
        "from",
        "func",
        "function",
        "go",
        "if",
        "impl",
        "implements",
        "import",
        "in",
        "interface",
        "is",
        "let",
        "loop",
        "match",
        "mod",
        "mut",
        "new",
        "nil",
        "none",
        "not",
        "null",
        "or",
        "package",
        "pass",
        "private",
        "protected",
        "pub",
        "public",
        "raise",
        "return",
        "self",
        "static",
        "struct",
        "super",
        "switch",
        "this",
        "throw",
        "throws",
        "true",
        "try",
        "type",
        "typeof",
        "use",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "None",
        "True",
        "False",
        "int",
        "str",
        "bool",
        "float",
        "string",
    ]
)


def identifiers_in(source: bytes) -> set[str]:
    """Identifiers of at least two characters, keywords left out (a regex: much faster than the syntax
    tree's identifier nodes, at the cost of also counting words of comments and strings)."""
    return {m.decode("ascii") for m in set(_IDENT.findall(source))} - KEYWORDS


def _nested_refs(spans: list[tuple[int, int]], source: bytes) -> list[set[str]]:
    """The identifiers of each (sorted, properly nested) byte span; every byte is scanned once: a span's own
    text outside its children, then the children's sets joined in."""
    children: list[list[int]] = [[] for _ in spans]
    stack: list[int] = []
    for index, (start, _end) in enumerate(spans):
        while stack and spans[stack[-1]][1] <= start:
            stack.pop()
        if stack:
            children[stack[-1]].append(index)
        stack.append(index)
    found: list[set[str]] = [set() for _ in spans]
    for index in range(len(spans) - 1, -1, -1):
        start, end = spans[index]
        own: set[bytes] = set()
        cursor = start
        for child in children[index]:
            child_start, child_end = spans[child]
            own.update(_IDENT.findall(source, cursor, max(cursor, child_start)))
            cursor = max(cursor, child_end)
            found[index] |= found[child]
        own.update(_IDENT.findall(source, cursor, max(cursor, end)))
        found[index] |= {word.decode("ascii") for word in own} - KEYWORDS
    return found


def _captures(query: Any, node: Any) -> list[Any]:
    from tree_sitter import QueryCursor

    found = QueryCursor(query).captures(node)
    return [n for nodes in found.values() for n in nodes]


def _text(source: bytes, node: Any) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _name_node(node: Any, lang: str) -> Any | None:
    if node.type == "impl_item":
        return node.child_by_field_name("type")
    if node.type == "variable_declarator":
        value = node.child_by_field_name("value")
        return node.child_by_field_name("name") if value is not None and value.type in ARROW_VALUES else None
    return node.child_by_field_name("name")


def _docstring(node: Any, source: bytes, lang: str, lines: list[str]) -> str:
    """First line of a Python docstring, or of the comment just above the definition."""
    if lang == "python":
        body = node.child_by_field_name("body")
        if body is not None and body.named_child_count:
            first = body.named_children[0]
            if first.type == "expression_statement" and first.named_child_count:
                first = first.named_children[0]
            if first.type == "string":
                text = _text(source, first).strip("rRbBuUfF").strip("\"'").strip()
                return text.splitlines()[0].strip() if text else ""
        return ""
    row = node.start_point[0] - 1
    while row >= 0 and lines[row].strip().startswith(("@", "#[")):
        row -= 1
    if row >= 0 and lines[row].strip().startswith(("//", "/*", "*")):
        top = row
        while top > 0 and lines[top - 1].strip().startswith(("//", "/*", "*")):
            top -= 1
        for candidate in lines[top : row + 1]:
            cleaned = candidate.strip().lstrip("/*!").strip()
            if cleaned:
                return cleaned[:160]
    return ""


def _span_start(node: Any) -> int:
    """0-based first row, including decorators (Python) and the export keyword (JavaScript)."""
    parent = node.parent
    while parent is not None and parent.type in ("decorated_definition", "export_statement"):
        node, parent = parent, parent.parent
    if node.type == "variable_declarator" and parent is not None:
        node = parent
        if node.parent is not None and node.parent.type == "export_statement":
            node = node.parent
    return node.start_point[0]


def _header_end(node: Any, lang: str) -> int:
    """0-based last row of the signature."""
    body = node.child_by_field_name("body")
    if node.type == "variable_declarator":
        value = node.child_by_field_name("value")
        body = value.child_by_field_name("body") if value is not None else None
    if body is None:
        return (
            node.end_point[0]
            if node.end_point[0] - node.start_point[0] < MAX_SIG_LINES
            else node.start_point[0]
        )
    row = body.start_point[0]
    if lang == "python" and row > node.start_point[0]:
        row -= 1
    return max(node.start_point[0], min(row, node.start_point[0] + MAX_SIG_LINES - 1))


def parse_code(text: str, lang: str) -> FileEntry | None:
    """The entry of a source file, or None when ``lang`` has no usable grammar."""
    grammar = _grammar(lang)
    if grammar is None:
        return None
    parser, def_query = grammar
    source = text.encode("utf-8", "surrogatepass")
    lines = text.splitlines()
    with _lock:
        tree = parser.parse(source)
        def_nodes = _captures(def_query, tree.root_node)
    kinds = DEFINITIONS[lang]
    found: list[tuple[int, int, int, Any, str, str]] = []
    for node in def_nodes:
        name_node = _name_node(node, lang)
        if name_node is None:
            continue
        kind = kinds.get(node.type, "function")
        name = _text(source, name_node).strip()
        if not name or len(name) > 200:
            continue
        found.append((node.start_byte, -node.end_byte, _span_start(node), node, kind, name))
    found.sort(key=lambda f: (f[0], f[1]))
    refs = _nested_refs([(f[0], -f[1]) for f in found], source)
    symbols: list[Symbol] = []
    stack: list[tuple[int, str, str]] = []  # (end_byte, qualname, kind)
    for index, (start_byte, neg_end, first_row, node, kind, name) in enumerate(found):
        while stack and stack[-1][0] <= start_byte:
            stack.pop()
        parent_kind = stack[-1][2] if stack else ""
        if kind == "function" and parent_kind in ("class", "impl", "trait", "interface", "struct"):
            kind = "method"
        qualname = f"{stack[-1][1]}.{name}" if stack else name
        header = _header_end(node, lang)
        sig = "\n".join(row.rstrip() for row in lines[node.start_point[0] : header + 1])
        doc = _docstring(node, source, lang, lines)
        used = tuple(sorted(refs[index] - {name}))
        symbols.append(
            Symbol(name, qualname, kind, first_row + 1, node.end_point[0] + 1, header + 1, sig, doc, used)
        )
        stack.append((-neg_end, qualname, kind))
    file_refs = tuple(sorted(identifiers_in(source)))
    return FileEntry(lang, len(lines), tuple(symbols), file_refs, (), bool(tree.root_node.has_error))


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
MAX_CHUNKS = 150  # of one text file (a long changelog adds noise, not context)


def chunk_text(text: str, max_chunks: int | None = MAX_CHUNKS) -> FileEntry:
    """A plain text file as blank-line-separated blocks of at most ``MAX_CHUNK_LINES`` lines."""
    lines = text.splitlines()
    chunks: list[Chunk] = []
    start: int | None = None
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            if start is None:
                start = number
            if number - start + 1 < MAX_CHUNK_LINES:
                continue
            end = number
        elif start is None:
            continue
        else:
            end = number - 1
        block = lines[start - 1 : end]
        title = next((b.strip() for b in block if b.strip()), "")[:100]
        raw = list(dict.fromkeys(_WORD.findall("\n".join(block))))[: MAX_CHUNK_TERMS * 2]
        terms = tuple(dict.fromkeys(t for w in raw for t in word_parts(w)))[:MAX_CHUNK_TERMS]
        chunks.append(Chunk(start, end, title, terms))
        start = None
        if max_chunks is not None and len(chunks) >= max_chunks:
            break
    return FileEntry("text", len(lines), (), (), tuple(chunks), False)


def parse_file(text: str, lang: str | None) -> FileEntry:
    """The entry of any text file: code through tree-sitter, the rest as chunks."""
    if lang:
        entry = parse_code(text, lang)
        if entry is not None:
            return entry
    return chunk_text(text)

"""Which tree-sitter grammar reads which file, and which of its nodes are definitions and references.

The tables are data: a definition node type maps to a kind (``class``, ``function``, ``method``...); the
name comes from the node's ``name`` field (``type`` for Rust's ``impl`` blocks, the declarator for a
JavaScript ``const f = () => ...``). References are the identifiers a definition's text uses
(``tierwise.context.symbols.identifiers_in``).
"""

from __future__ import annotations

from pathlib import PurePosixPath

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java",
}  # fmt: skip

_JS_DEFS = {
    "class_declaration": "class",
    "function_declaration": "function",
    "generator_function_declaration": "function",
    "method_definition": "method",
}
_TS_DEFS = {
    **_JS_DEFS,
    "abstract_class_declaration": "class",
    "interface_declaration": "interface",
    "type_alias_declaration": "type",
    "enum_declaration": "enum",
    "function_signature": "function",
}

DEFINITIONS: dict[str, dict[str, str]] = {
    "python": {"class_definition": "class", "function_definition": "function"},
    "javascript": _JS_DEFS,
    "typescript": _TS_DEFS,
    "tsx": _TS_DEFS,
    "go": {"function_declaration": "function", "method_declaration": "method", "type_spec": "type"},
    "rust": {
        "function_item": "function", "function_signature_item": "function", "struct_item": "struct",
        "enum_item": "enum", "trait_item": "trait", "impl_item": "impl", "mod_item": "module",
        "type_item": "type", "macro_definition": "macro",
    },
    "java": {
        "class_declaration": "class", "interface_declaration": "interface", "enum_declaration": "enum",
        "record_declaration": "record", "method_declaration": "method", "constructor_declaration": "method",
    },
}  # fmt: skip

ARROW_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function"})
"""JavaScript values that make ``const name = <value>`` a function definition."""

BODY_FIELDS: tuple[str, ...] = ("body",)

COMMENT_PREFIXES: dict[str, tuple[str, ...]] = {
    "python": ("#",),
    "javascript": ("//", "/*", "*"),
    "typescript": ("//", "/*", "*"),
    "tsx": ("//", "/*", "*"),
    "go": ("//",),
    "rust": ("///", "//!", "//"),
    "java": ("/**", "//", "*"),
}


def language_for(path: str) -> str | None:
    """The grammar name for ``path``, or None (a plain text file, chunked by blocks)."""
    return EXTENSIONS.get(PurePosixPath(path).suffix.lower())

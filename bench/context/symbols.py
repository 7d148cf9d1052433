"""Definitions of a source file with tree-sitter: name, kind, spans and header line, for the context benchmark.

Independent of tierwise.context on purpose: the benchmark must not measure the engine with its own ruler.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

LANGUAGES: dict[str, str] = {
    ".py": "python", ".go": "go", ".rs": "rust",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
}  # fmt: skip

#: node type -> kind, per language family; "container" kinds hold methods.
_DEF_NODES: dict[str, dict[str, str]] = {
    "python": {"function_definition": "function", "class_definition": "class"},
    "go": {
        "function_declaration": "function", "method_declaration": "method", "type_spec": "type",
    },
    "rust": {
        "function_item": "function", "impl_item": "impl", "trait_item": "trait", "struct_item": "struct",
        "enum_item": "enum", "mod_item": "module", "macro_definition": "macro",
    },
    "javascript": {
        "function_declaration": "function", "generator_function_declaration": "function",
        "class_declaration": "class", "method_definition": "method", "variable_declarator": "function",
        "interface_declaration": "interface", "type_alias_declaration": "type",
    },
}  # fmt: skip
CONTAINER_KINDS = frozenset({"class", "impl", "trait", "struct", "enum", "module", "type", "interface"})
_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function"})


@dataclass(frozen=True)
class Definition:
    name: str
    qualname: str  # Class.method, impl Type.method, ...
    kind: str
    start_line: int  # 1-based, the definition's first line (decorators excluded)
    end_line: int  # 1-based, inclusive
    header: str  # the text of the first line
    first_line: int = 0  # 1-based, decorators included (0: same as start_line)

    def overlaps(self, first: int, last: int) -> bool:
        return (self.first_line or self.start_line) <= last and first <= self.end_line

    @property
    def is_container(self) -> bool:
        return self.kind in CONTAINER_KINDS


def language_of(path: str) -> str | None:
    return LANGUAGES.get(PurePosixPath(path).suffix.lower())


def _family(language: str) -> str:
    return "javascript" if language in ("javascript", "typescript", "tsx") else language


@lru_cache(maxsize=8)
def _parser(language: str):  # type: ignore[no-untyped-def]
    from tree_sitter_language_pack import get_parser

    return get_parser(language)  # type: ignore[arg-type]


def _name_of(node, family: str) -> str | None:  # type: ignore[no-untyped-def]
    name = node.child_by_field_name("name")
    if name is None and node.type == "impl_item":
        name = node.child_by_field_name("type")
    if name is None:
        return None
    text = name.text.decode("utf-8", "replace")
    receiver = node.child_by_field_name("receiver") if node.type == "method_declaration" else None
    if receiver is not None:  # Go: func (r *T) M() -> T.M
        kinds = [n for n in receiver.named_children if n.type == "parameter_declaration"]
        rtype = kinds[0].child_by_field_name("type") if kinds else None
        if rtype is not None:
            text = rtype.text.decode("utf-8", "replace").lstrip("*").split("[")[0] + "." + text
    return text


def definitions(text: str, path: str) -> list[Definition]:
    """Every function, method, class (and Go type, Rust item, JS arrow function bound to a name) of a file,
    in source order; nested definitions get dotted qualified names."""
    language = language_of(path)
    if language is None:
        return []
    family = _family(language)
    kinds = _DEF_NODES[family]
    source = text.encode("utf-8")
    tree = _parser(language).parse(source)
    lines = text.splitlines()
    found: list[Definition] = []

    def visit(node, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for child in node.children:
            kind = kinds.get(child.type)
            if kind and child.type == "variable_declarator":
                value = child.child_by_field_name("value")
                if value is None or value.type not in _FUNCTION_VALUES:
                    kind = None
            name = _name_of(child, family) if kind else None
            if kind and name:
                qual = f"{prefix}.{name}" if prefix else name
                name = name.rsplit(".", 1)[-1]
                start = child.start_point[0]
                if child.type == "variable_declarator" and child.parent is not None:
                    start = child.parent.start_point[0]  # `const f = () => ...` starts at `const`
                header = lines[start] if start < len(lines) else ""
                first = start
                if child.parent is not None and child.parent.type == "decorated_definition":
                    first = child.parent.start_point[0]
                found.append(
                    Definition(name, qual, kind, start + 1, child.end_point[0] + 1, header, first + 1)
                )
                visit(child, qual)
            else:
                visit(child, prefix)

    visit(tree.root_node, "")
    return found


def innermost(defs: list[Definition], first: int, last: int) -> list[Definition]:
    """The deepest definitions overlapping lines first..last (a method, not its class, when the change is
    inside the method; the class when the change is in the class body between methods)."""
    hits = [d for d in defs if d.overlaps(first, last)]
    return [
        d
        for d in hits
        if not any(
            o is not d
            and d.start_line <= o.first_line
            and o.end_line <= d.end_line
            and o.overlaps(first, last)
            for o in hits
        )
    ]


def body_of(text: str, definition: Definition) -> str:
    lines = text.splitlines()
    return "\n".join(lines[definition.start_line - 1 : definition.end_line])


def skeleton_lines(defs: list[Definition]) -> list[str]:
    """The header lines of a file's definitions: what a skeleton must show."""
    return [d.header for d in defs if d.header.strip()]

"""A compact view of the repository for prompts: file tree within a token budget, files, conventions.

Token counts are estimated (4 characters per token): this runs before every call and must stay cheap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from tierwise.engine.ports import Document, FilesPort

CONVENTION_FILES: tuple[str, ...] = (
    "AGENTS.md",
    "CONVENTIONS.md",
    "standards.md",
    ".cursorrules",
    "docs/CONVENTIONS.md",
    "docs/standards.md",
)
"""Conventions files, first found wins."""

CHARS_PER_TOKEN = 4

_LANGUAGES: dict[str, str] = {
    ".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".ts": "typescript",
    ".tsx": "tsx", ".jsx": "jsx", ".json": "json", ".toml": "toml", ".md": "markdown", ".rs": "rust",
    ".go": "go", ".java": "java", ".rb": "ruby", ".sh": "bash", ".yml": "yaml", ".yaml": "yaml",
    ".c": "c", ".h": "c", ".cpp": "cpp", ".cs": "csharp", ".html": "html", ".css": "css", ".sql": "sql",
}


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def language_of(path: str) -> str:
    return _LANGUAGES.get(PurePosixPath(path).suffix.lower(), "")


def _tree_lines(paths: Sequence[str], max_depth: int | None) -> list[str]:
    """Indented tree; folders deeper than ``max_depth`` collapse into ``name/ (N files)``."""
    children: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    files: set[tuple[str, ...]] = set()
    for path in paths:
        parts = tuple(PurePosixPath(path).parts)
        files.add(parts)
        for depth in range(1, len(parts)):
            counts[parts[:depth]] += 1
        for depth in range(len(parts)):
            children[parts[:depth]].add(parts[: depth + 1])
    lines: list[str] = []

    def walk(node: tuple[str, ...]) -> None:
        entries = sorted(children.get(node, ()), key=lambda p: (p in files, p[-1]))
        for entry in entries:
            indent = "  " * (len(entry) - 1)
            if entry in files:
                lines.append(f"{indent}{entry[-1]}")
            elif max_depth is not None and len(entry) > max_depth:
                lines.append(f"{indent}{entry[-1]}/ ({counts[entry]} files)")
            else:
                lines.append(f"{indent}{entry[-1]}/")
                walk(entry)

    walk(())
    return lines


def repo_tree(paths: Iterable[str], budget_tokens: int = 1500) -> str:
    """The file tree of ``paths`` within ``budget_tokens``, collapsing deep folders first."""
    ordered = sorted(set(paths))
    if not ordered:
        return "(empty workspace)"
    deepest = max(len(PurePosixPath(p).parts) for p in ordered)
    for depth in [None, *range(deepest - 1, 0, -1)]:
        text = "\n".join(_tree_lines(ordered, depth))
        if estimate_tokens(text) <= budget_tokens:
            return text
    lines = _tree_lines(ordered, 1)
    kept: list[str] = []
    used = 0
    for line in lines:
        used += estimate_tokens(line + "\n")
        if used > budget_tokens:
            kept.append(f"... ({len(lines) - len(kept)} more entries)")
            break
        kept.append(line)
    return "\n".join(kept)


def number_lines(text: str) -> str:
    lines = text.splitlines()
    width = len(str(len(lines)))
    return "\n".join(f"{i:>{width}} | {line}" for i, line in enumerate(lines, start=1))


def file_block(path: str, text: str | None, *, numbered: bool = False, max_chars: int | None = None) -> str:
    """A file as a fenced Markdown block headed by its path."""
    if text is None:
        return f"### {path}\n(the file does not exist yet)"
    body = number_lines(text) if numbered else text.rstrip("\n")
    if max_chars is not None and len(body) > max_chars:
        head = body[: max_chars * 2 // 3]
        tail = body[-max_chars // 3 :]
        body = f"{head}\n... [{len(body) - len(head) - len(tail)} characters left out] ...\n{tail}"
    fence = "````" if "```" in body else "```"
    return f"### {path}\n{fence}{language_of(path)}\n{body}\n{fence}"


def files_section(docs: Sequence[Document], budget_tokens: int, *, numbered: bool = False) -> str:
    """Several files within a token budget; files that do not fit are named only."""
    blocks: list[str] = []
    left_out: list[str] = []
    used = 0
    for doc in docs:
        block = file_block(doc.path, doc.text, numbered=numbered)
        cost = estimate_tokens(block)
        if used + cost > budget_tokens:
            left_out.append(doc.path)
            continue
        blocks.append(block)
        used += cost
    if left_out:
        blocks.append("Not shown (over the context budget): " + ", ".join(left_out))
    return "\n\n".join(blocks) if blocks else "(none)"


async def read_conventions(files: FilesPort, budget_tokens: int = 1500) -> str:
    """The project's conventions file, trimmed to the budget, or a note that there is none."""
    for name in CONVENTION_FILES:
        try:
            doc = await files.read(name)
        except (OSError, ValueError):
            continue
        if doc.text and doc.text.strip():
            text = doc.text.strip()
            limit = budget_tokens * CHARS_PER_TOKEN
            if len(text) > limit:
                text = text[:limit] + "\n... (trimmed)"
            return f"From {name}:\n{text}"
    return "(no conventions file)"


async def read_documents(files: FilesPort, paths: Iterable[str]) -> list[Document]:
    docs: list[Document] = []
    for path in dict.fromkeys(paths):
        try:
            docs.append(await files.read(path))
        except (OSError, ValueError):
            continue
    return docs

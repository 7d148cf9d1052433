"""The context engine's results, shared with the loop's engine through ``ContextPort`` (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ItemKind = Literal["body", "skeleton", "map", "region", "file"]


@dataclass(frozen=True)
class Query:
    """What a ranking is for. Paths are workspace-relative."""

    task: str
    named_files: tuple[str, ...] = ()
    open_files: tuple[str, ...] = ()
    diff_files: tuple[str, ...] = ()
    traceback_files: tuple[str, ...] = ()
    focus_symbols: tuple[str, ...] = ()  # names a plan or an explore answer pinned


@dataclass(frozen=True)
class ContextItem:
    """One piece of a context pack: a symbol's body, a file's skeleton, a map line, a file region."""

    path: str
    symbol: str | None
    kind: ItemKind
    tokens: int
    why: str
    lines: tuple[int, int] | None = None


@dataclass(frozen=True)
class ContextPack:
    text: str
    tokens: int
    items: list[ContextItem] = field(default_factory=list)
    budget_tokens: int = 0
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """A Markdown account of what was picked and why (the task folder's ``context.md``)."""
        rows = [f"- `{i.path}`" + (f" `{i.symbol}`" if i.symbol else "")
                + (f" lines {i.lines[0]}-{i.lines[1]}" if i.lines else "")
                + f" ({i.kind}, {i.tokens} tokens): {i.why}" for i in self.items]  # fmt: skip
        notes = "".join(f"\n> {n}" for n in self.notes)
        return (f"# Context\n\n{self.tokens} of {self.budget_tokens} tokens.{notes}\n\n## Items\n"
                + ("\n".join(rows) or "(none)") + f"\n\n## Text sent\n\n{self.text}\n")  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """A symbol or file offered to the explore step (and checked against its answer)."""

    path: str
    symbol: str | None
    kind: str
    line: int
    signature: str
    why: str


@dataclass(frozen=True)
class Pin:
    """A symbol or file an explore answer (or a plan) says must be shown."""

    path: str
    symbol: str | None = None
    why: str = ""

"""``ConsoleUI``: the UserPort of headless runs — progress lines, notices and questions on a rich console."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.panel import Panel
from rich.prompt import Confirm
from rich.syntax import Syntax

from tierwise.edits import resolve_in_workspace
from tierwise.engine.ports import BudgetQuestion, ProgressEvent

_LEVEL_STYLE = {"info": "cyan", "warning": "yellow", "error": "bold red"}


def format_event(event: ProgressEvent) -> str:
    """One progress line: phase, tier and model, round, message, cost so far."""
    parts = [f"[bold]{event.phase:<9}[/bold]"]
    if event.tier:
        model = f" ({event.model})" if event.model else ""
        parts.append(f"[magenta]{event.tier}{model}[/magenta]")
    if event.round is not None:
        parts.append(f"round {event.round}")
    parts.append(event.message)
    ceiling = f" of ${event.ceiling_usd:.2f}" if event.ceiling_usd is not None else ""
    parts.append(f"[dim]${event.cost_usd:.4f}{ceiling} so far[/dim]")
    return " · ".join(parts)


class ConsoleUI:
    """Prints to ``console``; ``assume_yes`` answers every question with yes (``--yes``)."""

    def __init__(self, root: Path, *, console: Console | None = None, assume_yes: bool = False,
                 verbose: bool = True) -> None:
        self.root = Path(root)
        self.console = console or Console(highlight=False)
        self.assume_yes = assume_yes
        self.verbose = verbose

    def progress(self, event: ProgressEvent) -> None:
        if self.verbose or event.state != "report":
            self.console.print(format_event(event))

    def notify(self, level: Literal["info", "warning", "error"], message: str) -> None:
        style = _LEVEL_STYLE.get(level, "")
        self.console.print(f"[{style}]{level}:[/{style}] {message}", markup=True)

    async def confirm(self, question: str, detail: str = "") -> bool:
        if self.assume_yes:
            return True
        if not sys.stdin.isatty():
            self.notify("warning", f"{question} — no terminal to ask; pass --yes to proceed without asking")
            return False
        if detail:
            self.console.print(detail)
        return Confirm.ask(question, console=self.console, default=True)

    async def ask_budget(self, question: BudgetQuestion) -> bool:
        """Ask on a terminal; ``--yes`` never raises a ceiling, and without a terminal the task stops."""
        if self.assume_yes:
            self.notify("warning", f"{question.text} — --yes never raises a ceiling; stopping "
                        "(use --max-budget USD to set this run's task ceiling)")
            return False
        if not sys.stdin.isatty():
            self.notify("warning", f"{question.text} — no terminal to ask; stopping")
            return False
        return Confirm.ask(question.text, console=self.console, default=False)

    async def show_document(self, path: str) -> None:
        try:
            full = resolve_in_workspace(self.root, path)
            text = full.read_text(encoding="utf-8")
        except (OSError, ValueError) as err:
            self.notify("warning", f"cannot show {path}: {err}")
            return
        lexer = "markdown" if full.suffix.lower() == ".md" else Syntax.guess_lexer(str(full), text)
        self.console.print(Panel(Syntax(text, lexer, word_wrap=True, theme="ansi_dark"), title=path))

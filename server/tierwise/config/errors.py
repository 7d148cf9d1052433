"""Configuration errors whose messages name the place (file and line, or variable), the key and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with the configuration."""

    where: str  # "/ws/.tierwise.toml, line 4" | "environment variable TIERWISE_X" | "flag" | "default"
    key: str  # dotted key, e.g. "tiers.mid.model"; "" for the whole file
    problem: str
    fix: str

    def render(self) -> str:
        head = f"{self.where}: {self.key}: {self.problem}" if self.key else f"{self.where}: {self.problem}"
        return f"{head}\n  fix: {self.fix}"


class ConfigError(Exception):
    """Invalid configuration. ``str(err)`` is a message for people: where, which key, what to do."""

    def __init__(self, problems: Iterable[ConfigProblem] | str) -> None:
        if isinstance(problems, str):
            self.problems: list[ConfigProblem] = []
            message = problems
        else:
            self.problems = list(problems)
            message = render_problems(self.problems)
        super().__init__(message)


def render_problems(problems: list[ConfigProblem]) -> str:
    if len(problems) == 1:
        return "invalid tierwise configuration: " + problems[0].render()
    body = "\n".join("- " + p.render().replace("\n", "\n  ") for p in problems)
    return f"invalid tierwise configuration ({len(problems)} problems):\n{body}"


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (difflib), or None when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'budget'?)`` or an empty string when nothing is close."""
    found = closest(word, choices)
    return f" (did you mean {found!r}?)" if found else ""

"""Scoring one task's contexts against what the real commit changed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .corpus import ChangedSymbol, Task
from .measure import ContextView, skeleton_coverage
from .symbols import definitions, skeleton_lines


@dataclass
class TaskCode:
    """The parent commit's side of a task: the changed files' text, each changed symbol's body and header."""

    task: Task
    root: Path
    files: list[str]
    texts: dict[str, str]
    bodies: list[str]
    headers: list[str]
    skeletons: dict[str, list[str]]


def load_task_code(task: Task, root: Path, files: list[str]) -> TaskCode:
    texts = {path: (root / path).read_text(encoding="utf-8", errors="replace") for path in task.files}
    bodies, headers = [], []
    for symbol in task.symbols:
        lines = texts[symbol.file].splitlines()
        if symbol.end_line > len(lines) or symbol.name not in lines[symbol.start_line - 1]:
            raise ValueError(
                f"{task.id}: {symbol.qualname} is not at {symbol.file}:{symbol.start_line} in the parent"
            )
        bodies.append("\n".join(lines[symbol.start_line - 1 : symbol.end_line]))
        headers.append(lines[symbol.start_line - 1])
    skeletons = {path: skeleton_lines(definitions(text, path)) for path, text in texts.items()}
    return TaskCode(task, root, files, texts, bodies, headers, skeletons)


def score_plan(code: TaskCode, text: str) -> dict[str, object]:
    """Per changed symbol: full body shown, `def` line shown; per changed file: skeleton coverage."""
    view = ContextView(text)
    bodies = [view.has_block(body) for body in code.bodies]
    defs = [
        view.has_line(h) and view.names_file(s.file)
        for h, s in zip(code.headers, code.task.symbols, strict=True)
    ]
    skeleton = {path: skeleton_coverage(view, path, heads) for path, heads in code.skeletons.items()}
    skeleton = {path: value for path, value in skeleton.items() if value is not None}
    return {
        "bodies": bodies,
        "defs": [b or d for b, d in zip(bodies, defs, strict=True)],
        "skeleton": skeleton,
    }


def score_file_view(code: TaskCode, path: str, text: str) -> list[bool]:
    """For an implementer of ``path``: is the full body of each of the file's changed symbols in ``text``?"""
    view = ContextView(text)
    return [
        view.has_block(body) for body, s in zip(code.bodies, code.task.symbols, strict=True) if s.file == path
    ]


def _mentions(text: str, word: str) -> bool:
    return re.search(r"(?<![\w.])" + re.escape(word) + r"(?!\w)", text) is not None


def categories(task: Task, symbol: ChangedSymbol) -> dict[str, str]:
    """Labels to break the misses down by: language, task size, symbol kind and size, what the text names."""
    lines = symbol.end_line - symbol.start_line + 1
    size = "≤20 lines" if lines <= 20 else "21-80 lines" if lines <= 80 else ">80 lines"
    named = _mentions(task.text, symbol.name)
    file_named = _mentions(task.text, PurePosixPath(symbol.file).name) or _mentions(
        task.text, PurePosixPath(symbol.file).stem
    )
    return {
        "language": task.language if task.language != "tsx" else "typescript",
        "files in task": "1 file" if len(task.files) == 1 else "2-3 files",
        "kind": "class/type"
        if symbol.kind in ("class", "impl", "struct", "enum", "trait", "type", "interface", "module")
        else "function/method",
        "size": size,
        "task names the symbol": "yes" if named else "no",
        "task names the file": "yes" if file_named else "no",
    }

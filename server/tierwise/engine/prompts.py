"""Prompt templates: ``prompts/<action>.md``, overridable per workspace in ``.tierwise/prompts/<action>.md``.

A template is Markdown with role markers: text after ``<!-- system -->`` is the system message, text after
``<!-- user -->`` the user message (text before any marker is system). Comments written ``<!-- # ... -->``
are documentation and are removed. Variables use ``string.Template`` syntax (``$name`` or ``${name}``;
``$$`` is a literal dollar). docs/prompts.md lists the variables of every action.

Cache-friendly layout (docs/prompts.md, "Layout"): the task phases (``PREFIX_ACTIONS``) start with one
shared prefix, ``prompts/prefix.md`` — the system prompt, conventions, repository context, the task and
its plan — rendered from the task's context snapshot, so every call of a task repeats it byte for byte.
A ``<!-- cache -->`` line in a template ends a stable part: the text before it becomes its own message
flagged ``cache_break`` (providers with explicit caching get a breakpoint there); what follows varies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from string import Template

from tierwise.config.model import ACTIONS
from tierwise.gateway.types import Message

_DOC_COMMENT = re.compile(r"<!--\s*#.*?-->\n?", re.S)
_ROLE_MARKER = re.compile(r"^<!--\s*(system|user|cache)\s*-->\s*$", re.M)
PREFIX = "prefix"
PREFIX_ACTIONS: tuple[str, ...] = ("plan", "refine", "implement", "fix", "review")
"""Actions whose messages start with the shared task prefix."""

PROMPT_VARIABLES: dict[str, tuple[str, ...]] = {
    "plan": ("task", "repo_tree", "files", "context", "conventions", "workspace"),
    "refine": ("task", "plan", "repo_tree", "files", "context", "conventions"),
    "implement": (
        "task", "plan", "path", "action", "description", "file_text", "context_files", "conventions",
        "edit_format",
    ),
    "fix": (
        "task", "plan", "test_command", "failing_tests", "log", "files", "context", "round", "tier", "edit_format",
        "conventions",
    ),
    "review": ("task", "plan", "diff", "files", "conventions", "edit_format"),
    "quickfix": (
        "path", "file_text", "excerpt", "diagnostic", "line", "end_line", "severity", "source", "code",
        "conventions", "edit_format",
    ),
    "commit_message": ("task", "goal", "diff_stat", "diff"),
    "summarize": ("command", "log", "max_chars"),
    PREFIX: ("workspace", "conventions", "repo_tree", "files", "context", "task", "plan", "edit_format"),
    "explore": ("task", "repo_map", "candidates", "files", "max_items"),
}
"""The variables each action's template may use. Unknown names in a template are errors."""

EDIT_FORMAT = """\
Answer with edit blocks only. Each block names the file on its own line, then the exact lines to find and
the lines to put in their place:

path/to/file.py
<<<<<<< SEARCH
exact lines copied from the current file (enough of them to be unique)
=======
the replacement lines
>>>>>>> REPLACE

Rules: copy SEARCH lines exactly, including indentation; keep each block small (a function or a few lines,
never the whole file); use several blocks for several places; to create a file, leave SEARCH empty; paths
are relative to the workspace root."""


class PromptError(ValueError):
    """A template that cannot be found or rendered; the message names the file and the fix."""


def _package_dir() -> Path | None:
    try:
        candidate = resources.files("tierwise") / "prompts"
    except (ModuleNotFoundError, TypeError):
        return None
    path = Path(str(candidate))
    return path if path.is_dir() and any(path.glob("*.md")) else None


def _repo_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "prompts"


def prompt_path(action: str, root: Path | None = None) -> Path:
    """The template file used for ``action``: the workspace override, else the packaged one."""
    if action not in ACTIONS and action != PREFIX:
        raise PromptError(f"unknown prompt action {action!r}; known: {', '.join(ACTIONS)}")
    if root is not None:
        override = root / ".tierwise" / "prompts" / f"{action}.md"
        if override.is_file():
            return override
    for folder in (_package_dir(), _repo_dir()):
        if folder is not None and (folder / f"{action}.md").is_file():
            return folder / f"{action}.md"
    raise PromptError(f"no prompt template for {action!r}: expected prompts/{action}.md in the tierwise package")


def split_sections(text: str) -> list[tuple[str, str, bool]]:
    """[(role, template text, ends a stable part)] from a template's role and cache markers."""
    text = _DOC_COMMENT.sub("", text)
    parts: list[tuple[str, str, bool]] = []
    role = "system"
    last = 0
    for marker in _ROLE_MARKER.finditer(text):
        chunk = text[last : marker.start()].strip()
        kind = marker.group(1)
        if chunk:
            parts.append((role, chunk, kind == "cache"))
        elif kind == "cache" and parts:
            parts[-1] = (parts[-1][0], parts[-1][1], True)
        if kind != "cache":
            role = kind
        last = marker.end()
    tail = text[last:].strip()
    if tail:
        parts.append((role, tail, False))
    return parts


def split_roles(text: str) -> list[tuple[str, str]]:
    """[(role, template text)] from a template's role markers."""
    return [(role, chunk) for role, chunk, _ in split_sections(text)]


def _check_variables(action: str, source: Path, template: Template) -> None:
    allowed = set(PROMPT_VARIABLES[action])
    for match in template.pattern.finditer(template.template):
        name = match.group("named") or match.group("braced")
        if match.group("invalid") is not None:
            line = template.template[: match.start()].count("\n") + 1
            raise PromptError(f"{source}: stray '$' near line {line} of its section; write '$$' for a dollar sign")
        if name and name not in allowed:
            raise PromptError(
                f"{source}: unknown variable ${name}; {action} prompts may use: "
                + ", ".join(f"${v}" for v in sorted(allowed))
            )


def render_prompt(
    action: str,
    variables: Mapping[str, object],
    root: Path | None = None,
    *,
    prefix: Mapping[str, object] | None = None,
) -> list[Message]:
    """The messages for ``action`` with ``variables`` substituted (missing ones become empty strings).

    With ``prefix`` (the task's snapshot: conventions, repository context, task, plan), the messages start
    with the shared prefix template rendered from it, its last message flagged ``cache_break``."""
    if prefix is None:
        return _render(action, variables, root)
    head = _render(PREFIX, {"edit_format": EDIT_FORMAT, **prefix}, root, needs_user=False)
    if head:
        head[-1] = head[-1].model_copy(update={"cache_break": True})
    return [*head, *_render(action, variables, root)]


def varying_tail(messages: list[Message]) -> list[Message]:
    """The messages after the last stable part (what a follow-up round sends again with new values)."""
    last = max((i for i, m in enumerate(messages) if m.cache_break), default=-1)
    return messages[last + 1 :]


_SECTION = re.compile(r"^(#{2,3} )", re.M)
MIN_REPEAT_CHARS = 40
MIN_MAP_LINE = 12


_OUTLINE = re.compile(r"^```\n *\d+ \| ")
_OUTLINE_ROW = re.compile(r"^ *\d* \| ")
_PIECE = re.compile(r"^Lines \d+-\d+, \w+ `[^`]+`:\n", re.M)


def without_repeats(text: str, shown: str) -> str:
    """``text`` (a context pack) without the definitions whose body the prompt already shows, byte for byte,
    in ``shown`` (the task prefix's pack, the files shown beside it): a ``###`` section whose body is there
    whole, or one of its ``Lines a-b, kind `name`:`` pieces (a file's section groups several bodies), or the
    rows of an outline (``N | signature``) that ``shown`` has as lines under the same file's heading (the outline
    goes when none is left); and
    without the lines of its map (a ``##`` section with no code) that ``shown`` has as lines: an unchanged
    definition is not sent twice. A note says how many were left out; a pack with nothing repeated comes
    back unchanged."""
    if not shown or "\n### " not in f"\n{text}":
        return text
    kept: list[str] = []
    dropped = 0
    shown_lines = set(shown.splitlines())
    for part in _split_sections(text):
        header, _, body = part.partition("\n")
        if header.startswith("### ") and len(body.strip()) >= MIN_REPEAT_CHARS and body.strip() in shown:
            dropped += 1
            continue
        if header.startswith("### ") and _PIECE.search(body):
            pieces = _split_pieces(body)
            rest = [p for p in pieces[1:] if not _repeated(p, shown)]
            dropped += len(pieces) - 1 - len(rest)
            if not rest and not pieces[0].strip():
                continue
            part = header + "\n" + pieces[0] + "".join(rest)
        elif header.startswith("### ") and _OUTLINE.match(body):  # an outline: drop the rows shown above
            rows = body.split("\n")
            same_file = _lines_under(shown, header[4:].split(" ", 1)[0])
            rest = [r for r in rows if not _OUTLINE_ROW.match(r) or r not in same_file]
            if not any(re.match(r"^ *\d+ \| ", r) for r in rest):
                dropped += 1
                continue
            dropped += len(rows) != len(rest)
            part = header + "\n" + "\n".join(rest)
        if header.startswith("## ") and "```" not in body:  # a map: one `path: definitions` line per file
            lines = body.splitlines(keepends=True)
            rest = [line for line in lines if len(line.strip()) < MIN_MAP_LINE or line.rstrip("\n") not in shown_lines]
            dropped += len(lines) - len(rest)
            part = header + "\n" + "".join(rest)
        kept.append(part)
    if not dropped:
        return text
    note = f"({dropped} related definitions, outlines or map lines are left out here: they are shown, unchanged, above)"
    return "".join(kept).rstrip() + "\n\n" + note


def _lines_under(text: str, path: str) -> set[str]:
    """The lines of ``text`` under its ``### path`` headings (what it shows of that file)."""
    lines: set[str] = set()
    for part in _split_sections(text):
        header, _, body = part.partition("\n")
        if header.startswith("### ") and header[4:].split(" ", 1)[0] == path:
            lines.update(body.split("\n"))
    return lines


def _split_pieces(body: str) -> list[str]:
    """[text before the first piece, piece, piece, ...] of a grouped ``###`` section."""
    starts = [m.start() for m in _PIECE.finditer(body)]
    return [body[: starts[0]], *(body[a:b] for a, b in zip(starts, [*starts[1:], len(body)], strict=True))]


def _repeated(piece: str, shown: str) -> bool:
    """A piece whose code (its fenced block) is in ``shown``."""
    code = piece.partition("\n")[2].strip()
    fence = code.split("\n", 1)
    if len(fence) < 2 or not fence[0].startswith("```"):
        return False
    inner = fence[1].rsplit("\n", 1)[0] if "\n" in fence[1] else ""
    return len(inner.strip()) >= MIN_REPEAT_CHARS and inner in shown


def _split_sections(text: str) -> list[str]:
    starts = [m.start() for m in _SECTION.finditer(text)]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def _render(
    action: str, variables: Mapping[str, object], root: Path | None, *, needs_user: bool = True
) -> list[Message]:
    source = prompt_path(action, root)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PromptError(f"cannot read prompt template {source}: {err}") from None
    values = {name: "" for name in PROMPT_VARIABLES[action]}
    values.update({k: "" if v is None else str(v) for k, v in variables.items()})
    messages: list[Message] = []
    for role, chunk, stable in split_sections(text):
        template = Template(chunk)
        _check_variables(action, source, template)
        content = template.substitute(values).strip()
        if messages and messages[-1].role == role and not messages[-1].cache_break:
            messages[-1] = Message(role=role, content=messages[-1].content + "\n\n" + content, cache_break=stable)
        else:
            messages.append(Message(role=role, content=content, cache_break=stable))  # type: ignore[arg-type]
    if needs_user and not any(m.role == "user" for m in messages):
        raise PromptError(f"{source}: no '<!-- user -->' section; a prompt needs a user message")
    return messages

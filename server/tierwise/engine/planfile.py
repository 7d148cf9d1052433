"""PLAN.md ⇄ ``Plan``: the fixed sections, a tolerant parser and a strict validator.

The Files section lists one file per bullet: ``- modify `path`: what changes`` (actions: modify, create,
delete; common synonyms are accepted). Indented lines under a bullet continue its description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tierwise.engine.paths import OutsideWorkspace, normalize_relpath

FileAction = Literal["modify", "create", "delete"]

SECTIONS: tuple[tuple[str, str], ...] = (
    ("goal", "Goal and user requirements"),
    ("constraints", "Constraints"),
    ("files", "Files"),
    ("api_changes", "API contract changes"),
    ("data_changes", "Data model or migration changes"),
    ("dependency_changes", "Dependency changes"),
    ("test_strategy", "Test strategy"),
    ("success_criteria", "Success criteria"),
)
"""(field, heading) of every required section, in order."""

_ALIASES: dict[str, str] = {
    "goal and user requirements": "goal",
    "goal and requirements": "goal",
    "goal": "goal",
    "goals": "goal",
    "user requirements": "goal",
    "constraints": "constraints",
    "files": "files",
    "files to change": "files",
    "api contract changes": "api_changes",
    "api changes": "api_changes",
    "api contract": "api_changes",
    "data model or migration changes": "data_changes",
    "data model changes": "data_changes",
    "data model and migration changes": "data_changes",
    "migrations": "data_changes",
    "dependency changes": "dependency_changes",
    "dependencies": "dependency_changes",
    "test strategy": "test_strategy",
    "testing strategy": "test_strategy",
    "tests": "test_strategy",
    "success criteria": "success_criteria",
}

_ACTION_WORDS: dict[str, FileAction] = {
    "modify": "modify",
    "edit": "modify",
    "update": "modify",
    "change": "modify",
    "create": "create",
    "add": "create",
    "new": "create",
    "delete": "delete",
    "remove": "delete",
}

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+[.)])\s+(?P<body>.*)$")
_ACTION = re.compile(r"^(?:\*\*|__)?(?P<word>[A-Za-z]+)(?:\*\*|__)?\s*:?\s+(?P<rest>.+)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
MAX_CODE_LINES = 20
"""A fenced block longer than this in a plan counts as code, which plans may not contain."""
MAX_PLAN_CHARS = 60_000
"""A plan longer than this is invalid (and sent back like any invalid plan): a plan describes changes."""


def bounded(text: str, limit: int = MAX_PLAN_CHARS) -> str:
    """``text`` cut to ``limit`` characters with a note, for artifacts written from an oversized reply."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n\n[tierwise: cut here; the reply had {len(text):,} characters, over the {limit:,} allowed]\n"


class PlanFile(BaseModel):
    action: FileAction
    path: str
    description: str = ""


class Plan(BaseModel):
    title: str | None = None
    goal: str = ""
    constraints: str = ""
    files: list[PlanFile] = Field(default_factory=list)
    files_notes: str = Field(default="", description="Text of the Files section that is not a file bullet.")
    api_changes: str = ""
    data_changes: str = ""
    dependency_changes: str = ""
    test_strategy: str = ""
    success_criteria: str = ""
    missing_sections: list[str] = Field(default_factory=list, description="Headings absent from the source.")
    parse_errors: list[str] = Field(default_factory=list)

    def paths(self, *, include_deleted: bool = True) -> list[str]:
        return [f.path for f in self.files if include_deleted or f.action != "delete"]


class PlanInvalid(ValueError):
    """A plan that failed validation; ``errors`` lists every problem, each fit to send back to a model."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("PLAN.md is invalid:\n" + "\n".join(f"- {e}" for e in errors))
        self.errors = errors


def _normalise_heading(text: str) -> str:
    text = re.sub(r"^\s*(?:\d+[.)]|[ivx]+\.)\s*", "", text.strip(), flags=re.I)
    text = text.replace("*", "").replace("_", " ").replace("`", "").rstrip(":").strip().lower()
    return re.sub(r"\s+", " ", text.replace("&", "and"))


def extract_plan_text(reply: str) -> str:
    """The PLAN.md inside a model reply: strips one wrapping code fence and any chatter before it."""
    text = reply.strip()
    fenced = re.match(r"^(```|~~~)[\w.-]*\n(?P<body>.*)\n\1\s*$", text, flags=re.S)
    if fenced:
        text = fenced.group("body")
    else:
        inner = re.search(r"(```|~~~)(?:markdown|md)\n(?P<body>.*?#{1,2}\s.*?)\n\1", text, flags=re.S)
        if inner:
            text = inner.group("body")
    first_heading = re.search(r"^#{1,2}\s", text, flags=re.M)
    if first_heading and first_heading.start() > 0:
        text = text[first_heading.start():]
    return text.strip() + "\n"


def _split_sections(text: str) -> tuple[str | None, dict[str, list[str]], list[str]]:
    title: str | None = None
    sections: dict[str, list[str]] = {}
    unknown: list[str] = []
    current: list[str] | None = None
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            level, name = len(heading.group(1)), heading.group(2)
            key = _ALIASES.get(_normalise_heading(name))
            if level == 1 and key is None:
                title = title or name.strip()
                current = None
                continue
            if key is not None and level <= 3:
                current = sections.setdefault(key, [])
                continue
            if level <= 2:
                unknown.append(name.strip())
                current = None
                continue
        if current is not None:
            current.append(line)
    return title, sections, unknown


def _parse_file_bullet(body: str) -> PlanFile | str:
    match = _ACTION.match(body.strip())
    if not match or match.group("word").lower() not in _ACTION_WORDS:
        return f"Files: cannot read {body.strip()!r}; write `- modify|create|delete `path`: what changes`"
    action = _ACTION_WORDS[match.group("word").lower()]
    rest = match.group("rest").strip()
    if rest.startswith("`"):
        end = rest.find("`", 1)
        if end < 0:
            return f"Files: unbalanced backtick in {body.strip()!r}"
        path, remainder = rest[1:end], rest[end + 1 :]
    else:
        head, _, remainder = rest.partition(" ")
        path = head.rstrip(":,;")
        if head.endswith(":"):
            remainder = ": " + remainder
    description = re.sub(r"^\s*(?:[:—–-]|\(|\bfile\b:?)\s*", "", remainder).strip()
    if description.endswith(")") and remainder.lstrip().startswith("("):
        description = description[:-1].strip()
    return PlanFile(action=action, path=path.strip(), description=description)


def _parse_files(lines: list[str]) -> tuple[list[PlanFile], str, list[str]]:
    files: list[PlanFile] = []
    notes: list[str] = []
    errors: list[str] = []
    base_indent: int | None = None
    for line in lines:
        bullet = _BULLET.match(line)
        indent = len(line) - len(line.lstrip())
        if bullet and (base_indent is None or indent <= base_indent):
            base_indent = indent if base_indent is None else base_indent
            parsed = _parse_file_bullet(bullet.group("body"))
            if isinstance(parsed, PlanFile):
                files.append(parsed)
            else:
                errors.append(parsed)
            continue
        if files and line.strip() and (indent > (base_indent or 0) or bullet):
            extra = line.strip()
            files[-1].description = f"{files[-1].description}\n{extra}".strip()
        elif line.strip():
            notes.append(line.rstrip())
    return files, "\n".join(notes).strip(), errors


def parse_plan(text: str) -> Plan:
    """Parse PLAN.md text. Never raises: problems are recorded in ``missing_sections``/``parse_errors``."""
    title, sections, _unknown = _split_sections(text)
    plan = Plan(title=title)
    for key, heading in SECTIONS:
        if key not in sections:
            plan.missing_sections.append(heading)
            continue
        body = "\n".join(sections[key]).strip()
        if key == "files":
            plan.files, plan.files_notes, plan.parse_errors = _parse_files(sections[key])
        else:
            setattr(plan, key, body)
    return plan


def _code_errors(text: str) -> list[str]:
    errors: list[str] = []
    fence_start: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            if fence_start is None:
                fence_start = number
            else:
                if number - fence_start - 1 > MAX_CODE_LINES:
                    errors.append(
                        f"the code block at line {fence_start} has {number - fence_start - 1} lines; a plan "
                        f"describes changes and never contains code (at most {MAX_CODE_LINES} lines of signatures)"
                    )
                fence_start = None
    return errors


def validate_plan(
    plan: Plan, root: Path, *, exists: Callable[[str], bool] | None = None, source: str | None = None
) -> Plan:
    """Return ``plan`` with normalised paths, or raise ``PlanInvalid`` listing every problem."""
    errors = [f"missing section '## {heading}'" for heading in plan.missing_sections]
    errors += plan.parse_errors
    if "Files" not in plan.missing_sections and not plan.files:
        errors.append("the Files section names no file; list each as `- modify `path`: what changes`")
    seen: set[str] = set()
    normalised: list[PlanFile] = []
    for item in plan.files:
        try:
            path = normalize_relpath(root, item.path)
        except OutsideWorkspace as err:
            errors.append(f"Files: {err}")
            continue
        if path in seen:
            errors.append(f"Files: {path} is listed twice; merge its changes into one entry")
            continue
        seen.add(path)
        action = item.action
        if exists is not None:
            present = exists(path)
            if action in ("modify", "delete") and not present:
                errors.append(f"Files: {path} does not exist, so it cannot be {action}d (use `create`)")
            elif action == "create" and present:
                action = "modify"
        normalised.append(PlanFile(action=action, path=path, description=item.description))
    if source is not None and len(source) > MAX_PLAN_CHARS:
        errors.append(
            f"the plan is {len(source):,} characters long; a plan may have at most {MAX_PLAN_CHARS:,} — describe "
            "the changes briefly, without code or file contents"
        )
    elif source is not None:
        errors += _code_errors(source)
    if errors:
        raise PlanInvalid(errors)
    return plan.model_copy(update={"files": normalised})


def render_plan(plan: Plan) -> str:
    """Canonical PLAN.md text for ``plan`` (parse(render(p)) gives back the same content)."""
    out: list[str] = [f"# {plan.title}", ""] if plan.title else []
    for key, heading in SECTIONS:
        out.append(f"## {heading}")
        out.append("")
        if key == "files":
            for item in plan.files:
                first, *more = (item.description or "").split("\n")
                line = f"- {item.action} `{item.path}`"
                out.append(f"{line}: {first}" if first else line)
                out.extend(f"  {extra}" for extra in more)
            if plan.files_notes:
                out += ["", plan.files_notes]
        else:
            out.append(getattr(plan, key) or "None.")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def load_valid_plan(text: str, root: Path, exists: Callable[[str], bool] | None = None) -> Plan:
    """Parse and validate PLAN.md text in one step (raises ``PlanInvalid``)."""
    return validate_plan(parse_plan(text), root, exists=exists, source=text)

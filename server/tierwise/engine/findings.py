"""REVIEW.md ⇄ ``Finding``: the machine-parsable review format defined in prompts/review.md.

```
## Finding: path/to/file.py:12-14 warning
Message: what is wrong and why.
Suggestion:
path/to/file.py
<<<<<<< SEARCH
...
>>>>>>> REPLACE
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tierwise.engine.paths import OutsideWorkspace, normalize_relpath
from tierwise.engine.planfile import extract_plan_text
from tierwise.engine.state import Finding

_HEADING = re.compile(
    r"^#{2,4}\s*Finding\b[^:\n]*:\s*`?(?P<path>[^`\s:]+)`?:(?P<line>\d+)(?:\s*[-–]\s*(?P<end>\d+))?"
    r"\s*\(?(?P<sev>error|warning|info|hint)?\)?\s*$",
    re.I | re.M,
)
_ANY_FINDING = re.compile(r"^#{2,4}\s*Finding\b.*$", re.I | re.M)
_SUGGESTION = re.compile(r"^\s*\**Suggestion\**\s*:\s*(?P<inline>.*)$", re.I | re.M)
_MESSAGE = re.compile(r"^\s*\**Message\**\s*:\s*", re.I)
_NONE = re.compile(r"^\s*(none|n/a|-|no suggestion)\.?\s*$", re.I)


@dataclass
class ParsedReview:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    summary: str = ""


def _strip_fence(text: str) -> str:
    stripped = text.strip()
    match = re.match(r"^(```|~~~)(?:markdown|md)?\n(?P<body>.*)\n\1\s*$", stripped, flags=re.S)
    return match.group("body") if match else stripped


def review_text(reply: str) -> str:
    """REVIEW.md text from a model reply (one wrapping fence removed, chatter before the title dropped)."""
    text = _strip_fence(reply)
    return extract_plan_text(text) if re.search(r"^#{1,2}\s", text, flags=re.M) else text.strip() + "\n"


def _body_parts(body: str) -> tuple[str, str | None]:
    match = _SUGGESTION.search(body)
    if match is None:
        message_part, suggestion = body, None
    else:
        message_part = body[: match.start()]
        rest = (match.group("inline") + "\n" + body[match.end() :]).strip()
        suggestion = None if not rest or _NONE.match(rest) else rest + "\n"
    message = _MESSAGE.sub("", message_part.strip(), count=1).strip()
    paragraphs = [re.sub(r"\s*\n\s*", " ", p.strip()) for p in re.split(r"\n\s*\n", message)]
    return "\n\n".join(p for p in paragraphs if p), suggestion


def parse_review(text: str, root: Path) -> ParsedReview:
    """Every well-formed finding; malformed headings and paths outside the workspace become ``errors``."""
    parsed = ParsedReview()
    headings = list(_ANY_FINDING.finditer(text))
    summary = re.search(r"^\s*Summary\s*:\s*(.+)$", text[: headings[0].start()] if headings else text, re.M | re.I)
    parsed.summary = summary.group(1).strip() if summary else ""
    for position, heading in enumerate(headings):
        end = headings[position + 1].start() if position + 1 < len(headings) else len(text)
        match = _HEADING.match(heading.group(0))
        if match is None:
            parsed.errors.append(f"cannot read finding heading {heading.group(0)!r}")
            continue
        try:
            path = normalize_relpath(root, match.group("path"))
        except OutsideWorkspace as err:
            parsed.errors.append(f"finding skipped: {err}")
            continue
        line = max(1, int(match.group("line")))
        end_line = max(line, int(match.group("end") or line))
        message, suggestion = _body_parts(text[heading.end() : end])
        parsed.findings.append(
            Finding(
                path=path,
                line=line,
                end_line=end_line,
                severity=(match.group("sev") or "warning").lower(),  # type: ignore[arg-type]
                message=message or "(no message)",
                suggestion=suggestion,
            )
        )
    return parsed


def render_findings(findings: list[Finding], summary: str = "") -> str:
    """REVIEW.md text in the same format (parse(render(x)) gives back x)."""
    out = ["# Review", "", f"Summary: {summary or 'review findings.'}", ""]
    if not findings:
        out.append("No findings.")
    for finding in findings:
        span = f"{finding.line}-{finding.end_line}" if finding.end_line != finding.line else f"{finding.line}"
        out += [f"## Finding: {finding.path}:{span} {finding.severity}", f"Message: {finding.message}"]
        out.append("Suggestion:" if finding.suggestion else "Suggestion: none")
        if finding.suggestion:
            out.append(finding.suggestion.rstrip("\n"))
        out.append("")
    return "\n".join(out).rstrip() + "\n"

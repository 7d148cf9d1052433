"""Review findings held as diagnostics (source ``tierwise``) and kept in place while the user types.

A finding is dropped when a change edits its lines, and moves with the text when lines are inserted or
removed above it (Enter at column 0 of its first line moves it too). tierwise's own writes of files that are
not open move them the same way (``on_rewrite``). A whole-document change (no range) drops the file's findings: their place is unknown.
A new review replaces every finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from lsprotocol import types

from tierwise.edits.text import line_breaks

SOURCE = "tierwise"
CODE = "review"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


@dataclass(frozen=True)
class StoredFinding:
    id: str
    path: str
    start_line: int  # 0-based
    end_line: int  # 0-based, inclusive
    severity: str
    message: str
    suggestion: str | None


def from_engine(task_id: str, findings: Iterable[object]) -> list[StoredFinding]:
    """Engine ``Finding``s (1-based lines) → stored findings with stable ids."""
    stored = []
    for index, finding in enumerate(findings):
        line = max(int(getattr(finding, "line", 1) or 1), 1) - 1
        end = max(int(getattr(finding, "end_line", None) or line + 1) - 1, line)
        stored.append(
            StoredFinding(
                id=f"{task_id}:{index}",
                path=str(finding.path),  # type: ignore[attr-defined]
                start_line=line,
                end_line=end,
                severity=str(getattr(finding, "severity", "warning")),
                message=str(finding.message),  # type: ignore[attr-defined]
                suggestion=getattr(finding, "suggestion", None),
            )
        )
    return stored


class FindingStore:
    def __init__(self) -> None:
        self._by_path: dict[str, list[StoredFinding]] = {}

    def replace_all(self, findings: Iterable[StoredFinding]) -> set[str]:
        """Drop every finding and keep ``findings``; the paths whose diagnostics must be republished."""
        touched = set(self._by_path)
        self._by_path = {}
        for finding in findings:
            self._by_path.setdefault(finding.path, []).append(finding)
        return touched | set(self._by_path)

    def for_path(self, path: str) -> list[StoredFinding]:
        return list(self._by_path.get(path, ()))

    def get(self, finding_id: str) -> StoredFinding | None:
        path_findings = (f for findings in self._by_path.values() for f in findings)
        return next((f for f in path_findings if f.id == finding_id), None)

    def paths(self) -> list[str]:
        return list(self._by_path)

    def discard(self, finding_id: str) -> str | None:
        """Forget one finding (its suggestion was applied); the path to republish."""
        for path, findings in self._by_path.items():
            kept = [f for f in findings if f.id != finding_id]
            if len(kept) != len(findings):
                self._by_path[path] = kept
                return path
        return None

    def on_change(self, path: str, change: types.TextDocumentContentChangeEvent) -> bool:
        """Apply one content change; True when the path's findings changed."""
        findings = self._by_path.get(path)
        if not findings:
            return False
        if not isinstance(change, types.TextDocumentContentChangePartial):
            self._by_path[path] = []
            return True
        start, end = change.range.start.line, change.range.end.line
        delta = line_breaks(change.text) - (end - start)
        last = end - 1 if _keeps_end_line(change) else end  # the last line whose text the change touches
        kept: list[StoredFinding] = []
        changed = False
        for finding in findings:
            if finding.start_line <= last and start <= finding.end_line:
                changed = True  # the user edited the flagged lines
                continue
            if finding.start_line > last and delta:
                finding = replace(
                    finding, start_line=finding.start_line + delta, end_line=finding.end_line + delta
                )
                changed = True
            kept.append(finding)
        self._by_path[path] = kept
        return changed

    def on_rewrite(self, path: str, old: str | None, new: str | None, encoding: str) -> bool:
        """tierwise rewrote ``path`` outside any buffer (a file not open in the editor): move its findings
        as if the minimal edits from ``old`` to ``new`` had been typed; a deleted file drops them."""
        from tierwise.lsp.workspace_edit import text_edits

        if not self._by_path.get(path):
            return False
        if old is None or new is None:
            self._by_path[path] = []
            return True
        changed = False
        edits = text_edits(old, new, encoding)  # ranges in ``old``: fed last first, each leaves the rest valid
        for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            partial = types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)
            changed = self.on_change(path, partial) or changed
        return changed


def _keeps_end_line(change: types.TextDocumentContentChangePartial) -> bool:
    """The change ends at column 0 of its end line and leaves that line's text whole at the start of a line
    (e.g. Enter at column 0, or whole lines inserted or removed above it): the line moves, it is not edited."""
    if change.range.end.character != 0:
        return False
    if change.text:
        return change.text.endswith(("\n", "\r"))
    return change.range.start.character == 0 and change.range.end.line > change.range.start.line


def to_diagnostic(finding: StoredFinding, line_units: Callable[[int], int]) -> types.Diagnostic:
    """The LSP diagnostic of a finding; ``line_units(n)`` is line n's length in client code units."""
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=finding.start_line, character=0),
            end=types.Position(line=finding.end_line, character=line_units(finding.end_line)),
        ),
        message=finding.message,
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        source=SOURCE,
        code=CODE,
        data={"findingId": finding.id, "hasSuggestion": bool(finding.suggestion)},
    )

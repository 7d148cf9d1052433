"""tierwise's configuration inside files a reply may otherwise edit, and the one check that a change leaves
it alone (docs/security.md, "tierwise's configuration").

Whole configuration files (``.tierwise.toml``, the user file) are protected locations
(``tierwise.protected``). Two kinds of shared files also carry tierwise settings, and only those parts are
guarded — the rest of each file stays editable:

- ``pyproject.toml``'s ``[tool.tierwise]`` table (``tierwise.testinfra.config_content_reason``);
- VS Code's settings: ``.vscode/settings.json`` and ``*.code-workspace`` (its ``settings`` object) at any
  depth, every ``tierwise`` / ``tierwise.*`` key, also inside language blocks (``"[python]": {...}``). In a
  trusted workspace the extension forwards these to the server above ``.tierwise.toml`` and restarts the
  server with ``tierwise.server.command``, so a reply writing them could point a tier at another host (with
  the key), pass secrets to the test command, or run a program of its choice.

The files are JSON with comments and trailing commas (JSONC), read here with the standard library. A file
that no longer parses after the change may not mention ``tierwise`` at all (VS Code's reader tolerates
errors, so a broken file can still carry settings); one that did not parse before is judged by its lines
that mention ``tierwise``. Pure functions of (path, old text, new text).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import PurePosixPath
from typing import Any

from tierwise.testinfra import config_content_reason

_PREFIX = "tierwise"


def tierwise_config_reason(path: str, old: str | None, new: str | None) -> str | None:
    """Why changing ``path`` from ``old`` to ``new`` (None: absent) would change tierwise's configuration."""
    return config_content_reason(path, old, new) or editor_settings_reason(path, old, new)


def is_editor_settings(path: str) -> bool:
    """VS Code settings files: ``.vscode/settings.json`` and ``*.code-workspace`` (case-insensitive)."""
    parts = [p.casefold() for p in PurePosixPath(path.replace("\\", "/")).parts]
    if not parts:
        return False
    return parts[-1].endswith(".code-workspace") or parts[-2:] == [".vscode", "settings.json"]


def editor_settings_reason(path: str, old: str | None, new: str | None) -> str | None:
    """Why a change to a VS Code settings file touches its ``tierwise`` settings, or None."""
    if not is_editor_settings(path):
        return None
    workspace_file = path.casefold().endswith(".code-workspace")
    before = tierwise_settings(old, workspace_file=workspace_file) if old is not None else {}
    after = tierwise_settings(new, workspace_file=workspace_file) if new is not None else {}
    if after is None and before is not None:  # broken by the change: VS Code may still read what is left
        changed = bool(_mentions(new))
    elif before is None:  # broken already: judge by the lines that name tierwise
        changed = _mentions(old) != _mentions(new)
    else:
        changed = before != after
    if changed:
        return f"the change touches tierwise settings in {path}, tierwise's own configuration"
    return None


def tierwise_settings(text: str, *, workspace_file: bool = False) -> dict[str, Any] | None:
    """Every ``tierwise`` / ``tierwise.*`` setting of a VS Code settings text (language blocks as
    ``"[python]/tierwise.x"``), or None when the text does not parse as JSONC."""
    if not text.strip():
        return {}
    try:
        data = json.loads(strip_jsonc(text))
    except ValueError:
        return None
    if workspace_file:
        data = data.get("settings", {}) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        return None if data is None else {}
    found: dict[str, Any] = {}
    for key, value in data.items():
        if _is_tierwise_key(key):
            found[key] = value
        elif key.startswith("[") and isinstance(value, dict):
            found.update({f"{key}/{k}": v for k, v in value.items() if _is_tierwise_key(k)})
    return found


def _is_tierwise_key(key: str) -> bool:
    folded = key.casefold()
    return folded == _PREFIX or folded.startswith(_PREFIX + ".")


def _mentions(text: str | None) -> Counter[str]:
    if text is None:
        return Counter()
    return Counter(line.strip() for line in text.splitlines() if _PREFIX in line.casefold())


def strip_jsonc(text: str) -> str:
    """JSON from JSONC: ``//`` and ``/* */`` comments and trailing commas removed outside strings."""
    out: list[str] = []
    index, length = 0, len(text)
    pending_comma: list[str] = []  # a comma (and what follows it) kept until the next token decides
    while index < length:
        char = text[index]
        if char == '"':
            end = _string_end(text, index)
            out.extend(pending_comma)
            pending_comma = []
            out.append(text[index:end])
            index = end
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = length if close < 0 else close + 2
        elif char == ",":
            out.extend(pending_comma)
            pending_comma = [","]
            index += 1
        elif char in "}]":
            pending_comma = [c for c in pending_comma if c != ","]  # a trailing comma is dropped
            out.extend(pending_comma)
            pending_comma = []
            out.append(char)
            index += 1
        elif char.isspace():
            (pending_comma if pending_comma else out).append(char)
            index += 1
        else:
            out.extend(pending_comma)
            pending_comma = []
            out.append(char)
            index += 1
    out.extend(pending_comma)
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index just past the JSON string starting at ``start`` (an unterminated one runs to the end)."""
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == '"':
            return index + 1
        index += 1
    return len(text)

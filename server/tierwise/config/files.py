"""Configuration files: where they are, reading them as TOML, and finding a key's line for error messages."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tierwise.config.errors import ConfigError, ConfigProblem

WORKSPACE_FILE = ".tierwise.toml"
PYPROJECT_FILE = "pyproject.toml"
PYPROJECT_LABEL = "pyproject.toml [tool.tierwise]"

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")


def user_config_path(env: Mapping[str, str]) -> Path | None:
    """``$XDG_CONFIG_HOME/tierwise/config.toml``, else ``$HOME/.config/tierwise/config.toml``."""
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "tierwise" / "config.toml"
    home = env.get("HOME", "").strip()
    if home:
        return Path(home) / ".config" / "tierwise" / "config.toml"
    return None


def display_path(path: Path, env: Mapping[str, str]) -> str:
    """The path with the home directory written as ``~``."""
    home = env.get("HOME", "").strip()
    if home:
        try:
            return "~/" + path.relative_to(Path(home)).as_posix()
        except ValueError:
            pass
    return str(path)


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse ``path``; errors name the file and, for syntax errors, the line and column."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigError(
            [ConfigProblem(str(path), "", f"cannot read the file ({err.strerror or err})", "check its permissions")]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError([ConfigProblem(str(path), "", "the file is not UTF-8 text", "save it as UTF-8")]) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        where = str(path)
        found = _TOML_POSITION.search(message)
        if found:
            where = f"{path}, line {found.group(1)}, column {found.group(2)}"
            message = _TOML_POSITION.sub("", message).strip()
        raise ConfigError(
            [ConfigProblem(where, "", f"invalid TOML: {message}", "correct the syntax at that position (see toml.io)")]
        ) from None


@dataclass(frozen=True)
class WorkspaceFiles:
    """What the workspace holds: the file used (if any), its data and text, and a file that was ignored."""

    path: Path | None
    label: str | None
    data: dict[str, Any]
    text: str | None
    table_prefix: str  # "" for .tierwise.toml, "tool.tierwise" for pyproject.toml
    ignored: str | None  # e.g. "pyproject.toml [tool.tierwise] is ignored because .tierwise.toml exists"


def read_workspace(root: Path) -> WorkspaceFiles:
    """``.tierwise.toml`` if present, else ``[tool.tierwise]`` in ``pyproject.toml``; never both."""
    own = root / WORKSPACE_FILE
    pyproject = root / PYPROJECT_FILE
    if own.is_file():
        data, text = read_toml(own)
        ignored = None
        if pyproject.is_file() and "tierwise" in _tool_table_names(pyproject):
            ignored = f"{PYPROJECT_LABEL} is ignored because {WORKSPACE_FILE} exists ({WORKSPACE_FILE} wins)"
        return WorkspaceFiles(own, WORKSPACE_FILE, data, text, "", ignored)
    if pyproject.is_file():
        data, text = read_toml(pyproject)
        tool = data.get("tool", {})
        section = tool.get("tierwise") if isinstance(tool, dict) else None
        if section is None:
            return WorkspaceFiles(None, None, {}, None, "", None)
        if not isinstance(section, dict):
            raise ConfigError(
                [ConfigProblem(str(pyproject), "tool.tierwise", "must be a table", "write it as [tool.tierwise]")]
            )
        return WorkspaceFiles(pyproject, PYPROJECT_LABEL, section, text, "tool.tierwise", None)
    return WorkspaceFiles(None, None, {}, None, "", None)


def _tool_table_names(pyproject: Path) -> set[str]:
    try:
        tool = tomllib.loads(pyproject.read_text(encoding="utf-8-sig")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set()
    return set(tool) if isinstance(tool, dict) else set()


def _split_key(raw: str) -> list[str]:
    return [part.strip().strip("\"'") for part in raw.split(".") if part.strip()]


def find_key_line(text: str, dotted_key: str, table_prefix: str = "") -> int | None:
    """Best-effort 1-based line where ``dotted_key`` (or its closest written ancestor) is set in TOML ``text``."""
    target = _split_key(re.sub(r"\[(\d+)\]", "", dotted_key))
    prefix = _split_key(table_prefix)
    table: list[str] = []
    best: tuple[int, int] | None = None  # (matched length, line)
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            path = table
        else:
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            path = table + _split_key(assign.group(1))
        if path[: len(prefix)] != prefix:
            continue
        path = path[len(prefix) :]
        if not path or path != target[: len(path)]:
            continue
        if best is None or len(path) > best[0]:
            best = (len(path), number)
    return best[1] if best else None

"""The replay script: ordered rules that say how the fake model answers (see docs/replay.md).

A script is TOML or JSON with a ``rules`` array. Each request is answered by the first rule whose
``model`` (exact, as sent) and ``match`` (regex searched over all message contents joined by newlines)
fit and that has uses left (``times``; 0 = unlimited).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tierwise.replay.caching import CacheStyle


class ScriptError(ValueError):
    """A script that cannot be used; the message names the file, the rule and the fix."""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(
        default=None, description="Exact model name as sent (litellm strips 'openai/')."
    )
    match: str | None = Field(
        default=None, description="Python regex searched over the joined message contents."
    )
    times: int = Field(default=1, ge=0, description="Uses before the rule is exhausted; 0 = unlimited.")
    reply: str | None = Field(default=None, description="The answer text.")
    status: int | None = Field(
        default=None, ge=400, le=599, description="Answer with this HTTP error instead."
    )
    retry_after: float | None = Field(
        default=None, ge=0, description="Retry-After header (seconds) with status."
    )
    error: str | None = Field(
        default=None, description="Error message sent with status (default per status)."
    )
    hang_before_s: float = Field(default=0.0, ge=0, description="Wait this long before answering.")
    hang_after_tokens: int | None = Field(
        default=None, ge=0, description="Stall the stream after N chunks..."
    )
    hang_s: float = Field(default=30.0, ge=0, description="...for this long.")
    cut_after_tokens: int | None = Field(default=None, ge=0, description="Close the stream after N chunks.")
    malformed_chunk: bool = Field(default=False, description="Send a non-JSON data line mid-stream.")
    blank_lines: bool = Field(
        default=False, description="Pad the reply (and the SSE stream) with blank lines."
    )
    token_delay_s: float = Field(default=0.0, ge=0, description="Pause between streamed chunks.")
    reasoning_tokens: int = Field(
        default=0, ge=0, description="Hidden reasoning tokens the answer spent (reported and counted as output)."
    )
    omit_usage: bool = Field(default=False, description="Send no usage, even when the request asks for it.")
    ignore_max_tokens: int | None = Field(
        default=None, ge=1, description="Ignore the request's max_tokens: stream the reply this many times over."
    )

    @field_validator("match")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as err:
                raise ValueError(f"bad regex {value!r}: {err}") from None
        return value

    @model_validator(mode="after")
    def _answers_something(self) -> Rule:
        if self.status is None and self.reply is None:
            raise ValueError("a rule needs 'reply' (the answer) or 'status' (an HTTP error to send)")
        if self.retry_after is not None and self.status is None:
            raise ValueError("'retry_after' only makes sense with 'status' (e.g. status = 429)")
        return self

    def matches(self, model: str, text: str) -> bool:
        if self.model is not None and self.model != model:
            return False
        return self.match is None or re.search(self.match, text) is not None


class Script(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(default_factory=list)
    caching: dict[str, CacheStyle] = Field(
        default_factory=dict,
        description="Prompt-caching style per model name ('*' for every other model): auto, openai, "
        "anthropic or off (default auto).",
    )


def _describe(errors: ValidationError, origin: str) -> str:
    lines = []
    for item in errors.errors():
        where = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in item["loc"])
        where = where.replace(".[", "[")
        if item["type"] == "extra_forbidden":
            known = ", ".join(Rule.model_fields) if where.startswith("rules[") else "rules, caching"
            lines.append(f"{where}: unknown key (known keys: {known})")
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            lines.append(f"{where or 'script'}: {message}")
    return f"{origin}: invalid replay script:\n  " + "\n  ".join(lines)


def script_from_data(data: Any, origin: str = "script") -> Script:
    if not isinstance(data, Mapping):
        raise ScriptError(
            f"{origin}: a replay script is a table with a 'rules' array, got {type(data).__name__}"
        )
    try:
        return Script.model_validate(dict(data))
    except ValidationError as err:
        raise ScriptError(_describe(err, origin)) from None


def parse_script(text: str, *, fmt: str = "toml", origin: str = "script") -> Script:
    """Parse script text in ``fmt`` ("toml" or "json")."""
    try:
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as err:
        raise ScriptError(f"{origin}: not valid {fmt.upper()}: {err}") from None
    return script_from_data(data, origin)


def load_script(path: str | PathLike[str]) -> Script:
    """Read a script file; ``.json`` is JSON, anything else TOML."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise ScriptError(f"{file}: cannot read replay script: {err.strerror or err}") from None
    return parse_script(text, fmt="json" if file.suffix.lower() == ".json" else "toml", origin=str(file))


def coerce_script(source: Script | Mapping[str, Any] | str | PathLike[str]) -> Script:
    """A ``Script`` from a Script, a mapping, or a file path."""
    if isinstance(source, Script):
        return source
    if isinstance(source, Mapping):
        return script_from_data(source)
    return load_script(source)

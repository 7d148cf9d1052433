"""Arguments of the ``workspace/executeCommand`` commands, validated with pydantic.

Each command takes a single object as the first (and only) element of ``arguments``; keys are camelCase.
Imported on the first command, never on the start-up path.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class PlanArgs(Args):
    task: str = Field(min_length=1, max_length=20_000, description="What to do, in plain words.")
    uris: list[str] = Field(default_factory=list, description="Files the task is about (file:// URIs).")

    @field_validator("task")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("task must not be blank")
        return value


class RunArgs(PlanArgs):
    phases: list[str] | None = Field(
        default=None, description="Subset of plan, refine, implement, fix, review."
    )
    approve: bool = Field(
        default=True, description="Show PLAN.md and ask (window/showMessageRequest) before implementing."
    )


class ShowContextArgs(PlanArgs):
    budget_tokens: int | None = Field(default=None, ge=100, le=1_000_000, description="Token budget override.")


class TaskArgs(Args):
    task_id: str = Field(min_length=1, max_length=200)


class OptionalTaskArgs(Args):
    task_id: str | None = Field(default=None, min_length=1, max_length=200)


class UndoArgs(TaskArgs):
    force: bool = False


class Position(Args):
    line: int = Field(ge=0)
    character: int = Field(ge=0)


class Range(Args):
    start: Position
    end: Position


class DiagnosticArg(BaseModel):
    """An LSP diagnostic as the client sent it; fields this server does not use are kept, not refused."""

    model_config = ConfigDict(extra="allow")
    range: Range
    message: str = Field(min_length=1)
    severity: int | None = Field(default=None, ge=1, le=4)
    source: str | None = None
    code: int | str | None = None


class QuickFixArgs(Args):
    uri: str = Field(min_length=1)
    diagnostic: DiagnosticArg


class ApplyFindingArgs(Args):
    uri: str = Field(min_length=1)
    finding_id: str = Field(min_length=1)


class BadArguments(ValueError):
    """The message names the command, the expected shape and what was wrong."""


def parse_args(command: str, model: type[Args], arguments: Any) -> Args:
    """Validate ``arguments`` (the ``executeCommand`` list) against ``model``."""
    shape = signature(model)
    if arguments is None:
        arguments = []
    if not isinstance(arguments, list | tuple):
        raise BadArguments(f"{command} expects arguments [{shape}], got {type(arguments).__name__}")
    if len(arguments) > 1:
        raise BadArguments(
            f"{command} expects a single object argument {shape}, got {len(arguments)} arguments"
        )
    raw = arguments[0] if arguments else {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise BadArguments(
            f"{command} expects an object {shape}, got {type(raw).__name__}: {str(raw)[:80]!r}"
        )
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(_problem(e) for e in err.errors()[:5])
        raise BadArguments(f"{command} {shape}: {problems}") from None


def _problem(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())) or "arguments"
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "extra_forbidden":
        message = "unknown field"
    return f"{where}: {message}"


def signature(model: type[BaseModel]) -> str:
    """``{task: string, uris?: string[]}`` style description of a model's fields."""
    parts = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        parts.append(f"{key}{'' if field.is_required() else '?'}")
    return "{" + ", ".join(parts) + "}"

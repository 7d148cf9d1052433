"""The key structure of ``Config``, read from the pydantic model: known keys, unknown-key search, field types.

Used to report typos before validation (with "did you mean"), and to type ``TIERWISE_*`` variable values.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union

from pydantic import BaseModel

from tierwise.config.model import ACTIONS, DEFAULT_ROUTES, Config, Route

Path = tuple[str | int, ...]

KNOWN_ACTIONS: tuple[str, ...] = tuple(dict.fromkeys([*ACTIONS, *DEFAULT_ROUTES]))


def dotted(path: Path) -> str:
    """``("tiers", "mid", "fallbacks", 0, "model")`` → ``tiers.mid.fallbacks[0].model``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` so the container or model type is left."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def is_optional(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return is_optional(typing.get_args(annotation)[0])
    return origin in (Union, types.UnionType) and type(None) in typing.get_args(annotation)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def child_annotation(annotation: Any, key: str | int) -> tuple[bool, Any]:
    """(known, annotation) of ``key`` inside a value of type ``annotation``."""
    inner = unwrap(annotation)
    if _is_model(inner):
        field = inner.model_fields.get(str(key))
        return (field is not None, field.annotation if field is not None else None)
    origin = typing.get_origin(inner)
    if origin is dict:
        return True, typing.get_args(inner)[1]
    if origin is list:
        return True, typing.get_args(inner)[0]
    return False, None


def annotation_at(path: Path) -> Any | None:
    """The declared type at ``path`` in ``Config``, or None when the path is unknown."""
    annotation: Any = Config
    for key in path:
        known, annotation = child_annotation(annotation, key)
        if not known:
            return None
    return annotation


def choices_for(annotation: Any) -> list[str]:
    inner = unwrap(annotation)
    return list(inner.model_fields) if _is_model(inner) else []


@dataclass(frozen=True)
class UnknownKey:
    path: Path
    choices: tuple[str, ...]


def find_unknown_keys(data: Any, annotation: Any = Config, path: Path = ()) -> Iterator[UnknownKey]:
    """Every key in ``data`` that ``Config`` does not define (route actions included), depth first."""
    inner = unwrap(annotation)
    if isinstance(data, dict) and _is_model(inner):
        for key, value in data.items():
            field = inner.model_fields.get(str(key))
            if field is None:
                yield UnknownKey((*path, str(key)), tuple(inner.model_fields))
            else:
                yield from find_unknown_keys(value, field.annotation, (*path, str(key)))
    elif isinstance(data, dict) and typing.get_origin(inner) is dict:
        value_type = typing.get_args(inner)[1]
        for key, value in data.items():
            if path == ("routes",) and key not in KNOWN_ACTIONS:
                yield UnknownKey((*path, str(key)), KNOWN_ACTIONS)
                continue
            if unwrap(value_type) is Route and isinstance(value, (str, list)):
                continue
            yield from find_unknown_keys(value, value_type, (*path, str(key)))
    elif isinstance(data, list) and typing.get_origin(inner) is list:
        item_type = typing.get_args(inner)[0]
        for index, item in enumerate(data):
            if isinstance(item, dict):
                yield from find_unknown_keys(item, item_type, (*path, index))


def is_list_field(annotation: Any) -> bool:
    return typing.get_origin(unwrap(annotation)) is list


def is_route(annotation: Any) -> bool:
    return unwrap(annotation) is Route

"""``TIERWISE_*`` environment variables as a configuration layer.

Mapping: strip ``TIERWISE_``, split on double underscores, lower-case each part::

    TIERWISE_BUDGET__PER_TASK_USD=2           budget.per_task_usd = 2
    TIERWISE_TIERS__MID__MODEL=openai/gpt-5   tiers.mid.model = "openai/gpt-5"
    TIERWISE_ROUTES__FIX=light,mid            routes.fix = ["light", "mid"]
    TIERWISE_ESCALATE_AFTER=3                 escalate_after = 3

A variable with ``__`` must name a real key (else it is an error naming the variable). A variable without
``__`` is configuration only when it names a top-level key; others (``TIERWISE_TEST_KEY``, ...) are left to
whoever reads them. Values: ``[``/``{`` start JSON; list-typed keys take comma-separated items; ``none``,
``null`` or an empty value unset an optional key; everything else stays text and pydantic converts it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tierwise.config.errors import ConfigError, ConfigProblem, closest, did_you_mean
from tierwise.config.keys import annotation_at, choices_for, is_list_field, is_optional, is_route, unwrap
from tierwise.config.layers import Layer, leaves
from tierwise.config.model import Config
from tierwise.config.secrets import safe_repr

PREFIX = "TIERWISE_"


def env_name(dotted_key: str) -> str:
    """The variable that sets ``dotted_key``: ``budget.per_task_usd`` → ``TIERWISE_BUDGET__PER_TASK_USD``."""
    return PREFIX + "__".join(part.upper() for part in dotted_key.split("."))


def _where(name: str) -> str:
    """How messages name the place a value came from: ``environment variable TIERWISE_…``."""
    return f"environment variable {name}"


def _variable_error(name: str, key: str, problem: str, fix: str, where: str | None = None) -> ConfigError:
    """One problem with the variable ``name`` (setting ``key``), as the error to raise."""
    return ConfigError([ConfigProblem(where or _where(name), key, problem, fix)])


def parse_setting(key: str, raw: str) -> Any:
    """The value of a ``--set KEY=VALUE`` flag, read like the matching ``TIERWISE_*`` variable: JSON when it
    starts with ``[``/``{``, comma-separated items for lists and routes, ``none`` to unset an optional key.
    Unknown keys are left for the loader, which names them."""
    path = tuple(part for part in key.split(".") if part)
    return _parse_value(f"--set {key}", raw, path, where=f"command-line flag --set {key}")


def _parse_value(name: str, raw: str, path: tuple[str, ...], where: str | None = None) -> Any:
    annotation = annotation_at(path)
    text = raw.strip()
    if text.lower() in ("", "none", "null"):
        if annotation is not None and is_optional(annotation):
            return None
        if text == "" and annotation is not None and not is_list_field(annotation):
            raise _variable_error(
                name, ".".join(path), "is empty", f"give it a value or unset {name}", where=where
            )
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise _variable_error(
                name,
                ".".join(path),
                f"value {safe_repr(text)} starts like JSON but is not valid JSON ({err.msg})",
                "write valid JSON, or a plain comma-separated list",
                where=where,
            ) from None
    if annotation is not None and (is_list_field(annotation) or is_route(annotation)):
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _check_path(name: str, path: tuple[str, ...]) -> None:
    annotation: Any = Config
    for depth, part in enumerate(path):
        inner = unwrap(annotation)
        choices = choices_for(inner)
        child = annotation_at(path[: depth + 1])
        if child is None:
            suggestion = did_you_mean(part, choices)
            fix_name = ""
            better = closest(part, choices)
            if better:
                fixed = (*path[:depth], better, *path[depth + 1 :])
                fix_name = f"rename it to {env_name('.'.join(fixed))}, or "
            raise _variable_error(
                name,
                ".".join(path),
                f"unknown key {part!r}{suggestion}",
                f"{fix_name}unset {name} (the mapping is documented in docs/configuration.md)",
            )
        annotation = child


def env_layer(env: Mapping[str, str]) -> Layer:
    """The ``TIERWISE_*`` layer, with one source label per variable."""
    data: dict[str, Any] = {}
    labels: dict[str, str] = {}
    where: dict[str, str] = {}
    top_level = set(Config.model_fields)
    for name in sorted(env):
        if not name.startswith(PREFIX) or len(name) == len(PREFIX):
            continue
        rest = name[len(PREFIX) :]
        if "__" not in rest and rest.lower() not in top_level:
            continue
        path = tuple(part.lower() for part in rest.split("__"))
        if any(not part for part in path):
            raise _variable_error(name, "", "has an empty part between '__'", f"rename or unset {name}")
        _check_path(name, path)
        value = _parse_value(name, env[name], path)
        node = data
        for part in path[:-1]:
            existing = node.get(part)
            if not isinstance(existing, dict):
                existing = node[part] = {}
            node = existing
        node[path[-1]] = value
        key = ".".join(path)
        for leaf in [key, *leaves(value, key)]:
            labels[leaf] = f"env {name}"
            where[leaf] = _where(name)
    return Layer(label="env", data=data, where="environment", key_labels=labels, key_where=where)

"""Checks on merged settings, and translation of pydantic errors into ``ConfigProblem`` messages.

Every message names where the offending value came from (file and line, variable, flag), the dotted key and a
fix. Input values are quoted only through ``safe_repr`` so that a key pasted in the wrong place stays masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from tierwise.config.errors import ConfigProblem, did_you_mean
from tierwise.config.keys import dotted
from tierwise.config.model import DEFAULT_TIER_NAMES
from tierwise.config.secrets import looks_like_secret, safe_repr

WhereFor = Callable[[str], str]

_ENV_WHERE = "environment variable "
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _unknown_tier(where_for: WhereFor, key: str, tier: Any, known: list[str]) -> ConfigProblem:
    shown = safe_repr(tier)
    hint = did_you_mean(tier, known) if isinstance(tier, str) else ""
    fix_define = f", or define [tiers.{tier}] with a model" if isinstance(tier, str) and _VAR_NAME.match(tier) else ""
    return ConfigProblem(
        where_for(key), key, f"unknown tier {shown}{hint}; known tiers: {', '.join(known)}",
        f"use one of the known tiers{fix_define}",
    )


def _check_key_var(where_for: WhereFor, key: str, value: Any) -> ConfigProblem | None:
    if not isinstance(value, str) or _VAR_NAME.match(value):
        return None
    if looks_like_secret(value):
        return ConfigProblem(
            where_for(key), key, "holds what looks like an API key itself (not shown); it must be a variable NAME",
            "remove the key from the file, export it (e.g. export ANTHROPIC_API_KEY=...) and write the "
            "variable's name here, e.g. api_key_env = \"ANTHROPIC_API_KEY\"",
        )
    return ConfigProblem(
        where_for(key), key, f"{safe_repr(value)} is not an environment variable name",
        "write the name of the variable that holds the key, e.g. api_key_env = \"OPENAI_API_KEY\"",
    )


def reference_problems(data: dict[str, Any], where_for: WhereFor) -> list[ConfigProblem]:
    """Tier names used by routes, ``frontier_tier`` and ``tier_order`` must exist; key variables must be names."""
    tiers = data.get("tiers", {})
    tier_names = list(tiers) if isinstance(tiers, dict) else []
    known = sorted(set(DEFAULT_TIER_NAMES) | set(tier_names))
    problems: list[ConfigProblem] = []
    routes = data.get("routes", {})
    if isinstance(routes, dict):
        for action, route in routes.items():
            ladder = route.get("tiers") if isinstance(route, dict) else None
            if isinstance(ladder, list):
                problems.extend(
                    _unknown_tier(where_for, f"routes.{action}.tiers", t, known) for t in ladder if t not in known
                )
    frontier = data.get("frontier_tier")
    if isinstance(frontier, str) and frontier not in known:
        problems.append(_unknown_tier(where_for, "frontier_tier", frontier, known))
    order = data.get("tier_order")
    if isinstance(order, list):
        problems.extend(_unknown_tier(where_for, "tier_order", t, known) for t in order if t not in known)
    if isinstance(tiers, dict):
        for name, tier in tiers.items():
            if not isinstance(tier, dict):
                continue
            found = _check_key_var(where_for, f"tiers.{name}.api_key_env", tier.get("api_key_env"))
            if found:
                problems.append(found)
            fallbacks = tier.get("fallbacks")
            for index, fallback in enumerate(fallbacks if isinstance(fallbacks, list) else []):
                if isinstance(fallback, dict):
                    found = _check_key_var(
                        where_for, f"tiers.{name}.fallbacks[{index}].api_key_env", fallback.get("api_key_env")
                    )
                    if found:
                        problems.append(found)
    return problems


_KIND_WORDS = {
    "float_parsing": ("a number", "write a number such as 2.5 (without quotes in TOML)"),
    "float_type": ("a number", "write a number such as 2.5 (without quotes in TOML)"),
    "int_parsing": ("a whole number", "write a whole number such as 3"),
    "int_type": ("a whole number", "write a whole number such as 3"),
    "int_from_float": ("a whole number", "write a whole number such as 3"),
    "bool_parsing": ("true or false", "write true or false"),
    "bool_type": ("true or false", "write true or false"),
    "string_type": ("text", 'write a quoted string such as "anthropic/claude-sonnet-4-5"'),
    "list_type": ("a list", 'write a list such as ["light", "mid"]'),
    "dict_type": ("a table", "write it as a [table] or an inline table { key = value }"),
    "model_type": ("a table", "write it as a [table], an inline table, or (for routes) a tier name or list"),
    "model_attributes_type": ("a table", "write it as a [table] or an inline table { key = value }"),
}


def _one_error(error: dict[str, Any], where_for: WhereFor) -> ConfigProblem:
    loc = tuple(error.get("loc", ()))
    key = dotted(loc)
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    got = safe_repr(error.get("input"))
    where = where_for(key) if key else "configuration"
    if kind in _KIND_WORDS:
        expected, fix = _KIND_WORDS[kind]
        if where.startswith(_ENV_WHERE):
            extra = " (comma-separated, or JSON)" if kind == "list_type" else ""
            fix = f"set {where.removeprefix(_ENV_WHERE)} to {expected}{extra}"
        return ConfigProblem(where, key, f"expected {expected}, got {got}", fix)
    if kind == "greater_than_equal":
        bound = ctx.get("ge")
        if bound == 0:
            extra = ", or remove the key for the default" if key.startswith("budget.") else ""
            return ConfigProblem(where, key, f"must not be negative (got {got})", f"use 0 or more{extra}")
        return ConfigProblem(where, key, f"must be at least {bound} (got {got})", f"use {bound} or more")
    if kind == "greater_than":
        bound = ctx.get("gt")
        return ConfigProblem(where, key, f"must be greater than {bound} (got {got})", f"use a value above {bound}")
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return ConfigProblem(where, key, f"must be at most {bound} (got {got})", f"use a value up to {bound}")
    if kind == "too_short":
        if loc[:1] == ("routes",):
            return ConfigProblem(where, key, "the route names no tier", 'name at least one tier, e.g. fix = ["light", "mid"]')
        return ConfigProblem(where, key, "must not be empty", "give at least one item")
    if kind == "missing":
        parent, last = dotted(loc[:-1]), loc[-1] if loc else ""
        return ConfigProblem(where_for(parent) if parent else where, key, "required key is missing",
                             f"add {last} = ... under {parent or 'the top level'}")
    if kind == "extra_forbidden":
        return ConfigProblem(where, key, "unknown key", "remove it (see docs/configuration.md for every key)")
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return ConfigProblem(where, key, message, "see docs/configuration.md")


def translate_validation_error(err: ValidationError, where_for: WhereFor) -> list[ConfigProblem]:
    """One ``ConfigProblem`` per pydantic error, deduplicated, in pydantic's order."""
    seen: set[tuple[str, str]] = set()
    problems: list[ConfigProblem] = []
    for error in err.errors(include_url=False):
        problem = _one_error(dict(error), where_for)
        if (problem.key, problem.problem) not in seen:
            seen.add((problem.key, problem.problem))
            problems.append(problem)
    return problems

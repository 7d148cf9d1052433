"""Configuration layers and their deep merge, tracking which layer set each key.

A layer is a plain nested dict plus where it came from. Layers merge lowest first; tables merge key by key,
everything else (strings, numbers, lists) is replaced whole. One exception keeps providers from mixing: when a
layer sets a tier's ``model``, the model-bound keys of that tier from the layers below (endpoint, key variable,
price, context window, ``local``, fallbacks, temperature) are dropped, so an Anthropic model never inherits an
Ollama ``api_base`` from the environment defaults.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_BOUND_KEYS: frozenset[str] = frozenset(
    {"api_base", "api_key_env", "price", "context_window", "local", "fallbacks", "temperature"}
)


@dataclass
class Layer:
    """One source of settings."""

    label: str  # source label shown by `config show`, e.g. ".tierwise.toml"
    data: dict[str, Any]
    where: str  # how error messages name the place: a file path, "flag", ...
    path: Path | None = None
    text: str | None = None
    key_labels: dict[str, str] = field(default_factory=dict)  # dotted key → label (per-variable labels)
    key_where: dict[str, str] = field(default_factory=dict)  # dotted key → where
    line_of: Callable[[str, str], int | None] | None = None

    def label_for(self, key: str) -> str:
        return nearest_ancestor(self.key_labels, key) or self.label

    def where_for(self, key: str) -> str:
        found = nearest_ancestor(self.key_where, key)
        if found:
            return found
        if self.text is not None and self.line_of is not None:
            line = self.line_of(self.text, key)
            if line is not None:
                return f"{self.where}, line {line}"
        return self.where


def nearest_ancestor(table: Mapping[str, str], key: str) -> str | None:
    """The entry for ``key`` itself or, failing that, for its nearest ancestor (``a.b[0].c`` → ``a.b[0]`` →
    ``a.b`` → ``a``); None when neither the key nor any ancestor is in ``table``."""
    probe = key
    while probe:
        if probe in table:
            return table[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return None


def join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def leaves(value: Any, prefix: str) -> list[str]:
    """Dotted keys of the non-table values inside ``value`` (a non-empty table contributes its leaves)."""
    if isinstance(value, dict) and value:
        out: list[str] = []
        for key, child in value.items():
            out.extend(leaves(child, join(prefix, key)))
        return out
    return [prefix]


def _forget(sources: dict[str, str], key: str) -> None:
    for known in [k for k in sources if k == key or k.startswith(key + ".") or k.startswith(key + "[")]:
        del sources[known]


def _deep_merge(target: dict[str, Any], upper: dict[str, Any], prefix: str, sources: dict[str, str], layer: Layer) -> None:
    for key, value in upper.items():
        path = join(prefix, key)
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value, path, sources, layer)
            continue
        target[key] = copy.deepcopy(value)
        _forget(sources, path)
        for leaf in leaves(value, path):
            sources[leaf] = layer.label_for(leaf)


def _reset_overridden_tiers(target: dict[str, Any], upper: dict[str, Any], sources: dict[str, str]) -> None:
    tiers, below = upper.get("tiers"), target.get("tiers")
    if not isinstance(tiers, dict) or not isinstance(below, dict):
        return
    for name, tier in tiers.items():
        old = below.get(name)
        if isinstance(tier, dict) and "model" in tier and isinstance(old, dict):
            for key in MODEL_BOUND_KEYS & set(old):
                del old[key]
                _forget(sources, f"tiers.{name}.{key}")


def merge_layers(layers: Sequence[Layer]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge ``layers`` (lowest precedence first) into one dict and a map of dotted leaf key → source label."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for layer in layers:
        _reset_overridden_tiers(merged, layer.data, sources)
        _deep_merge(merged, layer.data, "", sources, layer)
    return merged, sources


def normalize(data: dict[str, Any]) -> dict[str, Any]:
    """Spell shorthand the same way in every layer so that layers merge key by key: a route given as a tier
    name or a list of tier names becomes ``{"tiers": [...]}``."""
    routes = data.get("routes")
    if isinstance(routes, dict):
        for action, route in list(routes.items()):
            if isinstance(route, str):
                routes[action] = {"tiers": [route]}
            elif isinstance(route, list):
                routes[action] = {"tiers": route}
    return data


def expand_dotted(data: dict[str, Any]) -> dict[str, Any]:
    """``{"budget.per_task_usd": 2}`` → ``{"budget": {"per_task_usd": 2}}``; nested dicts are kept and merged.
    ``None`` values are dropped: for a command-line flag, None means "not given"."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            value = expand_dotted(value)
            if not value:
                continue
        parts = str(key).split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"override {key!r} conflicts with another override")
        last = parts[-1]
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            _plain_merge(node[last], value)
        else:
            node[last] = value
    return out


def _plain_merge(target: dict[str, Any], upper: dict[str, Any]) -> None:
    for key, value in upper.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _plain_merge(target[key], value)
        else:
            target[key] = value

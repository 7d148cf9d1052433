"""Configuration sources of one LSP session, merged over the workspace's ``.tierwise.toml``.

Precedence (later wins): ``.tierwise.toml`` < ``initializationOptions`` < ``workspace/didChangeConfiguration``
settings < ``workspace/configuration`` (section ``tierwise``). Each source may hold the settings directly or
under a ``tierwise`` key. The ``lsp`` sub-section holds options of this server only and never reaches the
config loader:

- ``lsp.writeThrough`` (bool, default true): save an edit applied in the editor to disk when the disk still
  held the text tierwise started from, so tests run on what the editor shows;
- ``lsp.warmUp`` (bool, default true): import the model stack right after ``initialized`` (else on first use).
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

SECTION = "tierwise"
LSP_KEY = "lsp"


def section_of(value: Any) -> dict[str, Any]:
    """The tierwise settings inside a settings object (``{"tierwise": {...}}`` or the object itself)."""
    if not isinstance(value, dict):
        return {}
    inner = value.get(SECTION)
    if isinstance(inner, dict):
        return inner
    return {} if SECTION in value else value


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into a copy of ``base``: nested dicts merge, anything else replaces; None is ignored."""
    merged = deepcopy(base)
    for key, value in over.items():
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = deepcopy(value)
    return merged


@dataclass
class LspOptions:
    write_through: bool = True
    warm_up: bool = True

    @classmethod
    def parse(cls, raw: Any) -> tuple[LspOptions, list[str]]:
        """Options and the problems found (unknown keys, wrong types); bad values keep their default."""
        options, problems = cls(), []
        if raw is None:
            return options, problems
        if not isinstance(raw, dict):
            return options, [f"tierwise.lsp must be an object, got {type(raw).__name__}"]
        names = {"writeThrough": "write_through", "warmUp": "warm_up"}
        for key, value in raw.items():
            if key not in names:
                problems.append(f"tierwise.lsp.{key} is not a known option ({', '.join(names)})")
            elif not isinstance(value, bool):
                problems.append(f"tierwise.lsp.{key} must be true or false, got {value!r}")
            else:
                setattr(options, names[key], value)
        return options, problems


@dataclass
class SettingsSources:
    init_options: dict[str, Any] = field(default_factory=dict)
    pushed: dict[str, Any] = field(default_factory=dict)
    pulled: dict[str, Any] = field(default_factory=dict)

    def merged(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for source in (self.init_options, self.pushed, self.pulled):
            merged = deep_merge(merged, source)
        return merged

    def config_overrides(self) -> dict[str, Any]:
        """What goes to ``load_config(root, overrides=...)``: everything except the ``lsp`` section."""
        return {k: v for k, v in self.merged().items() if k != LSP_KEY}

    def lsp_options(self) -> tuple[LspOptions, list[str]]:
        return LspOptions.parse(self.merged().get(LSP_KEY))

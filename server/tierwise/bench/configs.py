"""Benchmark configurations: named routing tables compared side by side.

A configurations file (TOML)::

    [base]                       # optional: settings shared by every configuration
    budget = { per_task_usd = 0.5 }

    [configs.default]
    description = "plan frontier, implement mid, fix light -> mid -> frontier"

    [configs.all-frontier]
    routes = { plan = "frontier", refine = "frontier", implement = "frontier", fix = "frontier", review = "frontier" }
    # any other tierwise config key: tiers, budget, loop, escalate_after, tier_order, ...
    # phases = ["plan", "implement", "fix"]   (default: what `tierwise run` runs)

    [scripted]                   # optional: how --scripted maps tiers to replay behaviours and prices
    behaviours = { frontier = "strong", mid = "strong", light = "weak", local = "weak" }

Each configuration is a partial tierwise configuration laid over ``[base]`` and, for real runs, over the
project's own configuration (its tiers, models and keys); keys are validated by the same ``Config`` model.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tierwise.bench.tomlio import read_toml, validation_summary
from tierwise.config.model import Config
from tierwise.engine.state import LOOP_PHASES

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PHASES: tuple[str, ...] = LOOP_PHASES
_META_KEYS = {"description", "phases"}

DEFAULT_BEHAVIOURS: dict[str, str] = {"frontier": "strong", "mid": "strong", "light": "weak", "local": "weak"}
"""Scripted mode: which behaviour of a task's replay script each tier's model answers from."""

DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "frontier": (15.0, 75.0),
    "mid": (3.0, 15.0),
    "light": (0.25, 1.25),
    "local": (0.0, 0.0),
}
"""Scripted mode: USD per million tokens (input, output) per tier, like the real price classes."""


class ConfigsError(ValueError):
    """The configurations file is missing or invalid; the message names the file, the key and the fix."""


class BenchConfig(BaseModel):
    """One named configuration: a partial tierwise configuration plus the phases to run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    settings: dict[str, Any] = Field(default_factory=dict, description="Partial tierwise config over the base.")
    phases: list[str] | None = Field(default=None, description="Phases to run; None: as `tierwise run`.")

    @field_validator("phases")
    @classmethod
    def _known_phases(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            unknown = [phase for phase in value if phase not in PHASES]
            if unknown:
                raise ValueError(f"unknown phase(s) {', '.join(unknown)}; known: {', '.join(PHASES)}")
        return value

    def resolve(
        self,
        base: Mapping[str, Any],
        scripted_tiers: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Config:
        """The full ``Config``: ``base`` (project config as a dict) <- this config <- ``overrides`` (the task's
        test command), with every tier replaced by ``scripted_tiers`` in scripted mode."""
        merged = deep_merge(base, self.settings)
        if overrides:
            merged = deep_merge(merged, overrides)
        if scripted_tiers is not None:
            own = merged.get("tiers") or {}
            merged["tiers"] = {
                name: {**_call_settings(own.get(name)), **copy.deepcopy(dict(entry))}
                for name, entry in scripted_tiers.items()
            }
        return Config.model_validate(merged)

    def tier_names(self, base: Mapping[str, Any]) -> list[str]:
        return list(self.resolve(base).tiers)


def _call_settings(tier: Any) -> dict[str, Any]:
    """What a configuration may set on a tier that scripted mode keeps (not the model or its endpoint)."""
    if not isinstance(tier, Mapping):
        return {}
    return {key: tier[key] for key in ("max_tokens", "temperature", "context_window") if key in tier}


class ScriptedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    behaviours: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_BEHAVIOURS))
    prices: dict[str, tuple[float, float]] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    cached_input_ratio: float = Field(
        default=0.1, ge=0, le=1, description="Cached input price as a share of the input price (OpenAI-like)."
    )
    caching: Literal["auto", "openai", "anthropic", "off"] = Field(
        default="auto", description="How the replay server caches prompts (docs/replay.md); off: no caching."
    )
    cache_write_ratio: float | None = Field(
        default=None, ge=0, description="Cache-write price as a share of the input price (Anthropic: 1.25); set, "
        "the tiers are explicit-caching models: the gateway sends breakpoints, `auto` caches Anthropic-style."
    )

    def behaviour(self, tier: str) -> str:
        return self.behaviours.get(tier, "weak")

    def tiers(self, names: list[str], api_base: str, key_env: str) -> dict[str, dict[str, Any]]:
        """Tier settings pointing every tier at the replay server as model ``replay-<tier>``."""
        tiers: dict[str, dict[str, Any]] = {}
        for name in names:
            inp, out = self.prices.get(name, (0.0, 0.0))
            entry: dict[str, Any] = {
                "model": f"openai/{replay_model(name)}",
                "api_base": api_base,
                "api_key_env": key_env,
                "price": {
                    "input_per_mtok": inp,
                    "output_per_mtok": out,
                    "cached_input_per_mtok": round(inp * self.cached_input_ratio, 9),
                },
            }
            if self.cache_write_ratio is not None:
                entry["price"]["cache_write_per_mtok"] = round(inp * self.cache_write_ratio, 9)
            if name == "local":
                entry["local"] = True
            tiers[name] = entry
        return tiers


class ConfigSet(BaseModel):
    """Everything a configurations file holds."""

    model_config = ConfigDict(frozen=True)

    file: Path | None = None
    base: dict[str, Any] = Field(default_factory=dict)
    configs: list[BenchConfig]
    scripted: ScriptedSettings = Field(default_factory=ScriptedSettings)

    def select(self, names: list[str] | None) -> list[BenchConfig]:
        if not names:
            return list(self.configs)
        known = [config.name for config in self.configs]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ConfigsError(f"{self.file}: no configuration named {', '.join(unknown)}; known: {', '.join(known)}")
        return [config for config in self.configs if config.name in names]


def replay_model(tier: str) -> str:
    """The model name a tier uses against the replay server in scripted mode."""
    return f"replay-{tier}"


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge key by key, everything else (lists, routes' ladders) replaces."""
    out: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _errors(err: ValidationError) -> str:
    return validation_summary(err, "(top)")


def parse_configs(data: Mapping[str, Any], *, file: Path | None = None) -> ConfigSet:
    """Validate a configurations document; every configuration must resolve to a valid ``Config``."""
    where = str(file) if file else "configurations"
    unknown = sorted(set(data) - {"base", "configs", "scripted"})
    if unknown:
        raise ConfigsError(f"{where}: unknown top-level key(s) {', '.join(unknown)}; use [base], [configs.NAME], [scripted]")
    raw_configs = data.get("configs")
    if not isinstance(raw_configs, Mapping) or not raw_configs:
        raise ConfigsError(f"{where}: no configurations; add at least one [configs.NAME] table")
    base = data.get("base", {})
    if not isinstance(base, Mapping):
        raise ConfigsError(f"{where}: [base] must be a table of tierwise settings")
    try:
        scripted = ScriptedSettings.model_validate(_scripted_doc(data.get("scripted", {})))
    except ValidationError as err:
        raise ConfigsError(f"{where}: [scripted] {_errors(err)}") from None
    configs = []
    for name, body in raw_configs.items():
        configs.append(_parse_one(where, str(name), body, base))
    return ConfigSet(file=file, base=dict(base), configs=configs, scripted=scripted)


def _scripted_doc(raw: Any) -> Any:
    if isinstance(raw, Mapping) and isinstance(raw.get("prices"), Mapping):
        prices = {}
        for tier, value in raw["prices"].items():
            if isinstance(value, Mapping):
                value = (value.get("input_per_mtok"), value.get("output_per_mtok"))
            prices[tier] = value
        return {**raw, "prices": prices}
    return raw


def _parse_one(where: str, name: str, body: Any, base: Mapping[str, Any]) -> BenchConfig:
    if not _NAME.match(name):
        raise ConfigsError(f"{where}: configuration name {name!r} must be letters, digits, '.', '_' or '-'")
    if not isinstance(body, Mapping):
        raise ConfigsError(f"{where}: configs.{name} must be a table")
    meta = {key: body[key] for key in _META_KEYS if key in body}
    settings = {key: value for key, value in body.items() if key not in _META_KEYS}
    try:
        config = BenchConfig.model_validate({"name": name, "settings": settings, **meta})
    except ValidationError as err:
        raise ConfigsError(f"{where}: configs.{name}: {_errors(err)}") from None
    try:
        config.resolve(base)
    except ValidationError as err:
        raise ConfigsError(f"{where}: configs.{name}: {_errors(err)}; see `tierwise config` for valid keys") from None
    return config


def load_configs(file: Path) -> ConfigSet:
    """Read and validate a configurations file."""
    data = read_toml(file, ConfigsError, missing="no such configurations file; see bench/configs/ for examples")
    return parse_configs(data, file=file)

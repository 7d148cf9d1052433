"""Configuration helpers for pointing tierwise's tiers at a replay server (tests, demo, benchmarks)."""

from __future__ import annotations

from typing import Any

TEST_KEY_ENV = "TIERWISE_TEST_KEY"
TEST_KEY = "sk-tierwise-TEST-9f8e7d6c5b4a"
"""A recognisable fake API key for tests: they grep ledgers, logs and errors for it."""
REPLAY_PRICES: dict[str, dict[str, float]] = {
    "frontier": {"input_per_mtok": 15, "output_per_mtok": 75, "cached_input_per_mtok": 1.5},
    "mid": {"input_per_mtok": 3, "output_per_mtok": 15, "cached_input_per_mtok": 0.3},
    "light": {"input_per_mtok": 0.25, "output_per_mtok": 1.25, "cached_input_per_mtok": 0.025},
}
"""Replay tiers cache like OpenAI (implicit prefix caching, cached input at a tenth of the input price)."""


def replay_model(tier: str) -> str:
    """The litellm model string of a replay tier; the server sees it without the ``openai/`` prefix."""
    return f"openai/replay-{tier}"


def replay_tier_config(url: str, *, key_env: str = TEST_KEY_ENV, **overrides: Any) -> dict[str, Any]:
    """A ``Config`` dict whose four built-in tiers all point at the replay server ``url``:
    frontier $15/$75, mid $3/$15, light $0.25/$1.25 per Mtok (cached input a tenth of input), and a free
    ``local`` tier.
    Top-level ``overrides`` (``budget=...``, ``gateway=...``, ``routes=...``) are merged in."""
    tiers: dict[str, Any] = {
        name: {"model": replay_model(name), "api_base": url, "api_key_env": key_env, "price": price}
        for name, price in REPLAY_PRICES.items()
    }
    tiers["local"] = {"model": replay_model("local"), "api_base": url, "local": True}
    config: dict[str, Any] = {"tiers": tiers}
    for key, value in overrides.items():
        if key == "tiers":
            for name, tier in value.items():
                config["tiers"][name] = {**config["tiers"].get(name, {}), **tier}
        else:
            config[key] = value
    return config

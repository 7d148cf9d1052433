"""Provider defaults from the environment: families per key, the preference order, OpenAI-compatible servers."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path

import pytest

from tierwise.config.defaults import (
    OPENROUTER_PRICE_KEYS,
    PROVIDER_KEY_VARS,
    PROVIDER_TIERS,
    is_local_url,
    provider_defaults,
)
from tierwise.config.loader import load_config, resolve_config


@cache
def price_map() -> dict:
    """The pinned litellm price map, read as JSON (litellm itself is not imported)."""
    spec = importlib.util.find_spec("litellm")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "model_prices_and_context_window_backup.json"
    return json.loads(path.read_text(encoding="utf-8"))


def map_entry(model: str) -> dict | None:
    table = price_map()
    if model in table:
        return table[model]
    provider, _, bare = model.partition("/")
    entry = table.get(bare)
    return entry if entry is not None and entry.get("litellm_provider") == provider else None


@pytest.mark.parametrize("variable", [v for v in PROVIDER_KEY_VARS if v != "OPENROUTER_API_KEY"])
def test_each_default_model_is_in_the_pinned_price_map(variable):
    for tier, spec in PROVIDER_TIERS[variable].items():
        entry = map_entry(spec["model"])
        assert entry is not None, f"{variable} {tier}: {spec['model']} is not in litellm's price map"
        assert entry.get("mode") == "chat"
        assert entry["input_cost_per_token"] > 0


def test_openrouter_defaults_carry_the_price_of_the_same_model_in_the_map():
    for tier, spec in PROVIDER_TIERS["OPENROUTER_API_KEY"].items():
        direct = map_entry(spec["model"]) or price_map()[OPENROUTER_PRICE_KEYS[spec["model"]]]
        assert spec["price"]["input_per_mtok"] == pytest.approx(direct["input_cost_per_token"] * 1e6), tier
        assert spec["price"]["output_per_mtok"] == pytest.approx(direct["output_cost_per_token"] * 1e6), tier
        assert spec["context_window"] == direct["max_input_tokens"], tier


def test_families_get_cheaper_down_the_tiers():
    for variable in PROVIDER_KEY_VARS:
        tiers = PROVIDER_TIERS[variable]
        costs = []
        for name in ("frontier", "mid", "light"):
            spec = tiers[name]
            if "price" in spec:
                costs.append(spec["price"]["output_per_mtok"])
            else:
                costs.append(map_entry(spec["model"])["output_cost_per_token"])
        assert costs == sorted(costs, reverse=True) and len(set(costs)) == 3, variable


@pytest.mark.parametrize("variable", PROVIDER_KEY_VARS)
def test_one_key_gives_a_three_tier_family(ws, env, variable):
    env[variable] = "test-key-value-0123456789"
    resolution = resolve_config(ws, env=env)
    config = resolution.config
    for name in ("frontier", "mid", "light"):
        tier = config.tiers[name]
        assert tier.model == PROVIDER_TIERS[variable][name]["model"]
        assert tier.api_key_env == variable
        assert resolution.sources[f"tiers.{name}.model"] == f"environment defaults ({variable})"
    assert config.tiers["local"].model is None
    assert resolution.provider.chosen == variable


def test_gpt5_defaults_use_the_only_temperature_they_accept(ws, env):
    env["OPENAI_API_KEY"] = "sk-test-0123456789abcdef"
    config = load_config(ws, env=env)
    assert {config.tiers[name].temperature for name in ("frontier", "mid", "light")} == {1.0}


def test_preference_order_is_deterministic(ws, env):
    remaining = list(PROVIDER_KEY_VARS)
    for variable in remaining:
        env[variable] = "test-key-value-0123456789"
    while remaining:
        resolution = resolve_config(ws, env=env)
        assert resolution.provider.chosen == remaining[0]
        assert resolution.config.tiers["mid"].api_key_env == remaining[0]
        for other in remaining[1:]:
            assert any(note.startswith(f"{other} is set too; {remaining[0]} was preferred") for note in resolution.notes)
        del env[remaining.pop(0)]
    assert resolve_config(ws, env=env).provider.chosen is None


def test_empty_variables_count_as_unset(env):
    env.update({"ANTHROPIC_API_KEY": "  ", "GEMINI_API_KEY": "test-key"})
    assert provider_defaults(env).chosen == "GEMINI_API_KEY"


def test_openai_compatible_server_points_every_tier(ws, env):
    env.update({"OPENAI_BASE_URL": "http://localhost:11434/v1", "OPENAI_MODEL": "qwen2.5-coder:7b"})
    config = load_config(ws, env=env)
    for name in ("frontier", "mid", "light", "local"):
        tier = config.tiers[name]
        assert (tier.model, tier.api_base, tier.local) == ("openai/qwen2.5-coder:7b", "http://localhost:11434/v1", True)
        assert tier.api_key_env is None  # local servers need no key


def test_openai_compatible_server_with_a_key_and_a_remote_address(ws, env):
    env.update({"OPENAI_BASE_URL": "https://vllm.example.com/v1", "OPENAI_MODEL": "openai/my-model",
                "OPENAI_API_KEY": "sk-test-0123456789abcdef"})
    mid = load_config(ws, env=env).tiers["mid"]
    assert (mid.model, mid.api_key_env, mid.local) == ("openai/my-model", "OPENAI_API_KEY", False)


def test_compatible_server_takes_precedence_over_provider_keys(ws, env):
    env.update({"ANTHROPIC_API_KEY": "sk-ant-test-0123456789", "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1",
                "OPENAI_MODEL": "llama"})
    resolution = resolve_config(ws, env=env)
    assert resolution.provider.chosen == "OPENAI_BASE_URL"
    assert resolution.config.tiers["frontier"].model == "openai/llama"
    assert any("ANTHROPIC_API_KEY is set but OPENAI_BASE_URL" in note for note in resolution.notes)


def test_openai_key_with_base_url_but_no_model_is_the_openai_family_through_that_url(ws, env):
    env.update({"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": "https://proxy.example.com/v1"})
    config = load_config(ws, env=env)
    assert config.tiers["frontier"].model == "openai/gpt-5"
    assert config.tiers["frontier"].api_base == "https://proxy.example.com/v1"
    assert config.tiers["local"].model is None


def test_a_file_tier_replaces_the_default_tier_wholesale(ws, env, put):
    env["OPENROUTER_API_KEY"] = "sk-or-test-0123456789"
    put(ws / ".tierwise.toml", '[tiers.light]\nmodel = "openai/gpt-5-nano"\napi_key_env = "OPENAI_API_KEY"\n')
    light = load_config(ws, env=env).tiers["light"]
    assert (light.price, light.context_window, light.api_key_env) == (None, None, "OPENAI_API_KEY")


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:11434/v1", True),
        ("http://127.0.0.1:8000", True),
        ("http://[::1]:8000/v1", True),
        ("http://192.168.1.20:8000/v1", True),
        ("http://gpu-box.local:8000/v1", True),
        ("http://host.docker.internal:11434", True),
        ("https://api.openai.com/v1", False),
        ("https://8.8.8.8/v1", False),
        ("not a url", False),
    ],
)
def test_is_local_url(url, local):
    assert is_local_url(url) is local


def test_hosted_tier_without_key_variable_gets_the_providers_standard_one(ws, env, put):
    put(ws / ".tierwise.toml",
        '[tiers.mid]\nmodel = "anthropic/claude-sonnet-4-5"\nfallbacks = ["anthropic/claude-haiku-4-5", "gemini/gemini-2.5-flash"]\n'
        '[tiers.light]\nmodel = "openai/qwen"\napi_base = "http://127.0.0.1:1/v1"\n'
        '[tiers.local]\nmodel = "ollama/qwen"\nlocal = true\n'
        '[tiers.frontier]\nmodel = "openai/gpt-5"\napi_key_env = "MY_OPENAI_KEY"\n')
    resolution = resolve_config(ws, env=env)
    tiers = resolution.config.tiers
    assert [d.api_key_env for d in tiers["mid"].deployments()] == ["ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"]
    assert resolution.sources["tiers.mid.api_key_env"] == "default (standard variable ANTHROPIC_API_KEY)"
    assert tiers["light"].api_key_env is None  # a keyless endpoint stays keyless
    assert tiers["local"].api_key_env is None
    assert tiers["frontier"].api_key_env == "MY_OPENAI_KEY"

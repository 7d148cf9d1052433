"""Tier usability, route resolution with fallback to stronger tiers, and pricing from the pinned map."""

from __future__ import annotations

import sys

import pytest

from tierwise.config.model import Config, Deployment, Price
from tierwise.gateway import pricing
from tierwise.gateway.routing import resolve_routes, tier_status, usable_deployments


def _config(**tiers: dict) -> Config:
    return Config.model_validate({"tiers": tiers})


def test_unset_tier_is_unusable_with_reason() -> None:
    status = tier_status(Config(), env={})
    assert list(status) == ["frontier", "mid", "light", "local"]
    assert all(not s.usable for s in status.values())
    assert status["mid"].reason == "no model set"


def test_usability_rules() -> None:
    config = _config(
        frontier={"model": "anthropic/claude-sonnet-4-5", "api_key_env": "FRONT_KEY"},
        mid={"model": "openai/m", "api_base": "http://127.0.0.1:1/v1"},
        light={"model": "openai/l", "api_base": "http://127.0.0.1:1/v1", "api_key_env": "LIGHT_KEY"},
        local={"model": "ollama/llama3", "local": True},
    )
    status = tier_status(config, env={"FRONT_KEY": "sk-secret-value"})
    assert status["frontier"].usable and "FRONT_KEY" in status["frontier"].reason
    assert "sk-secret-value" not in status["frontier"].model_dump_json()
    assert status["mid"].usable and "no key needed" in status["mid"].reason
    assert not status["light"].usable and "$LIGHT_KEY is not set" in status["light"].reason
    assert status["local"].usable


def test_model_without_key_or_base_is_unusable() -> None:
    status = tier_status(_config(mid={"model": "anthropic/claude-haiku-4-5"}), env={})
    assert not status["mid"].usable
    assert "api_key_env" in status["mid"].reason


def test_fallback_deployment_makes_tier_usable() -> None:
    config = _config(
        mid={
            "model": "openai/a",
            "api_key_env": "A_KEY",
            "fallbacks": [{"model": "openai/b", "api_key_env": "B_KEY"}],
        }
    )
    status = tier_status(config, env={"B_KEY": "x"})["mid"]
    assert status.usable and status.usable_models == ["openai/b"]
    assert "fallback openai/b" in status.reason
    assert [d.model for d in usable_deployments(config, "mid", env={"B_KEY": "x"})] == ["openai/b"]


def test_routes_fall_back_to_next_stronger_tier_with_note() -> None:
    config = _config(
        frontier={"model": "openai/f", "api_base": "http://h/v1"},
        mid={"model": "openai/m", "api_base": "http://h/v1"},
    )
    routes = {r.action: r for r in resolve_routes(config, env={})}
    refine = routes["refine"]  # light → mid
    assert refine.ladder == ["light"] and refine.effective == ["mid"]
    assert refine.rungs[0].model == "openai/m"
    assert refine.notes and "'light' is unusable" in refine.notes[0] and "'mid'" in refine.notes[0]
    fix = routes["fix"]  # light, mid, frontier → mid, mid, frontier (deduplicated)
    assert fix.effective == ["mid", "frontier"]
    assert routes["plan"].effective == ["frontier"] and routes["plan"].notes == []
    # local → light (unusable) → mid
    assert routes["summarize"].effective == ["mid"]
    assert routes["fix"].escalate_after == 2


def test_route_with_no_usable_stronger_tier() -> None:
    config = _config(light={"model": "openai/l", "api_base": "http://h/v1"})
    routes = {r.action: r for r in resolve_routes(config, env={})}
    assert routes["plan"].effective == [] and not routes["plan"].usable
    assert "no stronger tier is usable" in routes["plan"].notes[0]
    assert routes["commit_message"].effective == ["light"]


def test_price_from_pinned_litellm_map_without_importing_litellm() -> None:
    had_litellm = "litellm" in sys.modules
    price = pricing.price_for(Deployment(model="openai/gpt-4o-mini"))
    assert price is not None
    assert price.input_per_mtok == pytest.approx(0.15) and price.output_per_mtok == pytest.approx(0.6)
    assert pricing.price_source(Deployment(model="gpt-4o-mini")) == "litellm"
    assert pricing.context_window_for(Deployment(model="anthropic/claude-sonnet-4-5")) == 200_000
    if not had_litellm:
        assert "litellm" not in sys.modules


def test_config_price_and_window_win_and_unknown_is_none() -> None:
    own = Deployment(
        model="openai/replay-mid", price=Price(input_per_mtok=3, output_per_mtok=15), context_window=50
    )
    assert pricing.price_for(own) == Price(input_per_mtok=3, output_per_mtok=15)
    assert pricing.price_source(own) == "config"
    assert pricing.context_window_for(own) == 50
    unknown = Deployment(model="openai/replay-mid")
    assert pricing.price_for(unknown) is None and pricing.price_source(unknown) is None
    assert pricing.context_window_for(unknown) is None
    # a provider prefix that does not own the bare entry does not borrow its price
    assert pricing.price_for(Deployment(model="someproxy/gpt-4o")) is None


def test_cost_arithmetic() -> None:
    price = Price(input_per_mtok=15, output_per_mtok=75)
    assert pricing.cost_usd(price, 1_000_000, 0) == pytest.approx(15)
    assert pricing.cost_usd(price, 1000, 1000) == pytest.approx(0.09)
    assert pricing.cost_usd(None, 10, 10) == 0


def test_the_price_map_parsed_entry_by_entry_equals_json_loads() -> None:
    import json

    path = pricing.litellm_price_map_path()
    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert pricing.parse_object_by_entry(text) == json.loads(text)
    assert pricing.parse_object_by_entry(' { "a" : [1, {"b": null}] , "c":"d" } ') == {"a": [1, {"b": None}], "c": "d"}
    assert pricing.parse_object_by_entry("{}") == {}
    for bad in ("[1]", '{"a" 1}', '{"a": 1,}', '{"a": 1', "", '{1: 2}'):
        with pytest.raises((ValueError, IndexError)):
            pricing.parse_object_by_entry(bad)


def test_the_price_map_text_is_decoded_in_pieces_without_breaking_characters(tmp_path) -> None:
    path = tmp_path / "map.json"
    text = '{"é€😀": "' + "ü€😀" * 1000 + '"}'
    path.write_text(text, encoding="utf-8")
    for piece in (1, 2, 3, 7, 1 << 18):
        assert pricing._read_text_in_pieces(path, piece) == text

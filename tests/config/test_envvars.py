"""The TIERWISE_* variable mapping and value parsing."""

from __future__ import annotations

import pytest

from tierwise.config.envvars import env_layer, env_name
from tierwise.config.loader import load_config, load_config_with_sources


def test_env_name_mapping():
    assert env_name("budget.per_task_usd") == "TIERWISE_BUDGET__PER_TASK_USD"
    assert env_name("tiers.mid.model") == "TIERWISE_TIERS__MID__MODEL"
    assert env_name("escalate_after") == "TIERWISE_ESCALATE_AFTER"


def test_layer_data_and_labels():
    layer = env_layer({"TIERWISE_TIERS__MID__MODEL": "openai/x", "TIERWISE_ROUTES__FIX": "light, mid", "PATH": "/bin"})
    assert layer.data == {"tiers": {"mid": {"model": "openai/x"}}, "routes": {"fix": ["light", "mid"]}}
    assert layer.label_for("tiers.mid.model") == "env TIERWISE_TIERS__MID__MODEL"
    assert layer.where_for("routes.fix.tiers") == "environment variable TIERWISE_ROUTES__FIX"


@pytest.mark.parametrize(
    ("name", "value", "check"),
    [
        ("TIERWISE_TIER_ORDER", "frontier,mid,light,local", lambda c: c.tier_order == ["frontier", "mid", "light", "local"]),
        ("TIERWISE_TIER_ORDER", '["frontier", "mid", "light", "local"]', lambda c: c.tier_order[0] == "frontier"),
        ("TIERWISE_TIERS__MID__FALLBACKS", "openai/a, openai/b", lambda c: [d.model for d in c.tiers["mid"].fallbacks] == ["openai/a", "openai/b"]),
        ("TIERWISE_TIERS__MID__FALLBACKS", '[{"model": "openai/a", "api_base": "http://h/v1"}]', lambda c: c.tiers["mid"].fallbacks[0].api_base == "http://h/v1"),
        ("TIERWISE_BUDGET__PER_TASK_USD", "none", lambda c: c.budget.per_task_usd is None),
        ("TIERWISE_BUDGET__PER_DAY_USD", "", lambda c: c.budget.per_day_usd is None),
        ("TIERWISE_TIERS__LIGHT__LOCAL", "true", lambda c: c.tiers["light"].local is True),
        ("TIERWISE_ROUTES__REVIEW", '{"tiers": ["mid", "frontier"], "escalate_after": 1}', lambda c: c.escalate_after_for("review") == 1),
        ("TIERWISE_LOOP__TEST_COMMAND", "pytest -q -x", lambda c: c.loop.test_command == "pytest -q -x"),
    ],
)
def test_values(ws, env, name, value, check):
    env[name] = value
    assert check(load_config(ws, env=env))


def test_nested_table_from_two_variables(ws, env):
    env["TIERWISE_TIERS__LIGHT__PRICE__INPUT_PER_MTOK"] = "0.5"
    env["TIERWISE_TIERS__LIGHT__PRICE__OUTPUT_PER_MTOK"] = "1"
    price = load_config(ws, env=env).tiers["light"].price
    assert price is not None and (price.input_per_mtok, price.output_per_mtok) == (0.5, 1)


def test_every_variable_is_its_own_source(ws, env):
    env.update({"TIERWISE_TIERS__MID__MODEL": "openai/x", "TIERWISE_TIERS__MID__API_BASE": "http://127.0.0.1:1/v1"})
    _, sources = load_config_with_sources(ws, env=env)
    assert sources["tiers.mid.model"] == "env TIERWISE_TIERS__MID__MODEL"
    assert sources["tiers.mid.api_base"] == "env TIERWISE_TIERS__MID__API_BASE"


def test_new_tier_from_env(ws, env):
    env.update({"TIERWISE_TIERS__FAST__MODEL": "openai/gpt-5-nano", "TIERWISE_ROUTES__QUICKFIX": "fast"})
    config = load_config(ws, env=env)
    assert config.route("quickfix").tiers == ["fast"]

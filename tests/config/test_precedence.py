"""Precedence: flags > TIERWISE_* env > workspace file > user file > provider defaults > built-in defaults."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tierwise.config.loader import load_config, load_config_with_sources, resolve_config

LAYERS = ("provider", "user", "workspace", "env", "flag")  # lowest first


def _setup(layers: tuple[str, ...], ws: Path, home: Path, env: dict[str, str], put) -> dict | None:
    """Each chosen layer sets tiers.mid.model to its own name; returns the overrides dict."""
    overrides = None
    if "provider" in layers:
        env["ANTHROPIC_API_KEY"] = "sk-ant-test-0000000000000000"
    if "user" in layers:
        put(home / ".config/tierwise/config.toml", '[tiers.mid]\nmodel = "openai/user-mid"\n')
    if "workspace" in layers:
        put(ws / ".tierwise.toml", '[tiers.mid]\nmodel = "openai/workspace-mid"\n')
    if "env" in layers:
        env["TIERWISE_TIERS__MID__MODEL"] = "openai/env-mid"
    if "flag" in layers:
        overrides = {"tiers.mid.model": "openai/flag-mid"}
    return overrides


EXPECTED = {
    "provider": ("anthropic/claude-sonnet-4-5", "environment defaults (ANTHROPIC_API_KEY)"),
    "user": ("openai/user-mid", "~/.config/tierwise/config.toml"),
    "workspace": ("openai/workspace-mid", ".tierwise.toml"),
    "env": ("openai/env-mid", "env TIERWISE_TIERS__MID__MODEL"),
    "flag": ("openai/flag-mid", "flag"),
}


@pytest.mark.parametrize(
    "layers",
    [combo for size in range(len(LAYERS) + 1) for combo in itertools.combinations(LAYERS, size)],
    ids=lambda combo: "+".join(combo) or "none",
)
def test_every_layer_beats_the_ones_below(layers, ws, home, env, put):
    overrides = _setup(layers, ws, home, env, put)
    config, sources = load_config_with_sources(ws, overrides=overrides, env=env)
    if not layers:
        assert config.tiers["mid"].model is None
        assert sources["tiers.mid.model"] == "default"
        return
    model, label = EXPECTED[layers[-1]]
    assert config.tiers["mid"].model == model
    assert sources["tiers.mid.model"] == label


def test_builtin_defaults_with_nothing_set(ws, env):
    config, sources = load_config_with_sources(ws, env=env)
    assert config.budget.per_task_usd == 5.0
    assert config.route("fix").tiers == ["light", "mid", "frontier"]
    assert all(tier.model is None for tier in config.tiers.values())
    assert set(sources.values()) == {"default"}


def test_sources_cover_every_leaf_key(ws, env, put):
    put(ws / ".tierwise.toml", '[budget]\nper_task_usd = 1\n')
    config, sources = load_config_with_sources(ws, env=env)
    dumped = config.model_dump(mode="json")
    assert dumped["budget"]["per_task_usd"] == 1
    for key in ("budget.per_task_usd", "budget.per_day_usd", "routes.fix.tiers", "tiers.local.model", "loop.fix_rounds"):
        assert key in sources
    assert sources["budget.per_task_usd"] == ".tierwise.toml"
    assert sources["budget.per_day_usd"] == "default"


def test_tables_merge_key_by_key(ws, home, env, put):
    put(home / ".config/tierwise/config.toml", "[budget]\nper_day_usd = 7\n[loop]\nfix_rounds = 9\n")
    put(ws / ".tierwise.toml", "[budget]\nper_task_usd = 1.5\n")
    env["TIERWISE_LOOP__IMPLEMENT_ROUNDS"] = "5"
    config, sources = load_config_with_sources(ws, env=env, overrides={"loop": {"plan_resends": 3}})
    assert (config.budget.per_task_usd, config.budget.per_day_usd) == (1.5, 7)
    assert (config.loop.fix_rounds, config.loop.implement_rounds, config.loop.plan_resends) == (9, 5, 3)
    assert sources["budget.per_day_usd"] == "~/.config/tierwise/config.toml"
    assert sources["loop.implement_rounds"] == "env TIERWISE_LOOP__IMPLEMENT_ROUNDS"
    assert sources["loop.plan_resends"] == "flag"


def test_xdg_config_home_is_respected(ws, tmp_path, env, put):
    xdg = tmp_path / "xdg"
    put(xdg / "tierwise/config.toml", "escalate_after = 4\n")
    env["XDG_CONFIG_HOME"] = str(xdg)
    config, sources = load_config_with_sources(ws, env=env)
    assert config.escalate_after == 4
    assert sources["escalate_after"] == str(xdg / "tierwise/config.toml")


def test_explicit_user_file(ws, tmp_path, env, put):
    user = put(tmp_path / "elsewhere.toml", "escalate_after = 5\n")
    assert load_config(ws, env=env, user_file=user).escalate_after == 5


def test_pyproject_tool_table_is_used_without_tierwise_toml(ws, env, put):
    put(ws / "pyproject.toml", '[project]\nname = "x"\n\n[tool.tierwise.budget]\nper_task_usd = 0.5\n')
    config, sources = load_config_with_sources(ws, env=env)
    assert config.budget.per_task_usd == 0.5
    assert sources["budget.per_task_usd"] == "pyproject.toml [tool.tierwise]"


def test_tierwise_toml_wins_over_pyproject_and_says_so(ws, env, put):
    put(ws / "pyproject.toml", "[tool.tierwise]\nescalate_after = 9\n[tool.tierwise.budget]\nper_day_usd = 1\n")
    put(ws / ".tierwise.toml", "escalate_after = 3\n")
    resolution = resolve_config(ws, env=env)
    assert resolution.config.escalate_after == 3
    assert resolution.config.budget.per_day_usd == 20.0  # pyproject is not merged, it is ignored
    assert any("pyproject.toml [tool.tierwise] is ignored because .tierwise.toml exists" in n for n in resolution.notes)
    assert [f.status for f in resolution.files if f.label.startswith("pyproject")] == ["ignored"]


def test_pyproject_without_tool_table_is_not_a_source(ws, env, put):
    put(ws / "pyproject.toml", '[project]\nname = "x"\n')
    resolution = resolve_config(ws, env=env)
    assert not [f for f in resolution.files if f.status == "used"]


def test_setting_a_tier_model_drops_the_lower_layers_endpoint(ws, env, put):
    env.update({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "OPENAI_MODEL": "qwen2.5-coder"})
    put(ws / ".tierwise.toml", '[tiers.frontier]\nmodel = "anthropic/claude-opus-4-5"\napi_key_env = "ANTHROPIC_API_KEY"\n')
    config = load_config(ws, env=env)
    frontier = config.tiers["frontier"]
    assert frontier.model == "anthropic/claude-opus-4-5"
    assert frontier.api_base is None and frontier.local is False
    assert config.tiers["mid"].api_base == "http://127.0.0.1:11434/v1"  # tiers without their own setting


def test_tier_settings_that_are_not_model_bound_still_merge(ws, home, env, put):
    put(home / ".config/tierwise/config.toml", "[tiers.mid]\nmax_tokens = 8000\n")
    put(ws / ".tierwise.toml", '[tiers.mid]\nmodel = "openai/gpt-5-mini"\napi_key_env = "OPENAI_API_KEY"\n')
    mid = load_config(ws, env=env).tiers["mid"]
    assert (mid.model, mid.max_tokens) == ("openai/gpt-5-mini", 8000)


def test_route_escalate_after_survives_a_ladder_override(ws, env, put):
    put(ws / ".tierwise.toml", '[routes.fix]\ntiers = ["light", "mid", "frontier"]\nescalate_after = 3\n')
    env["TIERWISE_ROUTES__FIX"] = "light,mid"
    config, sources = load_config_with_sources(ws, env=env)
    assert config.route("fix").tiers == ["light", "mid"]
    assert config.escalate_after_for("fix") == 3
    assert sources["routes.fix.tiers"] == "env TIERWISE_ROUTES__FIX"
    assert sources["routes.fix.escalate_after"] == ".tierwise.toml"


def test_flag_overrides_accept_nested_and_dotted_keys_and_ignore_none(ws, env):
    config = load_config(
        ws,
        env=env,
        overrides={"budget": {"per_task_usd": 2, "per_day_usd": None}, "loop.fix_rounds": 1, "escalate_after": None},
    )
    assert (config.budget.per_task_usd, config.budget.per_day_usd) == (2, 20.0)
    assert (config.loop.fix_rounds, config.escalate_after) == (1, 2)


def test_process_environment_is_the_default(ws, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("TIERWISE_ESCALATE_AFTER", "7")
    assert load_config(ws).escalate_after == 7


def test_inf_in_a_file_removes_a_ceiling_and_none_in_env_too(ws, env, put):
    put(ws / ".tierwise.toml", "[budget]\nper_task_usd = inf\n")
    env["TIERWISE_BUDGET__PER_DAY_USD"] = "none"
    config = load_config(ws, env=env)
    assert (config.budget.per_task_usd, config.budget.per_day_usd) == (None, None)

"""Every configuration error names where (file and line, or variable), the key, and the fix."""

from __future__ import annotations

import pytest

from tierwise.config.loader import ConfigError, load_config

SECRET = "sk-test-SECRET123456"


def _error(ws, env, **kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(ws, env=env, **kwargs)
    message = str(caught.value)
    assert "Traceback" not in message and "validation error for" not in message  # not pydantic's text
    assert caught.value.__suppress_context__ or caught.value.__cause__ is None
    return message


def test_bad_toml_names_file_line_and_column(ws, env, put):
    path = put(ws / ".tierwise.toml", "[budget]\nper_task_usd = = 2\n")
    message = _error(ws, env)
    assert f"{path}, line 2, column" in message
    assert "invalid TOML" in message and "fix:" in message


def test_bad_toml_in_user_file_and_pyproject(ws, home, env, put):
    user = put(home / ".config/tierwise/config.toml", "[tiers\n")
    assert f"{user}, line 1" in _error(ws, env)
    user.unlink()
    pyproject = put(ws / "pyproject.toml", '[tool.tierwise]\nescalate_after = "\n')
    assert f"{pyproject}, line 2" in _error(ws, env)


def test_unknown_key_names_file_line_key_and_suggestion(ws, env, put):
    path = put(ws / ".tierwise.toml", "[budget]\nper_task_usd = 1\nper_dya_usd = 3\n")
    message = _error(ws, env)
    assert f"{path}, line 3: budget.per_dya_usd: unknown key 'per_dya_usd' (did you mean 'per_day_usd'?)" in message
    assert "fix: use one of: per_task_usd, per_day_usd" in message


def test_unknown_key_in_a_tier_and_in_a_fallback(ws, env, put):
    put(ws / ".tierwise.toml", '[tiers.mid]\nmodle = "x"\nfallbacks = [{model = "a", api_bse = "b"}]\n')
    message = _error(ws, env)
    assert "tiers.mid.modle: unknown key 'modle' (did you mean 'model'?)" in message
    assert "tiers.mid.fallbacks[0].api_bse: unknown key 'api_bse' (did you mean 'api_base'?)" in message
    assert "2 problems" in message


def test_unknown_top_level_key(ws, env, put):
    path = put(ws / ".tierwise.toml", "\n\n[budgett]\nper_task_usd = 1\n")
    message = _error(ws, env)
    assert f"{path}, line 3: budgett: unknown key 'budgett' (did you mean 'budget'?)" in message


def test_unknown_action_in_routes(ws, env, put):
    put(ws / ".tierwise.toml", '[routes]\nfixx = "light"\n')
    message = _error(ws, env)
    assert "routes.fixx: unknown action 'fixx' (did you mean 'fix'?)" in message
    assert "quickfix" in message  # the fix lists the known actions


def test_unknown_tier_in_route_names_file_key_and_known_tiers(ws, env, put):
    path = put(ws / ".tierwise.toml", '[routes]\nplan = "frontier"\nfix = ["light", "mdi"]\n')
    message = _error(ws, env)
    assert f"{path}, line 3: routes.fix.tiers: unknown tier 'mdi' (did you mean 'mid'?)" in message
    assert "known tiers: frontier, light, local, mid" in message
    assert "fix: use one of the known tiers, or define [tiers.mdi] with a model" in message


def test_user_defined_tiers_are_known(ws, env, put):
    put(ws / ".tierwise.toml", '[tiers.fast]\nmodel = "openai/gpt-5-nano"\n[routes]\nfix = ["fast", "mid"]\n')
    config = load_config(ws, env=env)
    assert config.route("fix").tiers == ["fast", "mid"] and "fast" in config.tier_order


def test_unknown_tier_in_frontier_tier_and_tier_order(ws, env, put):
    put(ws / ".tierwise.toml", 'frontier_tier = "frontir"\ntier_order = ["frontier", "fast"]\n')
    message = _error(ws, env)
    assert "frontier_tier: unknown tier 'frontir' (did you mean 'frontier'?)" in message
    assert "tier_order: unknown tier 'fast'" in message


def test_negative_budget(ws, env, put):
    path = put(ws / ".tierwise.toml", "[budget]\nper_task_usd = -1\n")
    message = _error(ws, env)
    assert f"{path}, line 2: budget.per_task_usd: must not be negative (got -1)" in message
    assert "fix: use 0 or more, or remove the key for the default" in message


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ('[tiers.mid]\nmax_tokens = "lots"\n', "tiers.mid.max_tokens", "expected a whole number, got 'lots'"),
        ('[tiers.mid]\nlocal = "maybe"\n', "tiers.mid.local", "expected true or false, got 'maybe'"),
        ('[budget]\nper_day_usd = "ten"\n', "budget.per_day_usd", "expected a number, got 'ten'"),
        ('tiers = "all"\n', "tiers", "expected a table, got 'all'"),
        ("[routes]\nfix = 5\n", "routes.fix", "expected a table, got 5"),
        ("[tiers.mid]\nmodel = 3\n", "tiers.mid.model", "expected text, got 3"),
        ("[routes]\nfix = []\n", "routes.fix.tiers", "the route names no tier"),
        ("[tiers.mid]\ntemperature = 3\n", "tiers.mid.temperature", "must be at most 2"),
        ("escalate_after = 0\n", "escalate_after", "must be greater than 0"),
    ],
)
def test_wrong_types_and_ranges(ws, env, put, toml, key, expected):
    path = put(ws / ".tierwise.toml", toml)
    message = _error(ws, env)
    assert str(path) in message
    assert f"{key}: {expected}" in message
    assert "fix:" in message


def test_missing_required_key(ws, env, put):
    put(ws / ".tierwise.toml", "[tiers.mid]\nprice = {input_per_mtok = 1}\n")
    message = _error(ws, env)
    assert "tiers.mid.price.output_per_mtok: required key is missing" in message
    assert "fix: add output_per_mtok = ... under tiers.mid.price" in message


def test_a_key_pasted_as_api_key_env_is_refused_and_never_echoed(ws, env, put):
    put(ws / ".tierwise.toml", f'[tiers.mid]\nmodel = "openai/gpt-5-mini"\napi_key_env = "{SECRET}"\n')
    message = _error(ws, env)
    assert "tiers.mid.api_key_env" in message and "must be a variable NAME" in message
    assert "SECRET123456" not in message


def test_a_secret_in_a_wrong_type_is_masked(ws, env, put):
    put(ws / ".tierwise.toml", f'[tiers.mid]\nmax_tokens = "{SECRET}"\n')
    message = _error(ws, env)
    assert "SECRET123456" not in message and "sk-…3456" in message


@pytest.mark.parametrize(
    ("name", "value", "fragments"),
    [
        pytest.param(
            "TIERWISE_BUDGET__PER_TASK_USD", "abc",
            ["environment variable TIERWISE_BUDGET__PER_TASK_USD: budget.per_task_usd: expected a number",
             "fix: set TIERWISE_BUDGET__PER_TASK_USD to a number"],
            id="bad-value-names-the-variable",
        ),
        pytest.param(
            "TIERWISE_BUDGET__PER_DAY_USD", "-3",
            ["environment variable TIERWISE_BUDGET__PER_DAY_USD: budget.per_day_usd: must not be negative"],
            id="negative-budget-names-the-variable",
        ),
        pytest.param(
            "TIERWISE_BUGDET__PER_TASK_USD", "1",
            ["environment variable TIERWISE_BUGDET__PER_TASK_USD", "unknown key 'bugdet' (did you mean 'budget'?)",
             "rename it to TIERWISE_BUDGET__PER_TASK_USD"],
            id="unknown-path-suggests-the-right-name",
        ),
        pytest.param("TIERWISE_TIERS__MID__MODLE", "x", ["rename it to TIERWISE_TIERS__MID__MODEL"],
                     id="unknown-tier-key"),
        pytest.param(
            "TIERWISE_ROUTES__FIX", "light,nope",
            ["environment variable TIERWISE_ROUTES__FIX: routes.fix.tiers: unknown tier 'nope'"],
            id="unknown-tier-in-route",
        ),
        pytest.param("TIERWISE_TIER_ORDER", '["frontier", ',
                     ["environment variable TIERWISE_TIER_ORDER", "not valid JSON"], id="invalid-json"),
        pytest.param("TIERWISE_BUDGET____PER_TASK_USD", "1", ["environment variable TIERWISE_BUDGET____PER_TASK_USD"],
                     id="empty-part-in-name"),
    ],
)
def test_bad_env_variable(ws, env, name, value, fragments):
    env[name] = value
    message = _error(ws, env)
    for fragment in fragments:
        assert fragment in message


def test_bad_flag_value_names_the_flag(ws, env):
    message = _error(ws, env, overrides={"budget.per_task_usd": "lots"})
    assert "command-line flag: budget.per_task_usd: expected a number" in message


def test_unknown_flag_key(ws, env):
    assert "command-line flag: loop.fix_round: unknown key 'fix_round'" in _error(ws, env, overrides={"loop.fix_round": 1})


def test_tool_tierwise_must_be_a_table(ws, env, put):
    path = put(ws / "pyproject.toml", '[tool]\ntierwise = "yes"\n')
    message = _error(ws, env)
    assert f"{path}: tool.tierwise: must be a table" in message


def test_non_utf8_file(ws, env):
    (ws / ".tierwise.toml").write_bytes(b"escalate_after = 2 # \xff\xfe\n")
    assert "not UTF-8" in _error(ws, env)


def test_unrelated_tierwise_variables_are_ignored(ws, env):
    env.update({"TIERWISE_TEST_KEY": SECRET, "TIERWISE_LOG": "debug"})
    assert load_config(ws, env=env).escalate_after == 2


def test_error_lists_every_problem_of_every_layer(ws, env, put):
    put(ws / ".tierwise.toml", "[budget]\nper_tsk_usd = 1\n")
    env["TIERWISE_LOOP__FIX_ROUNDS"] = "2"
    with pytest.raises(ConfigError) as caught:
        load_config(ws, env=env, overrides={"loop.fix_roundz": 1})
    keys = [problem.key for problem in caught.value.problems]
    assert keys == ["budget.per_tsk_usd", "loop.fix_roundz"]


def test_overrides_can_be_labelled_for_editor_settings(ws, env):
    from tierwise.config.loader import load_config_with_sources

    _, sources = load_config_with_sources(ws, env=env, overrides={"escalate_after": 3}, overrides_label="editor settings")
    assert sources["escalate_after"] == "editor settings"
    message = _error(ws, env, overrides={"budget": {"per_task_usd": -2}}, overrides_label="editor settings")
    assert "editor settings: budget.per_task_usd: must not be negative" in message

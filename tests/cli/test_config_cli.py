"""`tierwise config show` and `tierwise config schema`, through click's CliRunner and a real subprocess."""

from __future__ import annotations

import json
import subprocess

import jsonschema
from cli_support import SECRET, TIERWISE, invoke, subprocess_env

ANTHROPIC_SECRET = "sk-ant-SECRETANTHROPIC987654"


REPLAY_TOML = """
[tiers.frontier]
model = "openai/replay-frontier"
api_base = "http://127.0.0.1:9/v1"
api_key_env = "TIERWISE_TEST_KEY"
price = {input_per_mtok = 15, output_per_mtok = 75}

[tiers.mid]
model = "openai/replay-mid"
api_base = "http://127.0.0.1:9/v1?token=SECRET_PLACEHOLDER"
api_key_env = "TIERWISE_TEST_KEY"

[budget]
per_task_usd = 2
""".replace("SECRET_PLACEHOLDER", SECRET)


def test_show_lists_values_and_sources(clean_env, monkeypatch):
    (clean_env / ".tierwise.toml").write_text(REPLAY_TOML)
    monkeypatch.setenv("TIERWISE_TEST_KEY", SECRET)
    monkeypatch.setenv("TIERWISE_LOOP__FIX_ROUNDS", "6")
    result = invoke("config", "show", "--workspace", str(clean_env))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:3] == ["tiers.frontier.model", "openai/replay-frontier", ".tierwise.toml"] for line in lines)
    assert any(line.split()[:3] == ["loop.fix_rounds", "6", "env"] and "TIERWISE_LOOP__FIX_ROUNDS" in line for line in lines)
    assert any(line.split()[:3] == ["loop.plan_resends", "1", "default"] for line in lines)
    assert "TIERWISE_TEST_KEY (set)" in result.stdout
    assert "file: .tierwise.toml (used)" in result.stdout


def test_show_never_prints_a_key(clean_env, monkeypatch):
    (clean_env / ".tierwise.toml").write_text(REPLAY_TOML)
    monkeypatch.setenv("TIERWISE_TEST_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_SECRET)
    for args in (("config", "show"), ("config", "show", "--json")):
        result = invoke(*args, "--workspace", str(clean_env))
        assert result.exit_code == 0
        assert "SECRET123456" not in result.output and "SECRETANTHROPIC" not in result.output
        assert "sk-…3456" in result.output  # the key pasted into api_base is shown masked


def test_show_json_shape(clean_env, monkeypatch):
    (clean_env / ".tierwise.toml").write_text(REPLAY_TOML)
    monkeypatch.setenv("TIERWISE_BUDGET__PER_DAY_USD", "9")
    result = invoke("config", "show", "--json", "--workspace", str(clean_env))
    report = json.loads(result.stdout)
    assert report["workspace"] == str(clean_env.resolve())
    assert report["config"]["budget"] == {"per_task_usd": 2.0, "per_day_usd": 9.0}
    assert report["sources"]["budget.per_task_usd"] == ".tierwise.toml"
    assert report["sources"]["budget.per_day_usd"] == "env TIERWISE_BUDGET__PER_DAY_USD"
    assert report["key_variables"]["TIERWISE_TEST_KEY"] == {"set": False, "used_by": ["frontier", "mid"]}
    assert {row["key"] for row in report["rows"]} >= {"tiers.mid.model", "routes.fix.tiers", "budget.per_task_usd"}
    assert report["provider_defaults"] is None
    assert [f["status"] for f in report["files"] if f["label"] == ".tierwise.toml"] == ["used"]


def test_show_says_when_tierwise_toml_wins_over_pyproject(clean_env):
    (clean_env / ".tierwise.toml").write_text("escalate_after = 3\n")
    (clean_env / "pyproject.toml").write_text("[tool.tierwise]\nescalate_after = 4\n")
    result = invoke("config", "show", "--workspace", str(clean_env))
    assert "pyproject.toml [tool.tierwise] is ignored because .tierwise.toml exists" in result.stdout


def test_show_names_the_provider_defaults(clean_env, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaSyA1234567890abcdefghijkl")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-0123456789abcdef")
    result = invoke("config", "show", "--workspace", str(clean_env))
    assert "provider defaults: from GEMINI_API_KEY" in result.stdout
    assert "environment defaults (GEMINI_API_KEY)" in result.stdout
    assert "OPENROUTER_API_KEY is set too; GEMINI_API_KEY was preferred" in result.stdout
    assert "AIzaSyA1234567890" not in result.stdout


def test_config_error_exits_2_with_the_message_on_stderr(clean_env):
    path = clean_env / ".tierwise.toml"
    path.write_text("[budget]\nper_task_usd = -1\n")
    result = invoke("config", "show", "--workspace", str(clean_env))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path.resolve()}, line 2: budget.per_task_usd: must not be negative" in result.stderr


def test_bad_env_variable_exits_2_naming_it(clean_env, monkeypatch):
    monkeypatch.setenv("TIERWISE_ESCALATE_AFTER", "often")
    result = invoke("config", "show", "--workspace", str(clean_env))
    assert result.exit_code == 2 and "environment variable TIERWISE_ESCALATE_AFTER" in result.stderr


def test_missing_workspace_exits_2(clean_env):
    result = invoke("config", "show", "--workspace", str(clean_env / "nope"))
    assert result.exit_code == 2 and "not a directory" in result.stderr


def test_schema_is_valid_json_schema_with_tiers_and_routes(clean_env):
    result = invoke("config", "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"tiers", "routes", "budget", "gateway", "loop"} <= set(schema["properties"])
    validator = jsonschema.Draft202012Validator(schema)
    good = {"tiers": {"mid": {"model": "openai/x", "fallbacks": ["openai/y", {"model": "openai/z"}]}},
            "routes": {"fix": ["light", "mid"], "plan": "frontier", "review": {"tiers": ["frontier"]}}}
    assert list(validator.iter_errors(good)) == []
    bad = {"routes": {"fixx": "light"}, "tiers": {"mid": {"modle": "x"}}, "budget": {"per_task_usd": -1}}
    assert len(list(validator.iter_errors(bad))) == 3


def test_real_subprocess_show_and_schema(clean_env, tmp_path):
    (clean_env / ".tierwise.toml").write_text(REPLAY_TOML)
    env = subprocess_env(tmp_path / "home", TIERWISE_TEST_KEY=SECRET, ANTHROPIC_API_KEY=ANTHROPIC_SECRET)
    shown = subprocess.run([str(TIERWISE), "config", "show", "--json", "--workspace", str(clean_env)],
                           capture_output=True, text=True, env=env, timeout=60, check=False)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["config"]["tiers"]["frontier"]["price"] == {"input_per_mtok": 15.0, "output_per_mtok": 75.0}
    assert report["key_variables"]["TIERWISE_TEST_KEY"]["set"] is True
    assert "SECRET" not in shown.stdout + shown.stderr
    schema = subprocess.run([str(TIERWISE), "config", "schema"], capture_output=True, text=True, env=env,
                            timeout=60, check=False)
    assert schema.returncode == 0 and "routes" in json.loads(schema.stdout)["properties"]


def test_real_subprocess_config_error(clean_env, tmp_path):
    (clean_env / ".tierwise.toml").write_text("[tiers.mid]\nmodle = 'x'\n")
    result = subprocess.run([str(TIERWISE), "config", "show", "-w", str(clean_env)], capture_output=True, text=True,
                            env=subprocess_env(tmp_path / "home"), timeout=60, check=False)
    assert result.returncode == 2
    assert "tiers.mid.modle: unknown key 'modle' (did you mean 'model'?)" in result.stderr
    assert "Traceback" not in result.stderr

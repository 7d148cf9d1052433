"""`tierwise doctor` and `tierwise routes`: usable tiers, masked keys, routes, prices, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from cli_support import SECRET, TIERWISE, invoke, subprocess_env

REPLAY_TOML = """
[tiers.frontier]
model = "openai/replay-frontier"
api_base = "http://127.0.0.1:9/v1"
api_key_env = "TIERWISE_TEST_KEY"
price = {input_per_mtok = 15, output_per_mtok = 75}

[tiers.mid]
model = "openai/replay-mid"
api_base = "http://127.0.0.1:9/v1"
api_key_env = "TIERWISE_TEST_KEY"
price = {input_per_mtok = 3, output_per_mtok = 15}

[tiers.light]
model = "openai/replay-light"
api_base = "http://127.0.0.1:9/v1"
api_key_env = "TIERWISE_TEST_KEY"
price = {input_per_mtok = 0.25, output_per_mtok = 1.25}

[tiers.local]
model = "openai/replay-local"
api_base = "http://127.0.0.1:9/v1"
local = true
"""


def test_nothing_configured_is_one_clear_message_and_exit_2(clean_env):
    result = invoke("doctor", "--workspace", str(clean_env))
    assert result.exit_code == 2
    assert result.stdout == ""
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY", "OPENAI_BASE_URL",
                 "OPENAI_MODEL"):
        assert name in result.stderr
    assert result.stderr.count("No model tier is usable") == 1


def test_nothing_configured_json_still_reports(clean_env):
    result = invoke("doctor", "--json", "--workspace", str(clean_env))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False and not any(t["usable"] for t in report["tiers"].values())
    assert "ANTHROPIC_API_KEY" in report["problems"][0]


def test_provider_key_gives_usable_tiers_masked_key_and_prices(clean_env, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-" + SECRET)
    result = invoke("doctor", "--workspace", str(clean_env))
    assert result.exit_code == 0, result.output
    assert "SECRET123456" not in result.output
    assert "ANTHROPIC_API_KEY: sk-…3456 (set)" in result.stdout
    assert "ok frontier   anthropic/claude-opus-4-5" in result.stdout
    assert "$3 in / $15 out per Mtok (litellm)" in result.stdout  # sonnet, from the pinned price map
    assert "note: tier 'local' is unusable (no model set); using stronger tier 'light'" in result.stdout


def test_json_shape(clean_env, monkeypatch):
    (clean_env / ".tierwise.toml").write_text(REPLAY_TOML)
    monkeypatch.setenv("TIERWISE_TEST_KEY", SECRET)
    result = invoke("doctor", "--json", "--workspace", str(clean_env))
    assert result.exit_code == 0, result.output
    assert "SECRET123456" not in result.stdout
    report = json.loads(result.stdout)
    assert set(report) >= {"workspace", "ok", "keys", "tiers", "routes", "problems", "notes", "provider_defaults"}
    assert report["ok"] is True and report["problems"] == []
    assert report["keys"]["TIERWISE_TEST_KEY"] == {"set": True, "masked": "sk-…3456"}
    assert report["keys"]["ANTHROPIC_API_KEY"] == {"set": False, "masked": None}
    assert list(report["tiers"]) == ["frontier", "mid", "light", "local"]
    frontier = report["tiers"]["frontier"]
    assert frontier["usable"] is True and frontier["model"] == "openai/replay-frontier"
    assert frontier["deployments"][0]["price_per_mtok"] == {"input_per_mtok": 15.0, "output_per_mtok": 75.0,
                                                            "source": "config"}
    assert report["tiers"]["local"]["local"] is True
    fix = next(route for route in report["routes"] if route["action"] == "fix")
    assert fix["ladder"] == ["light", "mid", "frontier"] and fix["effective"] == ["light", "mid", "frontier"]
    assert fix["rungs"][0] == {"requested": "light", "tier": "light", "model": "openai/replay-light", "note": None}
    assert {route["action"] for route in report["routes"]} >= {"plan", "implement", "review", "commit_message"}


def test_missing_key_variable_falls_back_to_a_stronger_tier(clean_env, monkeypatch):
    (clean_env / ".tierwise.toml").write_text(
        REPLAY_TOML.replace('api_key_env = "TIERWISE_TEST_KEY"\nprice = {input_per_mtok = 0.25',
                            'api_key_env = "TIERWISE_OTHER_KEY"\nprice = {input_per_mtok = 0.25')
    )
    monkeypatch.setenv("TIERWISE_TEST_KEY", SECRET)
    report = json.loads(invoke("doctor", "--json", "-w", str(clean_env)).stdout)
    assert report["tiers"]["light"]["usable"] is False
    assert "$TIERWISE_OTHER_KEY is not set" in report["tiers"]["light"]["reason"]
    quickfix = next(route for route in report["routes"] if route["action"] == "quickfix")
    assert quickfix["effective"] == ["mid"] and "using stronger tier 'mid'" in quickfix["rungs"][0]["note"]


def test_an_action_without_usable_tier_exits_1(clean_env, monkeypatch):
    monkeypatch.setenv("TIERWISE_TIERS__LIGHT__MODEL", "openai/replay-light")
    monkeypatch.setenv("TIERWISE_TIERS__LIGHT__LOCAL", "true")
    result = invoke("doctor", "-w", str(clean_env))
    assert result.exit_code == 1
    assert "problem: action 'plan' has no usable tier" in result.stdout


def test_config_error_exits_2(clean_env):
    (clean_env / ".tierwise.toml").write_text("[routes]\nfix = ['nope']\n")
    for command in ("doctor", "routes"):
        result = invoke(command, "-w", str(clean_env))
        assert result.exit_code == 2 and "routes.fix.tiers: unknown tier 'nope'" in result.stderr


def test_routes_text_and_json(clean_env, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("OPENAI_MODEL", "qwen2.5-coder:7b")
    text = invoke("routes", "-w", str(clean_env))
    assert text.exit_code == 0
    assert any(line.split()[:2] == ["commit_message", "local"] and "local: openai/qwen2.5-coder:7b" in line
               for line in text.stdout.splitlines())
    routes = json.loads(invoke("routes", "--json", "-w", str(clean_env)).stdout)
    plan = next(route for route in routes if route["action"] == "plan")
    assert plan["rungs"] == [{"requested": "frontier", "tier": "frontier", "model": "openai/qwen2.5-coder:7b",
                              "note": None}]


def test_real_subprocess_doctor_masks_and_does_not_import_litellm(clean_env, tmp_path):
    (clean_env / ".tierwise.toml").write_text(REPLAY_TOML)
    env = subprocess_env(tmp_path / "home", TIERWISE_TEST_KEY=SECRET, OPENAI_API_KEY="sk-proj-" + SECRET)
    result = subprocess.run([str(TIERWISE), "doctor", "--json", "-w", str(clean_env)], capture_output=True,
                            text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "SECRET123456" not in result.stdout + result.stderr
    assert json.loads(result.stdout)["keys"]["OPENAI_API_KEY"]["masked"] == "sk-…3456"
    probe = (
        "import sys\n"
        "from tierwise.cli.main import cli\n"
        "try:\n"
        f"    cli(['doctor', '--json', '-w', {str(clean_env)!r}], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LITELLM', 'litellm' in sys.modules)\n"
    )
    probed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60,
                            check=False)
    assert "LITELLM False" in probed.stdout, probed.stderr


def test_real_subprocess_nothing_configured(clean_env, tmp_path):
    result = subprocess.run([str(TIERWISE), "doctor", "-w", str(clean_env)], capture_output=True, text=True,
                            env=subprocess_env(tmp_path / "home"), timeout=60, check=False)
    assert result.returncode == 2
    assert "ANTHROPIC_API_KEY" in result.stderr and result.stdout == ""


def test_a_file_tier_with_the_providers_standard_key_is_usable(clean_env, monkeypatch):
    (clean_env / ".tierwise.toml").write_text('[tiers.mid]\nmodel = "anthropic/claude-sonnet-4-5"\n')
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-" + SECRET)
    report = json.loads(invoke("doctor", "--json", "-w", str(clean_env)).stdout)
    assert report["tiers"]["mid"]["usable"] is True
    assert report["tiers"]["mid"]["reason"] == "key from $ANTHROPIC_API_KEY"


def test_doctor_shows_the_test_command_a_task_would_record_and_whether_it_starts(clean_env, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-" + SECRET)
    (clean_env / ".tierwise.toml").write_text('[loop]\ntest_command = "no-such-test-cmd -q"\n'
                                              '[commands]\nenv_passthrough = ["MYAPP_*"]\n')
    result = invoke("doctor", "--workspace", str(clean_env))
    assert "test: no-such-test-cmd -q (configured) — problem: 'no-such-test-cmd'" in result.stdout
    assert "environment: allow-list + MYAPP_*" in result.stdout
    data = json.loads(invoke("doctor", "--workspace", str(clean_env), "--json").stdout)
    assert data["commands"]["test"]["problem"] and data["commands"]["lint"]["command"] is None


def test_doctor_shows_cooldowns_and_providers_that_ignored_max_tokens(clean_env, monkeypatch):
    from tierwise.gateway.health import DeploymentHealth

    (clean_env / ".tierwise.toml").write_text(REPLAY_TOML)
    monkeypatch.setenv("TIERWISE_TEST_KEY", SECRET)
    health = DeploymentHealth(clean_env, allowed_fails=1, cooldown_time_s=120)
    base = "http://127.0.0.1:9/v1"
    for _ in range(2):
        health.record_failure("openai/replay-light", base, "light", "HTTP 503 (replayed)")
    health.record_overrun("openai/replay-mid", base, "mid", "provider openai/replay-mid ignored max_tokens=64")
    text = invoke("doctor", "-w", str(clean_env))
    assert text.exit_code == 0, text.stdout
    lines = text.stdout.splitlines()
    light = next(line for line in lines if "openai/replay-light (http://127.0.0.1:9/v1): cooling down" in line)
    assert "2 failures within 60 s; last: HTTP 503 (replayed)" in light
    assert any("openai/replay-mid" in line and "ignored max_tokens 1 time(s)" in line for line in lines)
    report = json.loads(invoke("doctor", "--json", "-w", str(clean_env)).stdout)["deployment_health"]
    [cooling] = [item for item in report if item["cooling_down"]]
    assert cooling["tier"] == "light" and 0 < cooling["cooldown_remaining_s"] <= 120
    # and the gateway routes around it meanwhile: the light tier is not usable while it cools
    from tierwise.config.loader import load_config
    from tierwise.gateway.gateway import ModelGateway

    gateway = ModelGateway(load_config(clean_env), clean_env)
    assert not gateway.tier_status()["light"].usable and "cooling down" in gateway.tier_status()["light"].reason

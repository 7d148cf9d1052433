"""``tierwise --set KEY=VALUE``: the command-line layer of the configuration, above every other source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import invoke


def show_json(workspace: Path, *flags: str) -> dict[str, Any]:
    result = invoke(*flags, "config", "show", "--workspace", str(workspace), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_set_beats_environment_and_workspace_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".tierwise.toml").write_text("[budget]\nper_task_usd = 3\n")
    monkeypatch.setenv("TIERWISE_BUDGET__PER_TASK_USD", "2")
    shown = show_json(clean_env, "--set", "budget.per_task_usd=1.5", "--set", "routes.fix=light,mid")
    assert shown["config"]["budget"]["per_task_usd"] == 1.5
    assert shown["config"]["routes"]["fix"]["tiers"] == ["light", "mid"]
    assert shown["sources"]["budget.per_task_usd"] == "flag"
    assert shown["sources"]["routes.fix.tiers"] == "flag"


def test_without_set_the_environment_wins(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".tierwise.toml").write_text("[budget]\nper_task_usd = 3\n")
    monkeypatch.setenv("TIERWISE_BUDGET__PER_TASK_USD", "2")
    shown = show_json(clean_env)
    assert shown["config"]["budget"]["per_task_usd"] == 2
    assert shown["sources"]["budget.per_task_usd"] == "env TIERWISE_BUDGET__PER_TASK_USD"


def test_set_without_equals_is_a_usage_error(clean_env: Path) -> None:
    result = invoke("--set", "budget", "config", "show", "--workspace", str(clean_env))
    assert result.exit_code == 2
    assert "is not KEY=VALUE" in result.output


def test_set_unknown_key_names_the_flag_and_the_fix(clean_env: Path) -> None:
    result = invoke("--set", "budget.per_task=1", "config", "show", "--workspace", str(clean_env))
    assert result.exit_code == 2
    assert "command-line flag" in result.output
    assert "did you mean 'per_task_usd'" in result.output


def test_set_bad_json_names_the_flag(clean_env: Path) -> None:
    result = invoke("--set", "tiers.mid.fallbacks=[oops", "config", "show", "--workspace", str(clean_env))
    assert result.exit_code == 2
    assert "--set tiers.mid.fallbacks" in result.output and "not valid JSON" in result.output

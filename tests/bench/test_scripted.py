"""Scripted mode: behaviours map to replay rules, and phase markers track tierwise's real prompts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tierwise.bench.configs import ScriptedSettings, load_configs
from tierwise.bench.scripted import (
    PHASE_MARKERS,
    ScriptedError,
    compose_script,
    load_behaviours,
    rule_regex,
    validate_behaviours,
)
from tierwise.bench.suite import load_suite
from tierwise.config.model import ACTIONS
from tierwise.engine.prompts import PROMPT_VARIABLES, render_prompt
from tierwise.replay.script import script_from_data

REPO = Path(__file__).resolve().parents[2]


def prompt_text(action: str, **values: object) -> str:
    variables: dict[str, object] = {name: f"<{name}>" for name in PROMPT_VARIABLES[action]}
    variables.update({"round": 1, "tier": "light", "severity": "error", "source": "ruff"})
    variables.update(values)
    return "\n".join(m.content for m in render_prompt(action, variables))


@pytest.mark.parametrize("phase", sorted(PHASE_MARKERS))
def test_each_marker_matches_its_own_prompt_only(phase: str) -> None:
    assert set(PHASE_MARKERS) == set(ACTIONS)
    regex = rule_regex(phase, None, None)
    assert regex is not None
    for action in ACTIONS:
        found = re.search(regex, prompt_text(action)) is not None
        assert found == (action == phase), f"marker of {phase} vs the {action} prompt"


def test_implement_file_marker_picks_the_file_being_implemented() -> None:
    regex = rule_regex("implement", "src/a.js", None)
    assert regex is not None
    own = prompt_text("implement", path="src/a.js", context_files="src/b.js ...")
    other = prompt_text("implement", path="src/b.js", context_files="src/a.js ...")
    assert re.search(regex, own)
    assert not re.search(regex, other)


def test_rule_match_keeps_its_own_flags() -> None:
    regex = rule_regex("fix", None, "(?i)ASSERTIONERROR")
    assert regex is not None and regex.startswith("(?is)")
    assert re.search(regex, prompt_text("fix", log="AssertionError: 3 != 2"))
    assert not re.search(regex, prompt_text("fix", log="all fine"))


def test_behaviours_become_per_model_rules(tmp_path: Path) -> None:
    file = tmp_path / "replay.toml"
    file.write_text(
        '[[strong]]\nphase = "plan"\nname = "p"\nreply = "PLAN"\n'
        '[[strong]]\nphase = "refine"\nreply_from = "p"\n'
        '[[weak]]\nphase = "plan"\ntimes = 2\nreply = "bad"\n'
        '[[shared]]\nphase = "review"\nreply = "ok"\n',
        encoding="utf-8",
    )
    script = compose_script(load_behaviours(file), ["frontier", "mid", "light"], ScriptedSettings())
    by_model: dict[str, list[dict]] = {}
    for rule in script["rules"]:
        by_model.setdefault(rule["model"], []).append(rule)
    assert sorted(by_model) == ["replay-frontier", "replay-light", "replay-mid"]
    assert [r["reply"] for r in by_model["replay-mid"]] == ["PLAN", "PLAN", "ok"]
    assert [r["reply"] for r in by_model["replay-light"]] == ["bad", "ok"]
    assert by_model["replay-light"][0]["times"] == 2
    assert all("phase" not in r and "name" not in r and "reply_from" not in r for r in script["rules"])
    script_from_data(script)  # a valid replay-server script


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[strong]]\nmodel = "x"\nreply = "a"\n', "sets 'model'"),
        ('[[strong]]\nphase = "deploy"\nreply = "a"\n', "unknown phase 'deploy'"),
        ('[[strong]]\nreply_from = "nope"\n', "reply_from names 'nope'"),
        ('[[strong]]\nname = "a"\nreply = "1"\n[[weak]]\nname = "a"\nreply = "2"\n', "two rules are named 'a'"),
        ('strong = 3\n', "must be an array of rule tables"),
        ('[[weak]]\nreply = "a"\n', "tier 'frontier' answers as behaviour 'strong'"),
    ],
)
def test_script_errors(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "replay.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScriptedError, match=message):
        validate_behaviours(file, ScriptedSettings(), ["frontier", "light"])


def test_replay_level_errors_surface_with_the_file(tmp_path: Path) -> None:
    file = tmp_path / "replay.toml"
    file.write_text('[[strong]]\nphase = "plan"\n', encoding="utf-8")  # no reply and no status
    with pytest.raises(ScriptedError, match="needs 'reply'"):
        validate_behaviours(file, ScriptedSettings(), ["frontier"])


def test_every_starter_task_script_is_valid_for_every_standard_configuration() -> None:
    config_set = load_configs(REPO / "bench" / "configs" / "standard.toml")
    for task in load_suite(REPO / "bench" / "suite"):
        assert task.replay_file is not None
        for config in config_set.configs:
            validate_behaviours(task.replay_file, config_set.scripted, config.tier_names(config_set.base))

"""The suite and configurations formats: the starter suite loads, bad files get messages naming the fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tierwise.bench.configs import ConfigsError, load_configs, parse_configs
from tierwise.bench.suite import SuiteError, load_suite, load_task

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "bench" / "suite"
STANDARD = REPO / "bench" / "configs" / "standard.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_starter_suite_covers_languages_kinds_and_difficulty() -> None:
    tasks = load_suite(SUITE)
    assert len(tasks) >= 8
    assert {task.language for task in tasks} >= {"python", "javascript"}
    assert {task.kind for task in tasks} >= {"bugfix", "feature", "refactor"}
    difficulties = [task.difficulty for task in tasks]
    assert difficulties == sorted(difficulties) and difficulties[0] < difficulties[-1]
    for task in tasks:
        assert task.repo_dir is not None and task.repo_dir.is_dir()
        assert task.hidden_dir is not None, f"{task.name} has no hidden tests"
        assert task.replay_file is not None, f"{task.name} has no replay.toml"


def test_only_selects_and_unknown_names_are_listed() -> None:
    assert [t.name for t in load_suite(SUITE, only=["py-median"])] == ["py-median"]
    with pytest.raises(SuiteError, match="no task named nope; tasks: "):
        load_suite(SUITE, only=["nope"])


def test_task_errors_name_file_and_key(tmp_path: Path) -> None:
    folder = tmp_path / "t1"
    (folder / "repo").mkdir(parents=True)
    write(folder / "task.toml", 'description = "do it"\ncheck = "true"\ndifficulty = 9\n')
    with pytest.raises(SuiteError, match=r"t1/task.toml: difficulty: .*less than or equal to 5"):
        load_task(folder)
    write(folder / "task.toml", 'description = "do it"\n')
    with pytest.raises(SuiteError, match="check: Field required"):
        load_task(folder)
    write(folder / "task.toml", 'description = "do it"\ncheck = "true"\npaths = ["../outside.py"]\n')
    with pytest.raises(SuiteError, match="stay inside"):
        load_task(folder)
    write(folder / "task.toml", 'description = "x"\ncheck = "true"\ncolour = 1\n')
    with pytest.raises(SuiteError, match="colour: Extra inputs are not permitted"):
        load_task(folder)
    write(folder / "task.toml", "description = \n")
    with pytest.raises(SuiteError, match="not valid TOML"):
        load_task(folder)


def test_task_without_repository_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "t" / "task.toml", 'description = "x"\ncheck = "true"\n')
    with pytest.raises(SuiteError, match="starting repository .* is missing"):
        load_task(tmp_path / "t")


def test_standard_configs_resolve_to_the_documented_routes() -> None:
    config_set = load_configs(STANDARD)
    names = [c.name for c in config_set.configs]
    assert names == ["all-frontier", "default", "plan-mid-implement-frontier", "all-light"]
    resolved = {c.name: c.resolve(config_set.base) for c in config_set.configs}
    assert resolved["default"].route("fix").tiers == ["light", "mid", "frontier"]
    assert resolved["default"].route("plan").tiers == ["frontier"]
    assert resolved["plan-mid-implement-frontier"].route("plan").tiers == ["mid"]
    assert resolved["plan-mid-implement-frontier"].route("implement").tiers == ["frontier"]
    assert resolved["plan-mid-implement-frontier"].route("fix").tiers == ["light", "mid", "frontier"]
    assert {r.tiers[0] for r in resolved["all-light"].routes.values()} == {"light"}
    assert {r.tiers[0] for r in resolved["all-frontier"].routes.values()} == {"frontier"}
    assert all(c.budget.per_task_usd == 2.0 for c in resolved.values())



def test_caching_configs_load_and_resolve() -> None:
    """The configuration files docs/benchmarks.md runs for prompt caching stay valid."""
    anthropic = load_configs(REPO / "bench" / "caching" / "anthropic.toml")
    assert anthropic.scripted.caching == "anthropic"
    assert [c.name for c in anthropic.configs] == ["default"]
    sweep = load_configs(REPO / "bench" / "caching" / "file_tokens.toml")
    resolved = {c.name: c.resolve(sweep.base) for c in sweep.configs}
    assert {name: r.context.file_tokens for name, r in resolved.items()} == {
        "ft16": 16_000, "ft8": 8_000, "ft4": 4_000}
    assert resolved["ft4"].route("fix").tiers == ["light", "mid", "frontier"]

def test_scripted_tiers_keep_call_settings_and_replace_endpoints() -> None:
    config_set = parse_configs(
        {"configs": {"x": {"tiers": {"mid": {"model": "openai/real", "max_tokens": 123}}}}}
    )
    config = config_set.configs[0]
    tiers = config_set.scripted.tiers(config.tier_names({}), "http://127.0.0.1:9/v1", "K")
    resolved = config.resolve({}, tiers, {"loop": {"test_command": "pytest"}})
    assert resolved.tiers["mid"].model == "openai/replay-mid"
    assert resolved.tiers["mid"].max_tokens == 123
    assert resolved.tiers["mid"].price is not None and resolved.tiers["mid"].price.input_per_mtok == 3.0
    assert resolved.tiers["local"].local is True
    assert resolved.loop.test_command == "pytest"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({}, "no configurations"),
        ({"configs": {"a": {}}, "extra": 1}, "unknown top-level key"),
        ({"configs": {"a": {"routes": {"plan": "huge"}}}}, "unknown tier 'huge'"),
        ({"configs": {"a": {"budget": {"per_task_usd": -1}}}}, "configs.a: budget.per_task_usd"),
        ({"configs": {"a": {"phases": ["plan", "deploy"]}}}, "unknown phase"),
        ({"configs": {"bad name": {}}}, "configuration name"),
        ({"configs": {"a": {}}, "scripted": {"colour": 1}}, r"\[scripted\]"),
    ],
)
def test_config_errors(doc: dict, message: str) -> None:
    with pytest.raises(ConfigsError, match=message):
        parse_configs(doc)


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigsError, match="no such configurations file"):
        load_configs(tmp_path / "missing.toml")
    bad = write(tmp_path / "bad.toml", "[configs.a\n")
    with pytest.raises(ConfigsError, match="not valid TOML"):
        load_configs(bad)
    config_set = parse_configs({"configs": {"a": {}, "b": {}}}, file=tmp_path / "c.toml")
    assert [c.name for c in config_set.select(["b"])] == ["b"]
    with pytest.raises(ConfigsError, match="no configuration named z; known: a, b"):
        config_set.select(["z"])

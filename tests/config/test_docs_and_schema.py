"""docs/configuration.md stays true: its TOML examples load and match the schema, and it names every key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import jsonschema
import pytest

from tierwise.config.keys import KNOWN_ACTIONS
from tierwise.config.loader import load_config
from tierwise.config.model import Config
from tierwise.config.schema import config_json_schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_doc_has_examples():
    assert len(TOML_BLOCKS) >= 4


@pytest.mark.parametrize("block", TOML_BLOCKS, ids=[f"example{i}" for i in range(len(TOML_BLOCKS))])
def test_every_toml_example_loads_and_matches_the_schema(block, ws, env):
    is_pyproject = "[tool.tierwise" in block
    (ws / ("pyproject.toml" if is_pyproject else ".tierwise.toml")).write_text(block, encoding="utf-8")
    config = load_config(ws, env=env)
    assert isinstance(config, Config)
    data = tomllib.loads(block)
    data = data["tool"]["tierwise"] if is_pyproject else data
    errors = list(jsonschema.Draft202012Validator(config_json_schema()).iter_errors(data))
    assert errors == []


def _keys(schema: dict, node: dict, seen: set[str]) -> None:
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    for name, child in node.get("properties", {}).items():
        seen.add(name)
        _keys(schema, child, seen)
    for branch in node.get("anyOf", []):
        _keys(schema, branch, seen)
    for key in ("additionalProperties", "items"):
        if isinstance(node.get(key), dict):
            _keys(schema, node[key], seen)


def test_the_doc_names_every_key_and_action():
    schema = config_json_schema()
    names: set[str] = set()
    _keys(schema, schema, names)
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(name for name in names | set(KNOWN_ACTIONS) if f"`{name}`" not in text)
    assert missing == []


def test_schema_is_valid_and_accepts_shorthands():
    schema = config_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["properties"]["routes"]["propertyNames"]["enum"] == list(KNOWN_ACTIONS)

"""The VS Code extension's build (tsc strict, eslint), its unit tests (node's test runner with a stand-in for
the vscode module) and its .vsix packaging; and its settings checked against the server's configuration model.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tierwise.config.model import Config

EXTENSION = Path(__file__).resolve().parents[2] / "editor-clients" / "vscode"
MANIFEST = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
PROPERTIES: dict[str, dict[str, Any]] = MANIFEST["contributes"]["configuration"]["properties"]
NPM = shutil.which("npm")
BUILT = (EXTENSION / "node_modules" / ".bin" / "tsc").exists()

needs_node = pytest.mark.skipif(
    NPM is None or not BUILT,
    reason="npm or the extension's node_modules missing: run editor-clients/install-e2e-deps.sh",
)


def _npm(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    assert NPM is not None
    return subprocess.run([NPM, *args], cwd=EXTENSION, capture_output=True, text=True, timeout=timeout)


@pytest.mark.editor
@needs_node
def test_compile_lint_unit_tests_and_package(tmp_path: Path) -> None:
    for step in (("run", "compile"), ("run", "lint"), ("test",)):
        proc = _npm(*step)
        assert proc.returncode == 0, f"npm {' '.join(step)}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        if step == ("test",):
            summary = dict(re.findall(r"^# (pass|fail) (\d+)$", proc.stdout, flags=re.M))
            assert summary.get("fail") == "0" and int(summary.get("pass", "0")) >= 25, proc.stdout[-2000:]
    vsix = tmp_path / "tierwise.vsix"
    proc = _npm("exec", "--", "vsce", "package", "--out", str(vsix))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        packaged = json.loads(archive.read("extension/package.json"))
    assert "extension/out/src/extension.js" in names
    assert "extension/node_modules/vscode-languageclient/package.json" in names
    assert not any(
        name.startswith("extension/src/") or "/test/" in name.split("node_modules")[0] for name in names
    )
    assert packaged["capabilities"]["untrustedWorkspaces"]["supported"] == "limited"


def _config_path(key: str) -> list[str] | None:
    """``tierwise.budget.perTaskUsd`` → ``["budget", "per_task_usd"]``; None for client-only settings."""
    parts = key.split(".")[1:]
    if parts[0] in ("server", "trace", "lsp") or parts == ["planBeside"]:
        return None
    return [re.sub(r"(?<!^)([A-Z])", r"_\1", part).lower() for part in parts]


def test_settings_mirror_the_server_configuration() -> None:
    defaults = Config().model_dump()
    mirrored = set()
    for key, prop in PROPERTIES.items():
        path = _config_path(key)
        assert prop.get("description") or prop.get("markdownDescription"), f"{key} has no description"
        if path is None:
            continue
        value: Any = defaults
        for part in path:
            assert isinstance(value, dict) and part in value, f"{key} → {'.'.join(path)} is not a config key"
            value = value[part]
        mirrored.add(path[0])
        if path[0] in ("tiers", "routes"):
            continue  # objects: the server fills defaults in; the setting's default is {} (send nothing)
        assert prop["default"] == value, f"{key}: default {prop['default']!r} but the server's is {value!r}"
    scalars = {name for name, value in defaults.items()}
    assert scalars <= mirrored, f"config keys without a setting: {sorted(scalars - mirrored)}"
    nested = {f"{section}.{name}" for section in ("budget", "gateway", "loop") for name in defaults[section]}
    declared = {".".join(p) for k in PROPERTIES if (p := _config_path(k)) and len(p) == 2}
    assert nested <= declared, f"config keys without a setting: {sorted(nested - declared)}"


def test_tier_setting_schema_matches_the_tier_model() -> None:
    from tierwise.config.model import Tier

    tier_schema = PROPERTIES["tierwise.tiers"]["additionalProperties"]["properties"]
    assert set(tier_schema) == set(Tier.model_fields)
    route_schema = PROPERTIES["tierwise.routes"]["properties"]
    assert set(route_schema) == set(Config().routes)


def test_palette_titles() -> None:
    titles = [f"{c['category']}: {c['title']}" for c in MANIFEST["contributes"]["commands"]]
    for wanted in (
        "Tierwise: Plan Task…",
        "Tierwise: Refine Plan",
        "Tierwise: Implement Plan",
        "Tierwise: Run Tests and Fix",
        "Tierwise: Review Changes",
        "Tierwise: Run Whole Loop…",
        "Tierwise: Cancel",
        "Tierwise: Undo Task",
        "Tierwise: Show Cost",
    ):
        assert wanted in titles

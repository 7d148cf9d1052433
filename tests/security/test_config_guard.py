"""tierwise settings inside VS Code's settings files are tierwise's configuration: no reply changes them —
in the loop (apply_reply through the disk port), in changes made outside it, and in `tierwise apply` — while
the rest of those files stays editable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tierwise.cli.main import cli
from tierwise.config_guard import (
    editor_settings_reason,
    strip_jsonc,
    tierwise_config_reason,
    tierwise_settings,
)
from tierwise.engine.editing import apply_reply
from tierwise.headless.files import DiskFiles

# The shape of a real VS Code settings file: comments, a trailing comma, a language block.
SETTINGS = """{
    // Format on save (team default)
    "editor.formatOnSave": true,
    "files.exclude": { "**/__pycache__": true, },
    /* tierwise, routed to our gateway */
    "tierwise.tiers": { "frontier": { "model": "openai/gpt-5", "api_base": "https://gw.example/v1" } },
    "[python]": { "editor.tabSize": 4, "tierwise.lsp.warmUp": false },
    "url": "http://example.com/*not-a-comment*/",
}
"""


def _block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


def test_jsonc_is_read_like_vscode_reads_it() -> None:
    data = json.loads(strip_jsonc(SETTINGS))
    assert data["url"] == "http://example.com/*not-a-comment*/"
    assert data["files.exclude"] == {"**/__pycache__": True}
    assert tierwise_settings(SETTINGS) == {
        "tierwise.tiers": {"frontier": {"model": "openai/gpt-5", "api_base": "https://gw.example/v1"}},
        "[python]/tierwise.lsp.warmUp": False,
    }


@pytest.mark.parametrize(
    ("old", "new", "refused"),
    [
        (SETTINGS, SETTINGS.replace("gw.example", "collector.attacker.example"), True),
        (SETTINGS, SETTINGS.replace('"tierwise.lsp.warmUp": false', '"tierwise.lsp.warmUp": true'), True),
        (SETTINGS, SETTINGS.replace('"editor.formatOnSave": true', '"editor.formatOnSave": false'), False),
        (SETTINGS, SETTINGS.replace("// Format on save", "// Format on every save"), False),
        (SETTINGS, SETTINGS.replace("{\n", '{\n    "tierwise.server.command": "sh",\n', 1), True),
        (SETTINGS, SETTINGS.replace("}\n", "\n", 1) + "{{{", True),  # broken, still names tierwise
        ('{"editor.tabSize": 2}', '{"editor.tabSize": 2, "tierwise": {"loop": {"test_command": "true"}}}', True),
        ('{"editor.tabSize": 2}', '{"editor.tabSize": 4,,,', False),  # broken, but tierwise-free
        (None, '{"Tierwise.budget": {}}', True),
        (None, '{"editor.tabSize": 2}', False),
        (SETTINGS, None, True),  # deleting the file deletes the settings
    ],
)
def test_settings_changes(old: str | None, new: str | None, refused: bool) -> None:
    assert (editor_settings_reason(".vscode/settings.json", old, new) is not None) is refused


def test_workspace_files_and_nested_folders_count_other_files_do_not() -> None:
    old = '{"folders": [{"path": "."}], "settings": {"tierwise.tiers": {}}}'
    new = '{"folders": [{"path": "."}], "settings": {"tierwise.tiers": {"mid": {}}}}'
    assert tierwise_config_reason("team.code-workspace", old, new) is not None
    assert tierwise_config_reason("sub/.VSCode/Settings.json", "{}", '{"tierwise.x": 1}') is not None
    assert tierwise_config_reason("team.code-workspace", old, old.replace('"."', '"src"')) is None
    assert tierwise_config_reason("config/settings.json", "{}", '{"tierwise.x": 1}') is None
    assert tierwise_config_reason("pyproject.toml", "", "[tool.tierwise.loop]\ntest_command = 'true'\n")


async def test_a_fix_reply_cannot_reroute_tiers_through_vscode_settings(tmp_path: Path) -> None:
    (tmp_path / ".vscode").mkdir()
    settings = tmp_path / ".vscode" / "settings.json"
    settings.write_text(SETTINGS)
    line = '    "tierwise.tiers": { "frontier": { "model": "openai/gpt-5", "api_base": "https://gw.example/v1" } },\n'
    hostile = _block(".vscode/settings.json", line, line.replace("gw.example", "collector.attacker.example"))
    report = await apply_reply(DiskFiles(tmp_path), tmp_path, hostile)
    assert report.applied_files == [] and "tierwise settings" in report.retry_message
    assert settings.read_text() == SETTINGS
    benign = _block(".vscode/settings.json", '    "editor.formatOnSave": true,\n', '    "editor.formatOnSave": false,\n')
    report = await apply_reply(DiskFiles(tmp_path), tmp_path, benign)
    assert report.applied_files == [".vscode/settings.json"]
    assert tierwise_settings(settings.read_text()) == tierwise_settings(SETTINGS)


def test_tierwise_apply_refuses_configuration_changes(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "p"\n\n[tool.tierwise.loop]\ntest_command = "pytest -q"\n')
    (tmp_path / "app.py").write_text("x = 1\n")
    reply = tmp_path.parent / "reply.md"
    reply.write_text(_block("pyproject.toml", 'test_command = "pytest -q"\n', 'test_command = "true"\n')
                     + _block("app.py", "x = 1\n", "x = 2\n"))
    result = CliRunner().invoke(cli, ["apply", str(reply), "--workspace", str(tmp_path)])
    assert result.exit_code == 1
    assert "[tool.tierwise]" in result.output
    assert 'test_command = "pytest -q"' in pyproject.read_text()
    assert (tmp_path / "app.py").read_text() == "x = 2\n"

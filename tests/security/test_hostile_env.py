"""Model-written code runs inside the test command with an allow-listed environment (#11 item 4): cloud
and forge tokens never reach it; ``commands.env_passthrough`` adds what the user names, and a secret-looking
entry is passed but warned about. Real loop over the replay server, real pytest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import RecordingUI, calls, config, engine
from hostile_support import MEDIAN_FIX, Fortress, plan_md

pytestmark = pytest.mark.slow

DUMP = '''textstats/stats.py
<<<<<<< SEARCH
"""Small statistics helpers."""
=======
"""Small statistics helpers."""

import json as _json
import os as _os

with open("env_dump.json", "w") as _out:
    _json.dump(dict(_os.environ), _out)
>>>>>>> REPLACE
'''


SECRETS = {"AWS_SECRET_ACCESS_KEY": "aws-secret-123456", "GITHUB_TOKEN": "ghp_token_123456",
           "DATABASE_PASSWORD": "db-password-123456", "SOME_SERVICE_URL": "https://u:p@db.invalid"}


async def _dump_env(tmp_path: Path, replay_server, tier_config, ui: RecordingUI,
                    **overrides: object) -> dict[str, str]:
    """Run the loop with an implement reply whose code dumps its environment when the tests import it."""
    fort = Fortress.build(tmp_path)
    fort.seal()
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py"))},
        {"model": "replay-mid", "match": "implement one step", "reply": MEDIAN_FIX + "\n" + DUMP},
    ]})
    cfg = config(tier_config, server.url, **overrides)
    state = await engine(fort.root, cfg, ui).run("Fix median", phases=["plan", "implement", "fix"])
    assert [k for _, k in calls(server.requests())] == ["plan", "implement"]
    assert state.tests_passed is True
    fort.assert_intact()
    return json.loads((fort.root / "env_dump.json").read_text())


async def test_secrets_never_reach_model_written_code(tmp_path: Path, replay_server, tier_config,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    seen = await _dump_env(tmp_path, replay_server, tier_config, RecordingUI())
    dumped = json.dumps(seen)
    for name, value in SECRETS.items():
        assert name not in seen and value not in dumped
    assert "TIERWISE_TEST_KEY" not in seen  # the tier's own key variable
    assert seen["PATH"] and seen["HOME"] and seen["CI"] == "1"


async def test_passthrough_adds_named_variables_and_warns_about_secret_ones(
        tmp_path: Path, replay_server, tier_config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_MODE", "test")
    monkeypatch.setenv("DEPLOY_TOKEN", "deploy-token-123456")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_token_123456")
    ui = RecordingUI()
    seen = await _dump_env(tmp_path, replay_server, tier_config, ui,
                           commands={"env_passthrough": ["MYAPP_*", "DEPLOY_TOKEN"]})
    assert seen["MYAPP_MODE"] == "test" and "GITHUB_TOKEN" not in seen
    assert seen["DEPLOY_TOKEN"] == "deploy-token-123456"  # the user asked for it...
    warnings = [m for level, m in ui.notices if level == "warning" and "env_passthrough" in m]
    assert len(warnings) == 1 and "DEPLOY_TOKEN" in warnings[0] and "deploy-token" not in warnings[0]  # ...warned

"""The test and lint commands' output is masked before the engine keeps or sends it: a failing test that
prints an API key (read from the project's ``.env``, as python-dotenv set-ups do) must not leave it in
``.tierwise/tasks/<id>/tests/*.log``, the fix prompts, task.json, progress messages or a model request —
the same masking provider errors get (configured key variables, secret-looking variables, key shapes).
Real loop over the replay server, real pytest, real lint subprocess; the ACP driver's test-run display too."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from e2e_support import RecordingUI, calls, config, engine, git, project
from hostile_support import MEDIAN_FIX, NO_OP_FIX, plan_md

from tierwise.replay.fixtures import TEST_KEY, TEST_KEY_ENV

pytestmark = pytest.mark.slow

SETTINGS_TEST = f'''from pathlib import Path


def test_key_format():
    env = dict(line.split("=", 1) for line in Path(".env").read_text().split())
    key = env["{TEST_KEY_ENV}"]
    print("loaded key", key)
    assert key.startswith("sk-ant-")
'''

# A lint step that fails and dumps the project's settings: a value of a tier's key variable whose name and
# value look harmless, a secret-looking variable's value, and a provider-shaped key tierwise never had.
ACCESS_ENV, ACCESS_VALUE = "REPLAY_ACCESS", "replay-access-value-0042"
DEPLOY_TOKEN = "deploy-token-123456"
SHAPED_KEY = "sk-proj-abcdefghijklmnop1234"
LINT = '''import sys
from pathlib import Path

sys.stdout.write(Path(".env").read_text())
sys.exit(1)
'''


def _leaks(root: Path, requests: list[dict], secrets: list[str]) -> list[str]:
    tasks = root / ".tierwise" / "tasks"
    found = [str(p.relative_to(root)) for p in tasks.rglob("*") if p.is_file()
             and any(s in p.read_text(errors="replace") for s in secrets)]
    found += [f"request {i}" for i, r in enumerate(requests) if any(s in json.dumps(r) for s in secrets)]
    return found


async def test_a_failing_test_printing_the_key_leaks_it_nowhere(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path)
    (root / ".env").write_text(f"{TEST_KEY_ENV}={TEST_KEY}\n")
    (root / ".gitignore").write_text(".env\n")
    (root / "tests" / "test_settings.py").write_text(SETTINGS_TEST)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "settings test")
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py"))},
        {"model": "replay-mid", "match": "implement one step", "reply": MEDIAN_FIX},
        {"match": "You fix failing checks", "reply": NO_OP_FIX, "times": 0},
    ]})
    ui = RecordingUI()
    state = await engine(root, config(tier_config, server.url, loop={"fix_rounds": 1}), ui).run(
        "Fix median", phases=["plan", "implement", "fix"])
    requests = server.requests()
    assert [k for _, k in calls(requests)] == ["plan", "implement", "fix"]
    assert state.tests_passed is False
    assert _leaks(root, requests, [TEST_KEY]) == []
    logs = list((root / ".tierwise" / "tasks" / state.id / "tests").glob("*.log"))
    assert logs and all("loaded key ***" in p.read_text() for p in logs)  # masked, not dropped
    fix_request = [r for r in requests if "You fix failing checks" in json.dumps(r)][0]
    assert "loaded key ***" in json.dumps(fix_request) and "test_key_format" in json.dumps(fix_request)
    assert not any(TEST_KEY in e.message for e in ui.events) and TEST_KEY not in (state.message or "")


async def test_lint_output_is_masked_with_every_rule(tmp_path: Path, replay_server, tier_config,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ACCESS_ENV, ACCESS_VALUE)
    monkeypatch.setenv("DEPLOY_TOKEN", DEPLOY_TOKEN)
    root = project("demo-project", tmp_path)
    (root / ".env").write_text(f"{ACCESS_ENV}={ACCESS_VALUE}\nDEPLOY_TOKEN={DEPLOY_TOKEN}\nOTHER={SHAPED_KEY}\n")
    (root / "lint.py").write_text(LINT)
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py"))},
        {"model": "replay-mid", "match": "implement one step", "reply": MEDIAN_FIX},
        {"match": "You fix failing checks", "reply": NO_OP_FIX, "times": 0},
    ]})
    tiers = {name: {"api_key_env": ACCESS_ENV} for name in ("frontier", "mid", "light")}
    cfg = config(tier_config, server.url, tiers=tiers,
                 loop={"fix_rounds": 1, "lint_command": f"{sys.executable} lint.py"})
    state = await engine(root, cfg).run("Fix median", phases=["plan", "implement", "fix"])
    requests = server.requests()
    assert [k for _, k in calls(requests)] == ["plan", "implement", "fix"]
    assert state.tests_passed is False and "lint" in (state.message or "")
    assert _leaks(root, requests, [ACCESS_VALUE, DEPLOY_TOKEN, SHAPED_KEY]) == []
    [log] = (root / ".tierwise" / "tasks" / state.id / "tests").glob("*-start-lint.log")
    assert f"{ACCESS_ENV}=***" in log.read_text() and "DEPLOY_TOKEN=***" in log.read_text()
    assert "OTHER=***" in log.read_text()


class _Conn:
    """The client side of an ACP connection: records the session updates it is sent."""

    def __init__(self) -> None:
        self.updates: list[object] = []

    async def session_update(self, session_id: str, update: object, **_: object) -> None:
        self.updates.append(update)


async def test_the_acp_test_run_display_is_masked(tmp_path: Path, tier_config) -> None:
    from tierwise.acp.session import AcpSession
    from tierwise.config.model import Config

    root = tmp_path / "ws"
    root.mkdir()
    (root / "show.py").write_text(f"print('key is {TEST_KEY}')\n")
    cfg = Config.model_validate(tier_config("http://127.0.0.1:9", context={"enabled": False}))
    conn = _Conn()
    session = AcpSession.create(root, cfg, conn, can_read=False, can_write=False)
    result = await session.engine.ctx.commands.run(f"{sys.executable} show.py", cwd=root, timeout_s=60)
    await session.sender.flush()
    shown = json.dumps([u.model_dump(mode="json") for u in conn.updates])  # type: ignore[attr-defined]
    assert "key is ***" in shown and TEST_KEY not in shown
    assert TEST_KEY not in result.output

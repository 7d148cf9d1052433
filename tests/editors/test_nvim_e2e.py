"""A whole tierwise session in a real headless Neovim: the plugin, `tierwise serve`, real pytest runs, and the
replay model server over HTTP (no model call is faked in-process).

The Lua side (tests/editors/nvim/e2e_session.lua) drives the editor and checks buffers; this side prepares the
project and checks files on disk, the replay server's request log and that the test key leaked nowhere.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_project import (
    CALC,
    FIX_ADD,
    PLAN,
    PLAN_NOTED,
    QUICK_FIX,
    TASK,
    TEST_COMMAND,
    USER_NOTE,
    buffers_script,
    make_project,
    project_tests_pass,
    replay_script,
)
from nvim_support import SCRIPTS, find_nvim, run_script

NVIM = find_nvim()
TIERWISE = Path(sys.executable).parent / "tierwise"

pytestmark = [
    pytest.mark.editor,
    pytest.mark.slow,
    pytest.mark.skipif(NVIM is None, reason="Neovim 0.11+ not found: run editor-clients/install-e2e-deps.sh"),
    pytest.mark.skipif(not TIERWISE.exists(), reason="tierwise is not installed in this environment"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is needed for the project"),
]


@dataclass
class Session:
    result: dict[str, Any]
    project: Path
    replay: Any
    server_log: Path


def run_session(
    tmp_path: Path, replay_server: Any, tier_config: Any, script: str, rules: dict[str, Any], *,
    per_task_usd: float = 2.0, env: dict[str, str] | None = None,
) -> Session:
    """Runs tests/editors/nvim/SCRIPT in headless Neovim against `tierwise serve` and a replay server answering
    ``rules``; fails with the script's log, notifications and the server log unless every case passed."""
    replay = replay_server(rules)
    project = make_project(tmp_path / "proj", tier_config(replay.url), per_task_usd=per_task_usd)
    server_log = tmp_path / "server.log"
    assert NVIM is not None
    run = run_script(
        NVIM,
        SCRIPTS / script,
        tmp_path / "result.json",
        env={
            "TIERWISE_WORKDIR": str(project),
            "TIERWISE_SERVER_CMD": json.dumps(
                [str(TIERWISE), "serve", "--log-file", str(server_log), "--log-level", "info"]
            ),
            "TIERWISE_TASK": TASK,
            "TIERWISE_TEST_CMD": TEST_COMMAND,
            **(env or {}),
        },
        cwd=project,
        timeout=240,
    )
    explain = (
        run.explain() + "\n--- server log\n" + (server_log.read_text()[-6000:] if server_log.exists() else "")
    )
    assert run.result.get("done"), explain
    assert not run.failures(), explain
    return Session(run.result, project, replay, server_log)


def test_whole_session_in_neovim(tmp_path: Path, replay_server, tier_config) -> None:  # type: ignore[no-untyped-def]
    from tierwise.replay.fixtures import TEST_KEY

    session = run_session(tmp_path, replay_server, tier_config, "e2e_session.lua", replay_script())
    project, replay, server_log = session.project, session.replay, session.server_log

    # Files on disk: both bugs fixed, the quick fix's docstring, sub(), the user's line; tests pass.
    calc = (project / "calc.py").read_text(encoding="utf-8")
    assert calc.startswith("# typed while tierwise works\n"), calc
    assert "return a + b" in calc and "return a * b" in calc and "def sub(a, b):" in calc
    assert '"""Return the sum of a and b."""' in calc
    assert calc.endswith("    return a - b\n") and not calc.endswith("\n\n"), (
        "sub() appended with no extra empty line"
    )
    assert project_tests_pass(project)
    result = session.result
    # While the user's line was unsaved, tierwise did not save the file over it.
    assert "# typed while tierwise works" not in result["disk_after_user_edit"]
    plan_path = Path(result["plan_path"])
    assert plan_path.name == "PLAN.md" and plan_path.is_relative_to(project / ".tierwise" / "tasks")
    assert result["cancelled_state"] in ("cancelled", "resumable")
    # the user typed while edits arrived: every applied edit's (debounced) didChange still ended the wait
    assert "did not echo an applied edit" not in server_log.read_text(), "a read waited for a didChange"
    assert result["cancel_ms"] < 15000
    titles = result["code_actions"]
    assert any(title.startswith("Fix with tierwise (light: ") for title in titles), titles

    # The replay log: which tier answered what, in order; the cancelled plan reached the server.
    models = [entry["model"] for entry in replay.requests()]
    assert models == [
        "replay-frontier",  # plan
        "replay-light",  # refine
        "replay-mid",  # implement (add)
        "replay-light",  # fix (mul)
        "replay-frontier",  # review
        "replay-light",  # quick fix
        "replay-frontier",  # plan: sub()
        "replay-mid",  # implement: sub(), while the user typed
        "replay-frontier",  # plan: div(), cancelled
    ], models
    quick_fix_prompt = "\n".join(m["content"] for m in replay.requests()[5]["messages"])
    assert "no docstring" in quick_fix_prompt

    # The key reached the replay server as a header only: never the ledger, artifacts, or the server log.
    for path in [server_log, *(project / ".tierwise").rglob("*")]:
        if path.is_file():
            assert TEST_KEY not in path.read_text(encoding="utf-8", errors="replace"), path


def test_buffers_stay_the_truth_in_neovim(tmp_path: Path, replay_server, tier_config) -> None:  # type: ignore[no-untyped-def]
    """Issue #12, items 5-7 in a real Neovim: unsaved PLAN.md edits survive refine, typing during implement,
    a code action that ends saved, and undo through the buffer (refused first, then forced)."""
    session = run_session(
        tmp_path, replay_server, tier_config, "e2e_buffers.lua", buffers_script(), env={"TIERWISE_NOTE": USER_NOTE}
    )
    project, replay, result = session.project, session.replay, session.result
    plan = Path(result["plan"])
    assert plan.read_text(encoding="utf-8") == PLAN_NOTED == result["refined_plan"]
    assert "# typed while tierwise works" not in result["disk_during_typing"]  # unsaved typing not saved
    typed_original = "# typed while tierwise works\n" + CALC
    assert result["implemented"] == typed_original.replace("return a - b", "return a + b")
    # undo put back what the buffer held when the task first edited it (the typing included), on disk too
    assert result["after_undo"] == typed_original == (project / "calc.py").read_text(encoding="utf-8")
    assert [r["model"] for r in replay.requests()] == ["replay-frontier", "replay-light", "replay-mid", "replay-light"]


def test_budget_question_in_neovim(tmp_path: Path, replay_server, tier_config) -> None:  # type: ignore[no-untyped-def]
    """Issue #13, item 6: with a $0.05 ceiling the plan call (worst case about $0.35) is asked about through
    window/showMessageRequest (Neovim's vim.ui.select); "Raise by $X" goes on, "Stop here" stops resumable."""
    session = run_session(
        tmp_path, replay_server, tier_config, "e2e_budget.lua",
        {"rules": [{"model": "replay-frontier", "reply": PLAN, "times": 1}]}, per_task_usd=0.05,
    )
    result, tasks = session.result, session.project / ".tierwise" / "tasks"
    raised = json.loads((tasks / result["ids"]["raised"] / "task.json").read_text(encoding="utf-8"))
    assert raised["status"] == "ready" and raised["budget_raised_usd"] > 0, raised
    assert result["raised_ceiling"] == pytest.approx(0.05 + raised["budget_raised_usd"])
    assert (tasks / result["ids"]["raised"] / "PLAN.md").read_text(encoding="utf-8") == PLAN
    stopped = json.loads((tasks / result["ids"]["stopped"] / "task.json").read_text(encoding="utf-8"))
    assert stopped["status"] == "budget_stopped" and f"--resume {stopped['id']}" in stopped["message"], stopped
    assert not (tasks / result["ids"]["stopped"] / "PLAN.md").exists()
    # one paid call: the raised one; "Stop here" made none
    assert [r["model"] for r in session.replay.requests()] == ["replay-frontier"]


def test_plain_neovim_buffers_and_disk_agree(tmp_path: Path, replay_server, tier_config) -> None:  # type: ignore[no-untyped-def]
    """Issue #12 (plugin-less clients): an edit to an open buffer is written through and the user is told (the
    buffer's modified mark is all that is stale); with unsaved user text the disk is left alone, and said so."""
    rules = {
        "rules": [
            {"model": "replay-frontier", "reply": PLAN, "times": 1},
            {"model": "replay-mid", "reply": FIX_ADD, "times": 1},
            {"model": "replay-light", "reply": QUICK_FIX, "times": 1},
        ]
    }
    session = run_session(tmp_path, replay_server, tier_config, "e2e_plain.lua", rules)
    result = session.result
    implemented = CALC.replace("return a - b", "return a + b")
    assert result["implemented"] == implemented
    assert result["modified_after_edit"] is True  # what LSP cannot clear: the reason for the message
    assert ":w!) loses nothing" in result["saved_message"], result["saved_message"]
    saved = (session.project / "calc.py").read_text(encoding="utf-8")
    assert saved == result["saved_by_user"]
    assert saved.startswith("# typed, not saved\n") and '"""Return the sum of a and b."""' in saved, saved
    assert [r["model"] for r in session.replay.requests()] == ["replay-frontier", "replay-mid", "replay-light"]

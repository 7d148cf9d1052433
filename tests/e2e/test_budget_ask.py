"""Issue #13 item 6: budgets that ask. A call that would cross the task's ceiling asks (UserPort.ask_budget) to
raise that task's ceiling by a stated amount or stop; the task waits, resumable, while the question is open.
In-process through the real gateway and replay server, and the CLI in subprocesses (a pseudo-terminal for the
terminal question, --yes, no terminal, --max-budget)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from e2e_support import DEMO_TASK, RecordingUI, config, engine, project, script, task_json
from test_cli_loop import cli_env, write_config

from tierwise.engine.ports import BudgetQuestion
from tierwise.gateway.ledger import Ledger

pytestmark = pytest.mark.slow
CEILING = 0.05  # a frontier plan call's worst case (~4,300 output tokens at $75/Mtok) is about $0.35


@dataclass
class AskingUI(RecordingUI):
    answers: list[bool] = field(default_factory=list)
    questions: list[BudgetQuestion] = field(default_factory=list)
    while_open: list[dict[str, Any]] = field(default_factory=list)
    root: Path | None = None

    async def ask_budget(self, question: BudgetQuestion) -> bool:
        self.questions.append(question)
        assert self.root is not None
        self.while_open.append(task_json(self.root, question.task_id))
        return self.answers.pop(0)


def _rules() -> list[dict[str, Any]]:
    return tomllib.loads(script("demo.replay.toml").read_text(encoding="utf-8"))["rules"]


def _cfg(tier_config: Any, url: str, per_task: float | None = CEILING, per_day: float | None = None) -> Any:
    return config(tier_config, url, budget={"per_task_usd": per_task, "per_day_usd": per_day})


async def test_yes_raises_the_task_ceiling_and_the_call_is_made(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path, use_git=False)
    server = replay_server({"rules": _rules()})
    ui = AskingUI(answers=[True], root=root)
    state = await engine(root, _cfg(tier_config, server.url), ui).run(DEMO_TASK, phases=["plan"])
    assert state.status == "done", state.message
    [question] = ui.questions
    assert question.task_id == state.id and question.action == "plan" and question.ceiling_usd == CEILING
    assert question.spent_usd + question.call_worst_usd <= question.new_ceiling_usd
    assert f"Raise this task's ceiling by ${question.raise_by_usd:.2f}" in question.text
    [snapshot] = ui.while_open  # the task waited, resumable, while the question was open
    assert snapshot["status"] == "resumable" and "waiting for an answer" in snapshot["message"]
    saved = task_json(root, state.id)
    assert saved["budget_raised_usd"] == pytest.approx(question.raise_by_usd)
    lines = Ledger(root).read(task_id=state.id)
    assert [line.outcome for line in lines] == ["budget_refused", "ok"]
    assert sum(line.cost_usd for line in lines) <= question.new_ceiling_usd
    assert len(server.requests()) == 1
    assert any(e.ceiling_usd == pytest.approx(question.new_ceiling_usd) for e in ui.events)  # spend vs ceiling


async def test_no_stops_the_task_resumably_and_resume_asks_again(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path, use_git=False)
    server = replay_server({"rules": _rules()})
    no = AskingUI(answers=[False], root=root)
    state = await engine(root, _cfg(tier_config, server.url), no).run(DEMO_TASK, phases=["plan"])
    assert state.status == "budget_stopped" and "--resume" in (state.message or "")
    assert server.requests() == [] and len(no.questions) == 1
    yes = AskingUI(answers=[True], root=root)
    resumed = await engine(root, _cfg(tier_config, server.url), yes).run("", resume=state.id)
    assert resumed.status == "done" and len(yes.questions) == 1 and len(server.requests()) == 1


async def test_the_daily_ceiling_is_never_asked_about(tmp_path: Path, replay_server, tier_config) -> None:
    root = project("demo-project", tmp_path, use_git=False)
    server = replay_server({"rules": _rules()})
    ui = AskingUI(answers=[True], root=root)
    state = await engine(root, _cfg(tier_config, server.url, per_task=None, per_day=CEILING), ui).run(
        DEMO_TASK, phases=["plan"]
    )
    assert state.status == "budget_stopped" and "daily ceiling" in (state.message or "")
    assert ui.questions == [] and server.requests() == []


# -- the CLI ------------------------------------------------------------------------------------------------
def _cli_project(tmp_path: Path, replay_server: Any, tier_config: Any) -> tuple[Path, Any, dict[str, str]]:
    root = project("demo-project", tmp_path)
    server = replay_server({"rules": _rules()})
    data = tier_config(server.url, budget={"per_task_usd": 5.0, "per_day_usd": 1000.0})
    write_config(root, data)
    return root, server, cli_env(tmp_path)


def _plan(root: Path, env: dict[str, str], *extra: str, stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierwise", "plan", DEMO_TASK, "-w", str(root), *extra],
                          stdin=stdin, capture_output=True, text=True, env=env, timeout=180, check=False)


def test_cli_yes_never_raises_and_no_terminal_stops(tmp_path: Path, replay_server, tier_config) -> None:
    root, server, env = _cli_project(tmp_path, replay_server, tier_config)
    with_yes = _plan(root, env, "--yes", "--max-budget", str(CEILING))
    assert with_yes.returncode == 3, with_yes.stdout + with_yes.stderr
    assert "--yes never raises a ceiling" in with_yes.stdout and f"${CEILING:.2f} ceiling" in with_yes.stdout
    no_tty = _plan(root, env, "--max-budget", str(CEILING))
    assert no_tty.returncode == 3 and "no terminal to ask" in no_tty.stdout
    assert server.requests() == []


def test_cli_asks_on_a_terminal_and_max_budget_sets_the_ceiling(tmp_path: Path, replay_server, tier_config) -> None:
    root, server, env = _cli_project(tmp_path, replay_server, tier_config)
    master, slave = pty.openpty()
    try:
        os.write(master, b"y\n")  # the answer waits in the terminal's buffer until the question reads it
        result = _plan(root, env, "--max-budget", str(CEILING), stdin=slave)
    finally:
        os.close(slave)
        os.close(master)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Raise this task's ceiling by $" in " ".join(result.stdout.split()), result.stdout
    [task] = list((root / ".tierwise" / "tasks").iterdir())
    raised = task_json(root, task.name)["budget_raised_usd"]
    assert raised > 0 and len(server.requests()) == 1
    assert Ledger(root).spent(task_id=task.name) <= CEILING + raised

"""Issue #13 item 6 in the language server: a call that would cross the task's ceiling is asked about with
``window/showMessageRequest`` ("Raise by $X" / "Stop here"); the client answers both ways. The task waits,
resumable, while the question is open, and ``tierwise/status`` carries the spend against the ceiling."""

from __future__ import annotations

import json

import lsp_scripts as s
import pytest
from lsp_loop import Loop

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
CEILING = 0.05  # the frontier plan call's worst case (~4,300 output tokens at $75/Mtok) is about $0.35
BUDGET = {"per_task_usd": CEILING, "per_day_usd": 1000.0}


def _tasks(lp: Loop) -> dict[str, dict]:
    folders = [p for p in (lp.root / ".tierwise" / "tasks").iterdir() if (p / "task.json").is_file()]
    return {p.name: json.loads((p / "task.json").read_text(encoding="utf-8")) for p in folders}


async def test_raise_the_ceiling_from_the_editor(lp: Loop):
    await lp.use(s.loop_script(), budget=BUDGET)
    lp.answer_confirm = "Raise by $"
    lp.on_question = lambda: _tasks(lp)
    task_id, final = await lp.run("plan", {"task": "Fix add() in calc.py: it subtracts"})
    assert final["state"] == "ready", final
    [question] = [q for q in lp.questions if "Raise this task's ceiling" in q]
    assert f"of its ${CEILING:.2f} ceiling" in question and "the next plan call could cost up to $" in question
    [seen] = lp.seen_on_question
    waiting = seen[task_id]
    assert waiting["status"] == "resumable" and "waiting for an answer" in waiting["message"]
    raised = _tasks(lp)[task_id]["budget_raised_usd"]
    assert raised > 0 and final["ceilingUsd"] == pytest.approx(CEILING + raised)
    asking = [p for p in lp.editor.status if p.get("taskId") == task_id and p.get("state") == "waiting"]
    assert asking and asking[0]["ceilingUsd"] == pytest.approx(CEILING)
    assert len(lp.requests()) == 1


async def test_stop_here_from_the_editor(lp: Loop):
    await lp.use(s.loop_script(), budget=BUDGET)
    lp.answer_confirm = "Stop here"
    _task_id, final = await lp.run("plan", {"task": "Fix add() in calc.py: it subtracts"})
    assert final["state"] == "budget_stopped" and "--resume" in final["message"]
    assert final["ceilingUsd"] == pytest.approx(CEILING)
    assert any("Raise this task's ceiling" in q for q in lp.questions)
    assert lp.requests() == []

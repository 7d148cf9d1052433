"""Issue #11 item 8: a quick fix is a small task — its own task id, the per-task ceiling, a stored reply and
its lines in the ledger — through the real gateway and the replay server."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import config, engine, task_json

from tierwise.engine.state import DiagnosticInfo
from tierwise.gateway.ledger import Ledger
from tierwise.gateway.types import BudgetExceeded

CALC = "def sub(a, b):\n    return a - b\n"
FIX = "calc.py\n<<<<<<< SEARCH\ndef sub(a, b):\n=======\ndef sub(a: int, b: int) -> int:\n>>>>>>> REPLACE\n"
DIAG = DiagnosticInfo(message="missing type hints", start_line=1, end_line=2)


def _workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "calc.py").write_text(CALC)
    return root


async def test_a_quick_fix_is_a_task_with_its_ledger_lines_and_stored_reply(
    tmp_path: Path, replay_server, tier_config
) -> None:
    root = _workspace(tmp_path)
    server = replay_server({"rules": [{"match": "You fix exactly one problem", "reply": FIX}]})
    eng = engine(root, config(tier_config, server.url, budget={"per_task_usd": 1.0, "per_day_usd": None}))
    changes = await eng.quick_fix("calc.py", DIAG, task_id="quickfix-abc12345")
    assert "def sub(a: int, b: int) -> int:" in (changes[0].new_text or "")
    [line] = Ledger(root).read()
    assert line.task_id == "quickfix-abc12345" and line.action == "quickfix" and line.outcome == "ok"
    state = task_json(root, "quickfix-abc12345")
    assert state["kind"] == "quickfix" and state["status"] == "done" and state["calls"] == 1
    stored = root / ".tierwise/tasks/quickfix-abc12345/replies/quickfix.1.md"
    assert stored.read_text() == FIX
    assert eng.status() is None  # a quick fix is never "the latest task" that `tierwise fix` goes on with
    # without an id the engine names the task itself
    server2 = replay_server({"rules": [{"match": "You fix exactly one problem", "reply": FIX}]})
    eng2 = engine(root, config(tier_config, server2.url, budget={"per_task_usd": 1.0, "per_day_usd": None}))
    await eng2.quick_fix("calc.py", DIAG)
    ids = {line.task_id for line in Ledger(root).read()}
    assert len(ids) == 2 and all(i and i.startswith("quickfix-") for i in ids)


async def test_a_quick_fix_is_held_to_the_per_task_ceiling(tmp_path: Path, replay_server, tier_config) -> None:
    root = _workspace(tmp_path)
    server = replay_server({"rules": [{"match": "You fix exactly one problem", "reply": FIX}]})
    # the daily ceiling would allow the call; the task's own ceiling does not
    cfg = config(tier_config, server.url, budget={"per_task_usd": 0.000001, "per_day_usd": 100.0},
                 routes={"quickfix": "frontier"})
    with pytest.raises(BudgetExceeded) as info:
        await engine(root, cfg).quick_fix("calc.py", DIAG, task_id="quickfix-00000001")
    assert info.value.scope == "task"
    assert server.requests() == []
    [line] = Ledger(root).read()
    assert line.task_id == "quickfix-00000001" and line.outcome == "budget_refused"
    assert task_json(root, "quickfix-00000001")["status"] == "budget_stopped"

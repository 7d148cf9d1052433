"""The ledger file (atomic appends from threads and processes, incremental reads) and the budget guard."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tierwise.config.model import Budget, Price
from tierwise.gateway.budget import BudgetGuard, prompt_bound, worst_case_usd
from tierwise.gateway.ledger import Ledger
from tierwise.gateway.secrets import mask, secret_values
from tierwise.gateway.types import BudgetExceeded, LedgerLine


def _line(**fields: object) -> LedgerLine:
    return LedgerLine(**{"action": "plan", "tier": "frontier", "model": "m", **fields})


def test_creates_state_dir_with_gitignore(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    assert ledger.read() == []
    ledger.append(_line(cost_usd=0.5, task_id="t"))
    assert (tmp_path / ".tierwise" / ".gitignore").read_text() == "*\n"
    assert ledger.read()[0].cost_usd == 0.5


def test_read_filters_and_is_incremental(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    old = datetime.now(UTC) - timedelta(days=2)
    ledger.append(_line(time=old, task_id="a", cost_usd=1))
    ledger.append(_line(task_id="b", cost_usd=2))
    assert [line.task_id for line in ledger.read()] == ["a", "b"]
    other = Ledger(tmp_path)  # a second reader sees what the first wrote, and new lines later
    other.append(_line(task_id="a", cost_usd=4))
    assert ledger.spent(task_id="a") == 5
    assert ledger.spent(since=datetime.now(UTC) - timedelta(days=1)) == 6
    assert ledger.read(task_id="a", since=datetime.now(UTC) - timedelta(days=1))[0].cost_usd == 4


def test_torn_and_foreign_lines_are_skipped(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    ledger.append(_line(cost_usd=1))
    with ledger.path.open("a") as handle:
        handle.write('not json\n{"half": ')
    assert len(ledger.read()) == 1 and ledger.skipped == 1  # the unterminated tail waits
    with ledger.path.open("a") as handle:
        handle.write("1}\n")
    ledger.append(_line(cost_usd=2))
    assert [line.cost_usd for line in ledger.read()] == [1, 2] and ledger.skipped == 2


def test_concurrent_thread_appends_never_interleave(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)

    def work(n: int) -> None:
        for i in range(40):
            ledger.append(_line(task_id=f"t{n}", cost_usd=0.001, error="x" * (i * 50)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(Ledger(tmp_path).read()) == 240 and ledger.skipped == 0


def test_concurrent_process_appends_never_interleave(tmp_path: Path) -> None:
    code = (
        "import sys; from tierwise.gateway.ledger import Ledger; from tierwise.gateway.types import LedgerLine\n"
        "l = Ledger(sys.argv[1])\n"
        "for i in range(100): l.append(LedgerLine(action='fix', tier='light', model='m', task_id=sys.argv[2], error='y' * 3000))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), f"p{n}"]) for n in range(3)]
    assert all(proc.wait(timeout=120) == 0 for proc in procs)
    reader = Ledger(tmp_path)
    assert len(reader.read()) == 300 and reader.skipped == 0


def test_worst_case_has_a_margin() -> None:
    assert prompt_bound(100) == 136
    price = Price(input_per_mtok=10, output_per_mtok=100)
    assert worst_case_usd(price, 100, 1000) == pytest.approx((136 * 10 + 1000 * 100) / 1e6)


def test_guard_counts_ledger_and_reservations(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    ledger.append(_line(task_id="t", cost_usd=0.5))
    guard = BudgetGuard(Budget(per_task_usd=1.0, per_day_usd=None), ledger)
    first = guard.reserve(task_id="t", worst_usd=0.3, what="call")
    with pytest.raises(BudgetExceeded) as info:
        guard.reserve(task_id="t", worst_usd=0.3, what="the second call")  # 0.5 + 0.3 + 0.3 > 1
    assert info.value.scope == "task" and info.value.spent_usd == pytest.approx(0.8)
    assert "the second call" in str(info.value)
    guard.settle(first, 0.1)  # it really cost 0.1
    second = guard.reserve(task_id="t", worst_usd=0.3, what="call")
    guard.release(first)
    guard.release(second)
    assert guard.reserve(task_id=None, worst_usd=10, what="untracked") is not None  # no task: no task ceiling


def test_guard_day_ceiling(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    ledger.append(_line(time=datetime.now(UTC) - timedelta(days=1), cost_usd=100))
    ledger.append(_line(cost_usd=0.9))
    guard = BudgetGuard(Budget(per_task_usd=None, per_day_usd=1.0), ledger)
    guard.reserve(task_id="x", worst_usd=0.1, what="call")  # exactly at the ceiling is allowed
    with pytest.raises(BudgetExceeded, match="daily ceiling") as info:
        guard.reserve(task_id="y", worst_usd=0.01, what="call")
    assert info.value.scope == "day"


def test_mask_literal_values_and_key_shapes() -> None:
    env = {"MY_PROVIDER_KEY": "plain-value-123", "HOME": "/root", "SHORT_TOKEN": "1"}
    secrets = secret_values(env, ["MY_PROVIDER_KEY"])
    assert secrets == ["plain-value-123"]
    text = "key plain-value-123 and sk-proj-ABCdef123456 and Authorization: Bearer abc.def.ghi"
    masked = mask(text, secrets)
    assert "plain-value-123" not in masked and "sk-proj" not in masked and "abc.def.ghi" not in masked
    assert mask("task-12345 is risk-free", secrets) == "task-12345 is risk-free"

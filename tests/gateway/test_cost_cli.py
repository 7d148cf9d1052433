"""``tierwise cost``: per-task and per-tier tables, JSON, empty ledger, unknown task."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tierwise.cli.cost_cmd import cost_command
from tierwise.gateway import Message
from tierwise.gateway.costs import summarize
from tierwise.gateway.ledger import Ledger
from tierwise.gateway.types import LedgerLine

_SEED_CALLS = [  # task, action, tier, model, tokens in, tokens out, cost, what the frontier would have cost
    ("t1", "plan", "frontier", "f", 1000, 100, 0.0225, 0.0225),
    ("t1", "implement", "mid", "m", 2000, 1000, 0.021, 0.105),
    ("t2", "fix", "light", "l", 4000, 400, 0.0015, 0.09),
]


def _seed(root: Path) -> None:
    ledger = Ledger(root)
    for task_id, action, tier, model, tokens_in, tokens_out, cost, frontier_cost in _SEED_CALLS:
        ledger.append(
            LedgerLine(
                task_id=task_id,
                action=action,
                tier=tier,
                model=model,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cost_usd=cost,
                frontier_cost_usd=frontier_cost,
            )
        )
    ledger.append(
        LedgerLine(task_id="t2", action="plan", tier="frontier", model="f", outcome="budget_refused")
    )


def test_summary_numbers(tmp_path: Path) -> None:
    _seed(tmp_path)
    report = summarize(Ledger(tmp_path).read(), ["frontier", "mid", "light", "local"])
    assert [row.key for row in report.tasks] == ["t1", "t2"]
    assert [row.key for row in report.tiers] == ["frontier", "mid", "light"]
    assert report.total.calls == 4 and report.total.tokens_in == 7000
    assert report.total.cost_usd == pytest.approx(0.045)
    assert report.total.saved_usd == pytest.approx(0.2175 - 0.045)
    assert report.tiers[1].saved_pct == pytest.approx(80)
    assert report.tasks[1].outcomes == {"ok": 1, "budget_refused": 1}


def test_tables(tmp_path: Path) -> None:
    _seed(tmp_path)
    result = CliRunner().invoke(cost_command, ["--workspace", str(tmp_path)], terminal_width=100)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Cost per task" in out and "Cost per tier" in out
    assert "t1" in out and "t2" in out and "frontier" in out and "light" in out
    assert "$0.0450" in out and "$0.2175" in out and "$0.1725" in out and "79%" in out
    assert "1 refused by budget" in out


def test_json_for_one_task(tmp_path: Path) -> None:
    _seed(tmp_path)
    result = CliRunner().invoke(cost_command, ["t2", "--workspace", str(tmp_path), "--json"])
    data = json.loads(result.output)
    assert [row["key"] for row in data["tasks"]] == ["t2"]
    assert data["total"]["calls"] == 2 and data["total"]["saved_usd"] == pytest.approx(0.0885)
    assert data["tiers"][0]["key"] == "frontier" and data["tiers"][0]["outcomes"] == {"budget_refused": 1}


def test_unknown_task_and_empty_ledger(tmp_path: Path) -> None:
    empty = CliRunner().invoke(cost_command, ["--workspace", str(tmp_path)])
    assert empty.exit_code == 0 and "No model calls recorded yet" in empty.output
    _seed(tmp_path)
    unknown = CliRunner().invoke(cost_command, ["nope", "--workspace", str(tmp_path)])
    assert unknown.exit_code == 2 and "Known tasks: t1, t2" in unknown.output


def test_cli_process_finds_the_workspace_from_a_subfolder(tmp_path: Path) -> None:
    _seed(tmp_path)
    sub = tmp_path / "src" / "deep"
    sub.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-m", "tierwise", "cost", "--json"],
        cwd=sub,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"]["calls"] == 4


async def test_cost_of_real_gateway_calls(replay_server, make_gateway, tmp_path: Path) -> None:
    srv = replay_server({"rules": [{"reply": "done and dusted", "times": 0}]})
    gateway = make_gateway(srv.url)
    for action in ("plan", "implement", "refine"):
        await gateway.complete(action, [Message(role="user", content="do the thing")], task_id="real")
    result = CliRunner().invoke(cost_command, ["real", "--workspace", str(tmp_path / "ws"), "--json"])
    data = json.loads(result.output)
    tiers = {row["key"]: row for row in data["tiers"]}
    assert set(tiers) == {"frontier", "mid", "light"}
    assert tiers["frontier"]["saved_usd"] == 0 and tiers["mid"]["saved_pct"] == pytest.approx(80, abs=0.5)
    assert tiers["light"]["saved_pct"] == pytest.approx(98.3, abs=0.5)


def test_cache_hit_rate_per_phase_and_tier_and_old_lines_still_read(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    old = {"time": "2026-01-01T00:00:00Z", "task_id": "t", "action": "fix", "tier": "light", "model": "l",
           "tokens_in": 1000, "tokens_out": 10, "cost_usd": 0.001}
    ledger.path.parent.mkdir(parents=True, exist_ok=True)
    ledger.path.write_text(json.dumps(old) + "\n")  # a line written before the cache fields existed
    ledger.append(LedgerLine(task_id="t", action="fix", tier="light", model="l", tokens_in=3000, tokens_out=10,
                             tokens_cached_read=2048, cost_usd=0.0005))
    ledger.append(LedgerLine(task_id="t", action="fix", tier="mid", model="m", tokens_in=3000, tokens_out=10,
                             cache_loss_tokens=2048, cache_loss_usd=0.0055, tokens_reasoning=4, cost_usd=0.009))
    report = summarize(ledger.read(), ["frontier", "mid", "light", "local"])
    phases = {row.key: row for row in report.phases}
    assert list(phases) == ["fix/mid", "fix/light"]
    assert phases["fix/light"].cache_hit_rate == pytest.approx(2048 / 4000)
    assert phases["fix/mid"].cache_hit_rate == 0 and phases["fix/mid"].cache_loss_tokens == 2048
    result = CliRunner().invoke(cost_command, ["--workspace", str(tmp_path), "--json"])
    data = json.loads(result.output)
    assert data["total"]["cache_hit_rate"] == pytest.approx(2048 / 7000, abs=1e-4)
    assert {row["key"] for row in data["phases"]} == {"fix/light", "fix/mid"}
    table = CliRunner().invoke(cost_command, ["--workspace", str(tmp_path)], terminal_width=200).output
    assert "Prompt cache per phase and tier" in table and "51%" in table and "Prompt cache hit rate: 29%" in table

"""`tierwise context "TASK"` from a real terminal process: the pack, --why with reasons and skipped files, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tierwise.replay.fixtures import replay_tier_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))

from lsp_helpers import write_config  # noqa: E402


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierwise", "context", *args, "--workspace", str(root)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_context_command_prints_the_pack_and_why(project: Path) -> None:
    write_config(project, replay_tier_config("http://127.0.0.1:9/v1"))
    done = run(project, "unknown coupons must raise an error", "--why")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Index: ")
    assert "rate = COUPONS.get(coupon.upper(), 0.0)" in out
    assert "body" in out and "shop/pricing.py apply_discount lines 6-11" in out
    assert ".env: secrets file (never indexed or sent)" in out
    assert "deploy/server.pem: secrets file" in out
    assert "sk-very-secret-value" not in out


def test_context_command_json_and_budget(project: Path) -> None:
    write_config(project, replay_tier_config("http://127.0.0.1:9/v1"))
    done = run(project, "round the cart total", "--json", "--budget", "300", "--file", "shop/cart.py")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["budget_tokens"] == 300 and 0 < data["tokens"] <= 300
    assert data["index"]["files"] >= 8 and ".env" in data["skipped"]
    assert all({"path", "symbol", "kind", "tokens", "why"} <= set(item) for item in data["items"])


def test_context_command_reports_a_bad_configuration(project: Path) -> None:
    (project / ".tierwise.toml").write_text("[context]\nshare = 5\n")
    done = run(project, "anything")
    assert done.returncode == 2 and "share" in done.stderr


# -- --explore: the explore call through the gateway (replay server over real HTTP) -----------------------
EXPLORE_ANSWER = json.dumps({"items": [
    {"path": "shop/pricing.py", "symbol": "apply_discount", "why": "coupon matching happens here"},
    {"path": "shop/missing.py", "symbol": None, "why": "invented"},
    {"path": "../outside.py", "symbol": None, "why": "escapes"},
]})  # fmt: skip


def explore_config(url: str, tier_config, **context: object) -> dict:  # type: ignore[no-untyped-def]
    data = tier_config(url, gateway={"max_retries": 0, "timeout_s": 30})
    if context:
        data["context"] = dict(context)
    return data


def test_context_explore_shows_the_picks_cost_and_dropped_names(project: Path, replay_server, tier_config) -> None:
    server = replay_server({"rules": [
        {"model": "replay-light", "match": "Candidates from search", "reply": EXPLORE_ANSWER},
    ]})  # fmt: skip
    write_config(project, explore_config(server.url, tier_config))
    done = run(project, "unknown coupons must raise an error", "--explore", "--why")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert [r["model"] for r in server.requests()] == ["replay-light"]  # one call, on the route's light tier
    assert "Candidates from search" in "\n".join(str(m["content"]) for m in server.requests()[0]["messages"])
    assert "Explore: light (" in out and "$0.0" in out and "1 picks of" in out
    assert "pick     shop/pricing.py apply_discount: chosen by explore: coupon matching happens here" in out
    assert "explore named shop/missing.py: dropped" in out and "../outside.py is outside the workspace" in out
    assert "the plan step would not run explore here" in out  # this small project fits the plan budget
    assert "(explore's picks first)" in out
    first_item = out.split("Items:\n", 1)[1].splitlines()[0].split()
    assert first_item[0] == "body" and first_item[3:5] == ["shop/pricing.py", "apply_discount"]
    assert "chosen by explore: coupon matching happens here" in out.split("Items:\n", 1)[1].splitlines()[0]
    ledger = [json.loads(line) for line in (project / ".tierwise" / "ledger.jsonl").read_text().splitlines()]
    assert [(x["action"], x["tier"], x["outcome"]) for x in ledger] == [("explore", "light", "ok")]


def test_context_explore_json_and_fallbacks(project: Path, replay_server, tier_config) -> None:
    server = replay_server({"rules": [
        {"model": "replay-light", "match": "Candidates from search", "reply": "pricing.py, I think"},
    ]})  # fmt: skip
    write_config(project, explore_config(server.url, tier_config))
    done = run(project, "unknown coupons must raise an error", "--explore", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["explore"]["picks"] == [] and data["explore"]["tier"] == "light"
    assert any("explore answer unusable: the answer holds no JSON object; using retrieval alone" in n
               for n in data["explore"]["notes"])  # fmt: skip
    assert "rate = COUPONS.get(coupon.upper(), 0.0)" in data["text"]  # retrieval alone still finds it

    failing = replay_server({"rules": [
        {"model": "replay-light", "match": "Candidates from search", "status": 500, "times": 0},
    ]})  # fmt: skip
    config = explore_config(failing.url, tier_config)
    config["routes"] = {"explore": {"tiers": ["light"]}}
    write_config(project, config)
    done = run(project, "unknown coupons must raise an error", "--explore")
    assert done.returncode == 0, done.stderr
    assert "Explore: no answer used" in done.stdout
    assert "explore failed (ModelCallFailed" in done.stdout and "using retrieval alone" in done.stdout
    assert "rate = COUPONS.get(coupon.upper(), 0.0)" in done.stdout


def test_context_without_explore_or_with_explore_off_calls_nothing(project: Path, replay_server,
                                                                   tier_config) -> None:  # fmt: skip
    server = replay_server({"rules": [
        {"model": "replay-light", "match": "Candidates from search", "reply": EXPLORE_ANSWER},
    ]})  # fmt: skip
    write_config(project, explore_config(server.url, tier_config))
    done = run(project, "unknown coupons must raise an error")
    assert done.returncode == 0 and "(explore not run here)" in done.stdout
    write_config(project, explore_config(server.url, tier_config, explore="off"))
    done = run(project, "unknown coupons must raise an error", "--explore")
    assert done.returncode == 0, done.stderr
    assert 'explore is off in the configuration ([context] explore = "off"): no call made' in done.stdout
    assert server.requests() == []

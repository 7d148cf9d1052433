"""Issue #11 items 5 and 9: a provider ignoring max_tokens is cut off within the budget and named; failing
deployments cool down (litellm Router semantics) and calls skip them — over real HTTP to the replay server."""

from __future__ import annotations

import time

import pytest

from tierwise.cli.doctor_cmd import _health_report, render_health
from tierwise.gateway.budget import output_cap
from tierwise.gateway.health import active_cooldowns, read_records
from tierwise.gateway.types import Message, ModelCallFailed

HI = [Message(role="user", content="hello")]
WORDS = " ".join(f"w{i}" for i in range(50)) + " "  # distinct pieces (litellm rejects a chunk repeated 100 times)
PRICE = {"input_per_mtok": 15, "output_per_mtok": 75}


def _fallback(name: str) -> dict:
    return {"model": f"openai/{name}", "price": PRICE}


async def test_a_stream_past_max_tokens_is_closed_recorded_and_named(replay_server, make_gateway, ledger) -> None:
    # 100 output tokens asked; the server streams ~100,000 tokens (as the 354,000-token reply of the issue)
    srv = replay_server({"rules": [{"model": "replay-frontier", "reply": WORDS, "ignore_max_tokens": 2000}]})
    ceiling = 0.05
    gateway = make_gateway(
        srv.url, budget={"per_task_usd": ceiling, "per_day_usd": None}, tiers={"frontier": {"max_tokens": 100}}
    )
    with pytest.raises(ModelCallFailed) as info:
        await gateway.complete("plan", HI, task_id="t1")
    message = str(info.value)
    assert "openai/replay-frontier" in message and srv.url in message and "ignored max_tokens=100" in message
    [line] = ledger.read(task_id="t1")
    assert 100 < line.tokens_out <= output_cap(100)  # what was received, not the 100,000 the server had
    assert line.tokens_estimated and line.cost_usd > 0
    assert ledger.spent(task_id="t1") <= ceiling
    [record] = read_records(gateway.root).values()
    assert record.overruns == 1 and record.model == "openai/replay-frontier"
    shown = "\n".join(render_health(_health_report(gateway.root)))
    assert "ignored max_tokens 1 time(s)" in shown and "openai/replay-frontier" in shown


async def test_an_overrunning_deployment_falls_back_and_is_skipped_afterwards(
    replay_server, make_gateway, ledger
) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-mid", "reply": WORDS, "ignore_max_tokens": 1000, "times": 0},
                {"model": "replay-mid-b", "reply": "fine", "times": 0},
            ]
        }
    )
    gateway = make_gateway(
        srv.url,
        budget={"per_task_usd": 0.5, "per_day_usd": None},
        tiers={"mid": {"max_tokens": 64, "fallbacks": [_fallback("replay-mid-b")]}},
    )
    first = await gateway.complete("implement", HI, task_id="t2", tier="mid")
    second = await gateway.complete("implement", HI, task_id="t2", tier="mid")
    assert first.text == second.text == "fine"
    assert first.usage.fallbacks_used == ["openai/replay-mid-b"]
    models = [entry["model"] for entry in srv.requests()]
    assert models.count("replay-mid") == 1  # cooled down at once: the second call skipped it
    assert sum(line.cost_usd for line in ledger.read()) <= 0.5
    [cooling] = [c for c in active_cooldowns(gateway.root) if c["model"] == "openai/replay-mid"]
    assert cooling["tier"] == "mid" and "ignored max_tokens" in cooling["reason"]


async def test_a_failing_deployment_cools_down_after_allowed_fails(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-mid", "status": 503, "times": 0},
                {"model": "replay-mid-b", "reply": "from the fallback", "times": 0},
            ]
        }
    )
    gateway = make_gateway(
        srv.url,
        gateway={"max_retries": 3, "allowed_fails": 1, "cooldown_time_s": 30},
        tiers={"mid": {"fallbacks": [_fallback("replay-mid-b")]}},
    )
    for _ in range(3):
        answer = await gateway.complete("implement", HI, tier="mid")
        assert answer.text == "from the fallback"
    # 2 failures (> allowed_fails = 1) cooled replay-mid down; retries stopped there, later calls skip it
    assert [entry["model"] for entry in srv.requests()].count("replay-mid") == 2
    report = _health_report(gateway.root)
    [mid] = [item for item in report if item["model"] == "openai/replay-mid"]
    assert mid["cooling_down"] and 0 < mid["cooldown_remaining_s"] <= 30 and mid["cooldowns"] == 1
    assert "cooling down" in "\n".join(render_health(report))


async def test_a_cooled_down_tier_routes_to_the_next_stronger_tier(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-light", "status": 500, "times": 0},
                {"model": "replay-mid", "reply": "mid answers", "times": 0},
            ]
        }
    )
    gateway = make_gateway(srv.url, gateway={"max_retries": 2, "allowed_fails": 0, "cooldown_time_s": 30})
    with pytest.raises(ModelCallFailed) as info:
        await gateway.complete("fix", HI, tier="light")
    assert "cooling down for 30 s" in str(info.value)
    assert not gateway.tier_status()["light"].usable
    answer = await gateway.complete("fix", HI, tier="light")
    assert answer.text == "mid answers" and answer.usage.tier == "mid" and answer.usage.requested_tier == "light"
    assert [entry["model"] for entry in srv.requests()].count("replay-light") == 1


async def test_429_on_a_deployment_with_a_fallback_cools_it_down_at_once(replay_server, make_gateway) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-mid", "status": 429, "retry_after": 5, "times": 0},
                {"model": "replay-mid-b", "reply": "b", "times": 0},
            ]
        }
    )
    gateway = make_gateway(
        srv.url,
        gateway={"max_retries": 3, "max_backoff_s": 10},
        tiers={"mid": {"fallbacks": [_fallback("replay-mid-b")]}},
    )
    started = time.monotonic()
    assert (await gateway.complete("implement", HI, tier="mid")).text == "b"
    assert time.monotonic() - started < 4  # no 5 s Retry-After wait: the fallback took over
    assert [entry["model"] for entry in srv.requests()].count("replay-mid") == 1


async def test_cooldowns_can_be_switched_off(replay_server, make_gateway) -> None:
    srv = replay_server({"rules": [{"model": "replay-light", "status": 500, "times": 0}]})
    gateway = make_gateway(srv.url, gateway={"max_retries": 1, "allowed_fails": 0, "cooldown_time_s": 0})
    for _ in range(2):
        with pytest.raises(ModelCallFailed):
            await gateway.complete("fix", HI, tier="light")
    assert len(srv.requests()) == 4 and active_cooldowns(gateway.root) == []

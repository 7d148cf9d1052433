"""Provider caching end to end: litellm over HTTP to the replay server's simulated prompt caches, and the
ledger booking what the provider would invoice."""

from __future__ import annotations

import math
import os

import pytest

from tierwise.gateway import Message

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

STABLE = "Project conventions: " + " ".join(f"rule{i} keeps the code tidy." for i in range(700))
ANTHROPIC_PRICE = {
    "input_per_mtok": 3, "output_per_mtok": 15, "cached_input_per_mtok": 0.3, "cache_write_per_mtok": 3.75,
}


def prompt(tail: str) -> list[Message]:
    return [
        Message(role="system", content="You are terse."),
        Message(role="user", content=STABLE, cache_break=True),
        Message(role="user", content=tail),
    ]


async def test_openai_style_cached_tokens_are_booked_at_litellm_price(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "done", "times": 0, "reasoning_tokens": 7}]})
    gateway = make_gateway(srv.url, tiers={"mid": {"model": "openai/gpt-4o", "price": None}})
    await gateway.complete("implement", prompt("first file"), task_id="t")
    await gateway.complete("implement", prompt("second file"), task_id="t")
    first, second = ledger.read("t")
    assert first.tokens_cached_read == 0 and first.tokens_reasoning == 7
    assert second.tokens_cached_read >= 1024 and second.tokens_cached_read % 128 == 0
    assert second.tokens_cache_write == 0
    # no breakpoints for an implicit-caching provider
    assert all(isinstance(m["content"], str) for r in srv.requests() for m in r["messages"])
    import litellm

    for line, logged in zip((first, second), srv.requests(), strict=True):
        usage = logged["usage"]
        assert line.tokens_in == usage["prompt_tokens"]
        assert line.tokens_cached_read == usage["prompt_tokens_details"]["cached_tokens"]
        response = litellm.ModelResponse(model="gpt-4o", usage=litellm.Usage(**usage))
        invoice = litellm.completion_cost(completion_response=response, model="gpt-4o")
        assert math.isclose(line.cost_usd, invoice, rel_tol=0.005)
    naive = (second.tokens_in * 2.5 + second.tokens_out * 10) / 1e6
    assert second.cost_usd < naive * 0.7


async def test_anthropic_style_breakpoints_write_then_read(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "ok", "times": 0}]})
    gateway = make_gateway(srv.url, tiers={"mid": {"price": ANTHROPIC_PRICE}})
    await gateway.complete("implement", prompt("first"), task_id="t")
    await gateway.complete("implement", prompt("second"), task_id="t")
    first, second = ledger.read("t")
    sent = srv.requests()[0]["messages"]
    assert sent[1]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert isinstance(sent[2]["content"], str)
    assert first.tokens_cache_write >= 1024 and first.tokens_cached_read == 0
    assert second.tokens_cached_read == first.tokens_cache_write and second.tokens_cache_write == 0
    for line in (first, second):
        fresh = line.tokens_in - line.tokens_cached_read - line.tokens_cache_write
        expected = (fresh * 3 + line.tokens_cached_read * 0.3 + line.tokens_cache_write * 3.75 + line.tokens_out * 15) / 1e6
        assert line.cost_usd == pytest.approx(expected)
    assert second.cost_usd < first.cost_usd / 3


async def test_cache_off_sends_no_breakpoints(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "ok", "times": 0}]})
    gateway = make_gateway(srv.url, tiers={"mid": {"price": ANTHROPIC_PRICE, "cache": "off"}})
    await gateway.complete("implement", prompt("first"), task_id="t")
    await gateway.complete("implement", prompt("second"), task_id="t")
    assert all(isinstance(m["content"], str) for r in srv.requests() for m in r["messages"])
    assert all(line.tokens_cache_write == 0 for line in ledger.read("t"))


async def test_counterfactual_prices_the_same_cache_reads_on_the_frontier(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "ok", "times": 0}]})
    frontier = {"price": {"input_per_mtok": 15, "output_per_mtok": 75, "cached_input_per_mtok": 1.5}}
    gateway = make_gateway(srv.url, tiers={"frontier": frontier})
    await gateway.complete("implement", prompt("a"), task_id="t")
    await gateway.complete("implement", prompt("b"), task_id="t")
    line = ledger.read("t")[1]
    fresh = line.tokens_in - line.tokens_cached_read
    assert line.tokens_cached_read > 0
    assert line.frontier_cost_usd == pytest.approx((fresh * 15 + line.tokens_cached_read * 1.5 + line.tokens_out * 75) / 1e6)


async def test_escalating_to_another_tier_records_the_cache_loss(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "try", "times": 0}]})
    cached = {"cached_input_per_mtok": 0.3}
    gateway = make_gateway(srv.url, tiers={"mid": {"price": {"input_per_mtok": 3, "output_per_mtok": 15, **cached}}})
    await gateway.complete("fix", prompt("round 1"), task_id="t", tier="light")
    await gateway.complete("fix", prompt("round 2"), task_id="t", tier="light")
    await gateway.complete("fix", prompt("round 3"), task_id="t", tier="mid")
    one, two, three = ledger.read("t")
    assert one.cache_loss_tokens == 0 and two.cache_loss_tokens == 0
    assert two.tokens_cached_read > 0  # light's cache was warm ...
    assert three.tokens_cached_read == 0  # ... mid's was cold
    assert three.cache_loss_tokens >= 1024
    assert three.cache_loss_usd == pytest.approx(three.cache_loss_tokens * (3 - 0.3) / 1e6)

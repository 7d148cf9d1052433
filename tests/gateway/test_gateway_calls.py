"""ModelGateway end to end: litellm for real, over HTTP, against the replay server."""

from __future__ import annotations

import asyncio
import time

import pytest

from tierwise.gateway import BudgetExceeded, Message, ModelCallFailed, NoModelConfigured, PriceUnknown
from tierwise.gateway.gateway import ModelGateway
from tierwise.replay.fixtures import TEST_KEY  # the fake key tier_config puts in $TIERWISE_TEST_KEY

MID_PRICE = {"input_per_mtok": 3, "output_per_mtok": 15}


def fallback(model: str, **extra: object) -> dict[str, object]:
    """A priced fallback deployment (fallbacks do not inherit the tier's price)."""
    return {"model": model, "price": MID_PRICE, **extra}


HI = [Message(role="system", content="You are terse."), Message(role="user", content="Say hi")]


def _models(handle) -> list[str]:
    return [entry["model"] for entry in handle.requests()]


async def test_each_action_goes_to_its_tier(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": f"replay-{tier}", "reply": f"from {tier}", "times": 0}
                for tier in ("frontier", "mid", "light", "local")
            ]
        }
    )
    gateway = make_gateway(srv.url)
    expected = {
        "plan": "frontier",
        "implement": "mid",
        "refine": "light",
        "quickfix": "light",
        "summarize": "local",
        "review": "frontier",
    }
    for action, tier in expected.items():
        completion = await gateway.complete(action, HI, task_id="t1")
        assert completion.text == f"from {tier}" and completion.tier == tier
        assert completion.model == f"openai/replay-{tier}"
    assert _models(srv) == [f"replay-{tier}" for tier in expected.values()]
    lines = ledger.read("t1")
    assert [line.tier for line in lines] == list(expected.values())
    assert all(line.outcome == "ok" and line.scripted and not line.tokens_estimated for line in lines)
    logged_max_tokens = {entry["max_tokens"] for entry in srv.requests()}
    assert logged_max_tokens == {4096}
    plan, implement = lines[0], lines[1]
    # usage comes from the server; cost from the tier price; counterfactual from the frontier price
    assert plan.tokens_out == 2 and plan.tokens_in > 5
    assert plan.cost_usd == pytest.approx((plan.tokens_in * 15 + plan.tokens_out * 75) / 1e6)
    assert plan.frontier_cost_usd == pytest.approx(plan.cost_usd) and plan.saved_usd == pytest.approx(0)
    assert implement.cost_usd == pytest.approx((implement.tokens_in * 3 + implement.tokens_out * 15) / 1e6)
    assert implement.frontier_cost_usd == pytest.approx(implement.cost_usd * 5)
    assert lines[4].cost_usd == 0 and lines[4].frontier_cost_usd > 0  # local: free


async def test_ladder_escalate_after_and_explicit_tier(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "ok", "times": 0}]})
    gateway = make_gateway(
        srv.url, routes={"fix": {"tiers": ["light", "mid", "frontier"], "escalate_after": 3}}
    )
    assert gateway.ladder("fix") == ["light", "mid", "frontier"]
    assert gateway.escalate_after("fix") == 3 and gateway.escalate_after("plan") == 2
    assert gateway.model_for("mid") == "openai/replay-mid"
    for tier in gateway.ladder("fix"):
        completion = await gateway.complete("fix", HI, task_id="t", tier=tier)
        assert completion.tier == tier
    assert _models(srv) == ["replay-light", "replay-mid", "replay-frontier"]
    assert [line.action for line in ledger.read()] == ["fix"] * 3


async def test_unusable_tier_falls_back_to_stronger_and_says_so(
    replay_server, make_gateway, ledger, monkeypatch
) -> None:
    srv = replay_server({"rules": [{"reply": "ok", "times": 0}]})
    gateway = make_gateway(srv.url, tiers={"light": {"api_key_env": "TIERWISE_ABSENT_KEY"}})
    monkeypatch.delenv("TIERWISE_ABSENT_KEY", raising=False)
    assert gateway.ladder("fix") == ["mid", "frontier"]
    assert gateway.model_for("light") == "openai/replay-mid"
    completion = await gateway.complete("refine", HI)
    assert completion.tier == "mid" and completion.usage.requested_tier == "light"
    assert _models(srv) == ["replay-mid"]
    assert any("light" in note and "mid" in note for route in gateway.routes() for note in route.notes)


async def test_no_usable_model_is_a_clear_error_and_recorded(tmp_path, ledger) -> None:
    from tierwise.config.model import Config

    gateway = ModelGateway(Config(), tmp_path / "ws", env={})
    with pytest.raises(NoModelConfigured, match="tierwise doctor"):
        await gateway.complete("plan", HI, task_id="t0")
    (line,) = ledger.read()
    assert line.outcome == "error" and "No usable model" in line.error
    with pytest.raises(NoModelConfigured, match="unknown tier"):
        await gateway.complete("plan", HI, tier="nonexistent")


async def test_500_retries_then_falls_back(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-mid", "status": 500, "times": 0},
                {"model": "replay-mid-b", "reply": "fallback ok"},
            ]
        }
    )
    gateway = make_gateway(srv.url, tiers={"mid": {"fallbacks": [fallback("openai/replay-mid-b")]}})
    completion = await gateway.complete("implement", HI, task_id="t")
    assert completion.text == "fallback ok" and completion.model == "openai/replay-mid-b"
    assert _models(srv) == ["replay-mid", "replay-mid", "replay-mid-b"]  # 1 try + 1 retry, then fallback
    (line,) = ledger.read()
    assert line.retries == 1 and line.fallbacks_used == ["openai/replay-mid-b"]


async def test_hang_hits_idle_timeout_then_falls_back(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-mid", "reply": "never", "hang_before_s": 30, "times": 1},
                {
                    "model": "replay-mid",
                    "reply": "a b c d e f",
                    "hang_after_tokens": 2,
                    "hang_s": 30,
                    "times": 1,
                },
                {"model": "replay-mid-b", "reply": "fallback ok"},
            ]
        }
    )
    gateway = make_gateway(srv.url, tiers={"mid": {"fallbacks": [fallback("openai/replay-mid-b")]}})
    started = time.monotonic()
    completion = await gateway.complete("implement", HI)
    elapsed = time.monotonic() - started
    assert completion.text == "fallback ok"
    assert 2.0 <= elapsed < 6.0  # two idle timeouts of 1 s, no 30 s hang
    (line,) = ledger.read()
    assert line.retries == 1 and line.tokens_estimated  # the stalled stream had produced output
    assert line.tokens_out > 2


async def test_429_retry_after_is_honoured(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"status": 429, "retry_after": 1}, {"reply": "after the wait"}]})
    gateway = make_gateway(srv.url)
    completion = await gateway.complete("implement", HI)
    assert completion.text == "after the wait"
    first, second = srv.requests()
    assert first["status"] == 429 and second["status"] == 200
    assert 0.9 <= second["time"] - first["time"] < 3.0  # backoff_s is 0.05: the wait came from Retry-After
    assert ledger.read()[0].retries == 1


async def test_retry_after_is_capped_by_max_backoff(replay_server, make_gateway) -> None:
    srv = replay_server({"rules": [{"status": 429, "retry_after": 60}, {"reply": "ok"}]})
    gateway = make_gateway(srv.url, gateway={"max_backoff_s": 0.3})
    started = time.monotonic()
    assert (await gateway.complete("implement", HI)).text == "ok"
    assert time.monotonic() - started < 5


async def test_auth_error_is_not_retried(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-mid", "status": 401, "times": 0},
                {"model": "replay-mid-b", "reply": "b"},
            ]
        }
    )
    gateway = make_gateway(
        srv.url, tiers={"mid": {"fallbacks": [fallback("openai/replay-mid-b")]}}, gateway={"max_retries": 3}
    )
    assert (await gateway.complete("implement", HI)).text == "b"
    assert _models(srv) == ["replay-mid", "replay-mid-b"]
    assert ledger.read()[0].retries == 0


async def test_auth_error_without_fallback_fails_clearly(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"status": 401, "times": 0}]})
    gateway = make_gateway(srv.url, gateway={"max_retries": 3})
    with pytest.raises(ModelCallFailed, match="failed on every deployment") as info:
        await gateway.complete("implement", HI)
    assert "openai/replay-mid" in str(info.value)
    assert len(srv.requests()) == 1
    assert ledger.read()[0].outcome == "error"


async def test_bad_request_fails_without_retry_or_fallback(replay_server, make_gateway) -> None:
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-mid", "status": 400, "times": 0},
                {"model": "replay-mid-b", "reply": "b"},
            ]
        }
    )
    gateway = make_gateway(srv.url, tiers={"mid": {"fallbacks": [fallback("openai/replay-mid-b")]}})
    with pytest.raises(ModelCallFailed, match="rejected"):
        await gateway.complete("implement", HI)
    assert _models(srv) == ["replay-mid"]


async def test_context_window_fallback_before_and_after_the_call(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {
            "rules": [
                {
                    "model": "replay-mid-b",
                    "status": 400,
                    "error": "This model's maximum context length is 100 tokens. However, your messages resulted in 900 tokens.",
                },
                {"model": "replay-mid-c", "reply": "big window"},
            ]
        }
    )
    gateway = make_gateway(
        srv.url,
        tiers={
            "mid": {
                "context_window": 50,
                "fallbacks": [
                    fallback("openai/replay-mid-b"),
                    fallback("openai/replay-mid-c", context_window=100000),
                ],
            }
        },
    )
    long_prompt = [Message(role="user", content="word " * 300)]
    completion = await gateway.complete("implement", long_prompt)
    assert completion.text == "big window"
    # the primary (50-token window) was skipped without a request; b refused with a context error
    assert _models(srv) == ["replay-mid-b", "replay-mid-c"]
    assert ledger.read()[0].fallbacks_used == ["openai/replay-mid-b", "openai/replay-mid-c"]


async def test_replay_faults_cut_malformed_blank(replay_server, make_gateway, ledger) -> None:
    reply = "line one\n\nline two"
    srv = replay_server(
        {
            "rules": [
                {"model": "replay-mid", "reply": reply, "cut_after_tokens": 2},
                {"model": "replay-mid", "reply": reply},
                {"model": "replay-light", "reply": reply, "malformed_chunk": True},
                {"model": "replay-light", "reply": reply},
                {"model": "replay-frontier", "reply": reply, "blank_lines": True},
            ]
        }
    )
    gateway = make_gateway(srv.url)
    assert (await gateway.complete("implement", HI)).text == reply
    assert (await gateway.complete("refine", HI)).text == reply
    padded = (await gateway.complete("plan", HI)).text
    assert padded != reply and padded.strip() == reply.replace("\n\n", "\n" + "\n" * 6)
    cut, malformed, blank = ledger.read()
    assert cut.retries == 1 and malformed.retries == 1 and blank.retries == 0


async def test_overall_timeout_bounds_the_call(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "slow", "hang_before_s": 30, "times": 0}]})
    gateway = make_gateway(srv.url, gateway={"idle_timeout_s": 10, "timeout_s": 1.0})
    started = time.monotonic()
    with pytest.raises(ModelCallFailed, match="timed out after 1 s"):
        await gateway.complete("implement", HI)
    assert time.monotonic() - started < 4
    assert ledger.read()[0].outcome == "error"


async def test_cancel_mid_stream_stops_quickly(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {"rules": [{"reply": " ".join(f"word{i}" for i in range(200)), "token_delay_s": 0.05}]}
    )
    gateway = make_gateway(srv.url, gateway={"idle_timeout_s": 5})
    task = asyncio.create_task(gateway.complete("implement", HI, task_id="t"))
    for _ in range(200):
        if srv.requests():
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # now streaming
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    (line,) = ledger.read()
    assert line.outcome == "cancelled" and line.tokens_estimated and line.cost_usd > 0


async def test_secrets_never_reach_errors_or_ledger(replay_server, make_gateway, ledger) -> None:
    srv = replay_server(
        {
            "rules": [
                {"status": 401, "error": f"Incorrect API key provided: {TEST_KEY}. Check it.", "times": 0}
            ]
        }
    )
    gateway = make_gateway(srv.url)
    with pytest.raises(ModelCallFailed) as info:
        await gateway.complete("implement", HI)
    assert TEST_KEY not in str(info.value) and "***" in str(info.value)
    assert TEST_KEY not in ledger.path.read_text()
    assert TEST_KEY not in srv.log_path.read_text()


async def test_unknown_price_refused_unless_local(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "ok", "times": 0}]})
    gateway = make_gateway(srv.url, tiers={"mid": {"price": None}})
    with pytest.raises(PriceUnknown, match=r"\[tiers.mid\]"):
        await gateway.complete("implement", HI)
    assert srv.requests() == []
    assert (await gateway.complete("summarize", HI)).usage.cost_usd == 0  # local, no price: free
    assert [line.outcome for line in ledger.read()] == ["error", "ok"]


async def test_task_budget_refuses_the_call_that_could_cross_it(replay_server, make_gateway, ledger) -> None:
    reply = " ".join(f"w{i}" for i in range(250))  # ~500 output tokens ≈ $0.0375 on the frontier tier
    srv = replay_server({"rules": [{"reply": reply, "times": 0}]})
    gateway = make_gateway(
        srv.url, budget={"per_task_usd": 0.1, "per_day_usd": None}, tiers={"frontier": {"max_tokens": 1000}}
    )
    refused = None
    for _ in range(5):
        try:
            await gateway.complete("plan", HI, task_id="budgeted")
        except BudgetExceeded as err:
            refused = err
            break
    assert refused is not None and refused.scope == "task" and refused.limit_usd == 0.1
    assert "per_task_usd" in str(refused)
    lines = ledger.read("budgeted")
    assert lines[-1].outcome == "budget_refused" and lines[-1].cost_usd == 0
    assert sum(line.cost_usd for line in lines) <= 0.1
    assert len(srv.requests()) == len(lines) - 1  # the refused call never reached the server
    # another task is not affected by this task's ceiling
    assert (await gateway.complete("plan", HI, task_id="other")).text == reply


async def test_day_budget_counts_today_only(replay_server, make_gateway, ledger) -> None:
    from datetime import UTC, datetime, timedelta

    from tierwise.gateway.types import LedgerLine

    yesterday = datetime.now(UTC) - timedelta(days=1, minutes=1)
    ledger.append(LedgerLine(time=yesterday, action="plan", tier="frontier", model="m", cost_usd=50.0))
    srv = replay_server({"rules": [{"reply": "ok", "times": 0}]})
    gateway = make_gateway(
        srv.url, budget={"per_task_usd": None, "per_day_usd": 0.05}, tiers={"frontier": {"max_tokens": 500}}
    )
    assert (await gateway.complete("plan", HI, task_id="a")).text == "ok"  # yesterday's $50 does not count
    ledger.append(LedgerLine(action="plan", tier="frontier", model="m", cost_usd=0.02, task_id="b"))
    with pytest.raises(BudgetExceeded) as info:
        await gateway.complete("plan", HI, task_id="c")  # 0.02 + worst case (~0.0377) > 0.05
    assert info.value.scope == "day" and "per_day_usd" in str(info.value)
    assert ledger.spent(since=datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)) <= 0.05


async def test_concurrent_calls_cannot_jointly_cross_the_ceiling(replay_server, make_gateway, ledger) -> None:
    srv = replay_server({"rules": [{"reply": "ok", "token_delay_s": 0.1, "times": 0}]})
    # worst case per call ≈ $0.0404 (500 + 32 margin output tokens at $75/Mtok): two fit under $0.085, three not
    gateway = make_gateway(
        srv.url, budget={"per_task_usd": 0.085, "per_day_usd": None}, tiers={"frontier": {"max_tokens": 500}}
    )
    results = await asyncio.gather(
        *(gateway.complete("plan", HI, task_id="par") for _ in range(4)), return_exceptions=True
    )
    ok = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BudgetExceeded)]
    assert len(ok) == 2 and len(refused) == 2
    assert len(srv.requests()) == 2

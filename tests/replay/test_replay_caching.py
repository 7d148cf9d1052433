"""The replay server's simulated prompt caches: OpenAI-style implicit prefixes and Anthropic-style
breakpoints, reported in each provider's usage format."""

from __future__ import annotations

import httpx
import pytest

from tierwise.gateway.tokens import count_message_tokens
from tierwise.replay.caching import MIN_PREFIX, STEP, PromptCache, usage_body
from tierwise.replay.script import ScriptError, script_from_data

LONG = " ".join(f"word{i}" for i in range(2500))


def msgs(tail: str, *, mark: bool = False) -> list[dict]:
    stable: dict = {"type": "text", "text": LONG}
    if mark:
        stable["cache_control"] = {"type": "ephemeral"}
    return [{"role": "system", "content": "sys"}, {"role": "user", "content": [stable]},
            {"role": "user", "content": tail}]


def test_openai_style_reads_the_longest_cached_prefix_in_128_token_steps() -> None:
    cache = PromptCache({"*": "openai"})
    first = cache.lookup("m", msgs("alpha"))
    second = cache.lookup("m", msgs("beta"))
    other_model = cache.lookup("n", msgs("beta"))
    assert first.cached_read == 0
    assert second.cached_read >= MIN_PREFIX and (second.cached_read - MIN_PREFIX) % STEP == 0
    assert second.prompt_tokens - second.cached_read < STEP + 10  # only the short tail is new
    assert other_model.cached_read == 0  # caches are per model
    plain = [{"role": m["role"], "content": m["content"] if isinstance(m["content"], str) else LONG} for m in msgs("beta")]
    assert second.prompt_tokens == count_message_tokens((m["role"], m["content"]) for m in plain)


def test_short_prompts_are_never_cached() -> None:
    cache = PromptCache({"*": "openai"})
    small = [{"role": "user", "content": "hello " * 100}]
    cache.lookup("m", small)
    assert cache.lookup("m", small).cached_read == 0


def test_anthropic_style_writes_at_breakpoints_then_reads() -> None:
    cache = PromptCache()  # auto: breakpoints make it Anthropic-style
    first = cache.lookup("m", msgs("alpha", mark=True))
    second = cache.lookup("m", msgs("beta", mark=True))
    assert first.style == second.style == "anthropic"
    assert first.cache_write >= MIN_PREFIX and first.cached_read == 0
    assert second.cached_read == first.cache_write and second.cache_write == 0
    unmarked = PromptCache({"*": "anthropic"})
    unmarked.lookup("m", msgs("alpha"))
    assert unmarked.lookup("m", msgs("beta")).cached_read == 0  # no breakpoint, nothing cached


def test_off_caches_nothing_and_usage_formats_follow_the_provider() -> None:
    cache = PromptCache({"m": "off"})
    cache.lookup("m", msgs("a"))
    hit = cache.lookup("m", msgs("a"))
    assert hit.cached_read == 0 and "prompt_tokens_details" not in usage_body(hit, 5)
    anthropic = PromptCache()
    anthropic.lookup("m", msgs("a", mark=True))
    body = usage_body(anthropic.lookup("m", msgs("b", mark=True)), 5, reasoning_tokens=3)
    assert body["cache_read_input_tokens"] > 0 and body["cache_creation_input_tokens"] == 0
    assert body["completion_tokens"] == 8 and body["completion_tokens_details"] == {"reasoning_tokens": 3}


def test_script_caching_styles_are_checked() -> None:
    assert script_from_data({"rules": [], "caching": {"*": "off"}}).caching == {"*": "off"}
    with pytest.raises(ScriptError, match="caching"):
        script_from_data({"rules": [], "caching": {"*": "sometimes"}})


def test_server_reports_cached_tokens_and_logs_usage(replay_server) -> None:
    srv = replay_server({"rules": [{"reply": "ok", "times": 0, "reasoning_tokens": 2}]})
    bodies = []
    for tail in ("one", "two"):
        answer = httpx.post(f"{srv.url}/chat/completions", json={"model": "x", "messages": msgs(tail)}, timeout=10)
        bodies.append(answer.json()["usage"])
    assert bodies[0]["prompt_tokens_details"]["cached_tokens"] == 0
    assert bodies[1]["prompt_tokens_details"]["cached_tokens"] >= MIN_PREFIX
    assert bodies[1]["completion_tokens_details"]["reasoning_tokens"] == 2
    assert [entry["usage"] for entry in srv.requests()] == bodies

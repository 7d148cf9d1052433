"""Invoice-exact cost: for every model of the pinned litellm price map that has cached-input, cache-write,
reasoning or long-context prices, the ledger's cost for a usage the provider reports equals litellm's cost
for that usage (within 0.5%), and differs from the naive tokens × list price where the usage says it should."""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

import pytest

from tierwise.config.model import Deployment
from tierwise.gateway.invoice import call_cost, usage_from_provider
from tierwise.gateway.pricing import litellm_price_map_path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm")

_LONG = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
TOLERANCE = 0.005


def _special(entry: dict[str, Any]) -> bool:
    return any(
        key in entry
        for key in ("cache_read_input_token_cost", "cache_creation_input_token_cost", "output_cost_per_reasoning_token")
    ) or any(_LONG.match(key) for key in entry)


def _models() -> list[str]:
    path = litellm_price_map_path()
    assert path is not None, "litellm's pinned price map is missing"
    data = json.loads(path.read_text(encoding="utf-8"))
    return sorted(
        name
        for name, entry in data.items()
        if name != "sample_spec"
        and isinstance(entry, dict)
        and entry.get("mode") in (None, "chat", "completion", "responses")
        and isinstance(entry.get("input_cost_per_token"), int | float)
        and isinstance(entry.get("output_cost_per_token"), int | float)
        and _special(entry)
    )


MODELS = _models()


def _wire_usage(entry: dict[str, Any]) -> dict[str, Any]:
    """A usage as the provider reports it: above the long-context threshold when the model has one, with
    cache reads (and writes, Anthropic-style, when the model prices them) and reasoning tokens."""
    thresholds = [int(m.group(1)) * 1000 for key in entry if (m := _LONG.match(key))]
    prompt = (min(thresholds) + 5_000) if thresholds else 12_000
    cached, written = prompt // 2, prompt // 8
    usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": 900, "total_tokens": prompt + 900}
    if "cache_creation_input_token_cost" in entry:
        usage["cache_read_input_tokens"] = cached
        usage["cache_creation_input_tokens"] = written
    usage["prompt_tokens_details"] = {"cached_tokens": cached}
    usage["completion_tokens_details"] = {"reasoning_tokens": 400}
    return usage


def _litellm_cost(model: str, wire: dict[str, Any], provider: str | None) -> float:
    response = litellm.ModelResponse(model=model, usage=litellm.Usage(**wire))
    return float(litellm.completion_cost(completion_response=response, model=model, custom_llm_provider=provider))


def test_the_selection_is_the_price_map_not_a_sample() -> None:
    assert len(MODELS) > 1000
    assert {"claude-sonnet-4-5", "gpt-4o", "o3", "gemini/gemini-2.5-pro"} <= set(MODELS)


@pytest.mark.parametrize("model", MODELS)
def test_ledger_cost_equals_litellm_cost(model: str) -> None:
    entry = litellm.model_cost[model]
    wire = _wire_usage(entry)
    try:
        expected = _litellm_cost(model, wire, entry.get("litellm_provider"))
    except Exception as err:  # noqa: BLE001
        pytest.skip(f"litellm itself cannot price {model}: {type(err).__name__}")
    # what the gateway books: the usage as litellm relays it from the stream, turned into a ledger usage
    relayed = litellm.Usage(**json.loads(json.dumps(wire)))
    usage = usage_from_provider(relayed)
    assert usage is not None
    assert usage.cached_read_tokens == wire["prompt_tokens"] // 2
    booked = call_cost(Deployment(model=model), usage)
    assert math.isclose(booked, expected, rel_tol=TOLERANCE, abs_tol=1e-9), (model, booked, expected)


def test_half_cached_prompt_is_not_charged_at_the_full_input_price() -> None:
    """The issue's measurement: half of each prompt cached used to be booked 38% above the invoice."""
    wire = {"prompt_tokens": 10_000, "completion_tokens": 500, "prompt_tokens_details": {"cached_tokens": 5_000}}
    usage = usage_from_provider(litellm.Usage(**wire))
    booked = call_cost(Deployment(model="openai/gpt-4o"), usage)
    entry = litellm.model_cost["gpt-4o"]
    invoice = (
        5_000 * entry["input_cost_per_token"]
        + 5_000 * entry["cache_read_input_token_cost"]
        + 500 * entry["output_cost_per_token"]
    )
    naive = 10_000 * entry["input_cost_per_token"] + 500 * entry["output_cost_per_token"]
    assert math.isclose(booked, invoice, rel_tol=1e-9)
    assert naive > booked * 1.2


def test_long_context_prices_apply_above_the_threshold() -> None:
    entry = litellm.model_cost["gemini/gemini-2.5-pro"]
    usage = usage_from_provider({"prompt_tokens": 250_000, "completion_tokens": 0})
    booked = call_cost(Deployment(model="gemini/gemini-2.5-pro"), usage)
    assert math.isclose(booked, 250_000 * entry["input_cost_per_token_above_200k_tokens"], rel_tol=1e-6)


def test_prompt_tokens_are_counted_with_the_models_tokenizer_once_litellm_is_loaded() -> None:
    from tierwise.gateway.tokens import count_prompt_tokens

    pairs = [("system", "You are terse."), ("user", "Wie geht's? " * 40 + "数据 " * 30)]
    wire = [{"role": r, "content": c} for r, c in pairs]
    for model in ("gpt-4o", "anthropic/claude-sonnet-4-5", "openai/replay-mid"):
        assert count_prompt_tokens(model, pairs) == litellm.token_counter(model=model, messages=wire)


def test_counting_and_pricing_never_import_litellm(tmp_path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tierwise.gateway.tokens import count_prompt_tokens\n"
        "from tierwise.gateway.invoice import call_cost\n"
        "from tierwise.gateway.types import TokenUsage\n"
        "from tierwise.config.model import Deployment\n"
        "n = count_prompt_tokens('gpt-4o', [('user', 'hello there')])\n"
        "cost = call_cost(Deployment(model='gpt-4o'), TokenUsage(prompt_tokens=1000, completion_tokens=10))\n"
        "assert n > 0 and cost > 0, (n, cost)\n"
        "assert 'litellm' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, timeout=120)

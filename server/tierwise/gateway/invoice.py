"""What a provider will invoice for one answer: its full usage priced through litellm's cost functions.

Called by the gateway after an answer, when litellm is already imported (``sys.modules``); this module
never imports litellm itself, so the language server's start path stays light.

- A ``price`` written in the tier config is an explicit choice and wins: uncached prompt tokens at
  ``input_per_mtok``, cache reads at ``cached_input_per_mtok`` and cache writes at
  ``cache_write_per_mtok`` (each defaults to ``input_per_mtok``), completion tokens (reasoning included)
  at ``output_per_mtok``.
- Otherwise litellm's ``completion_cost`` (with the price-map entry's provider) prices the usage from its pinned price map: cached input, cache
  writes, reasoning tokens and long-context (above 128k/200k/272k tokens) prices included.
- A model litellm cannot price falls back to the pinned map's plain prices with the formula above, and to
  0 when nothing is known (a local model).
"""

from __future__ import annotations

import sys
from typing import Any

from tierwise.config.model import Deployment, Price
from tierwise.gateway.pricing import litellm_price, lookup_model
from tierwise.gateway.types import TokenUsage

PER_M = 1_000_000


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _field(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def usage_from_provider(usage: Any) -> TokenUsage | None:
    """Our ``TokenUsage`` from a provider's usage as litellm relays it (an object or a dict): OpenAI
    (``prompt_tokens_details.cached_tokens``, ``completion_tokens_details.reasoning_tokens``), Anthropic
    (``cache_read_input_tokens``, ``cache_creation_input_tokens``) and DeepSeek (``prompt_cache_hit_tokens``)
    fields. None when there is no usage or no token counts."""
    if usage is None:
        return None
    prompt, completion = _field(usage, "prompt_tokens"), _field(usage, "completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    details = _field(usage, "prompt_tokens_details")
    cached = _int(_field(usage, "cache_read_input_tokens")) or _int(_field(details, "cached_tokens"))
    cached = cached or _int(_field(usage, "prompt_cache_hit_tokens"))
    written = _int(_field(usage, "cache_creation_input_tokens")) or _int(_field(details, "cache_write_tokens"))
    reasoning = _int(_field(_field(usage, "completion_tokens_details"), "reasoning_tokens"))
    return TokenUsage(
        prompt_tokens=max(prompt, 0),
        completion_tokens=max(completion, 0),
        cached_read_tokens=min(cached, max(prompt, 0)),
        cache_write_tokens=min(written, max(prompt - cached, 0)),
        reasoning_tokens=min(reasoning, max(completion, 0)),
    )


def price_usage(price: Price, usage: TokenUsage) -> float:
    """The cost of ``usage`` at a configured (or plain pinned-map) price."""
    fresh = max(usage.prompt_tokens - usage.cached_read_tokens - usage.cache_write_tokens, 0)
    read_price = price.cached_input_per_mtok if price.cached_input_per_mtok is not None else price.input_per_mtok
    write_price = price.cache_write_per_mtok if price.cache_write_per_mtok is not None else price.input_per_mtok
    return (
        fresh * price.input_per_mtok
        + usage.cached_read_tokens * read_price
        + usage.cache_write_tokens * write_price
        + usage.completion_tokens * price.output_per_mtok
    ) / PER_M


def litellm_usage(litellm: Any, usage: TokenUsage) -> Any:
    """A ``litellm.Usage`` carrying every field of ``usage`` (for litellm's cost functions)."""
    extra: dict[str, Any] = {}
    if usage.cached_read_tokens:
        extra["cache_read_input_tokens"] = usage.cached_read_tokens
    if usage.cache_write_tokens:
        extra["cache_creation_input_tokens"] = usage.cache_write_tokens
    return litellm.Usage(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.prompt_tokens + usage.completion_tokens,
        prompt_tokens_details={"cached_tokens": usage.cached_read_tokens},
        completion_tokens_details=(
            {"reasoning_tokens": usage.reasoning_tokens} if usage.reasoning_tokens else None
        ),
        **extra,
    )


def litellm_cost(model: str, usage: TokenUsage) -> float | None:
    """litellm's price for ``usage`` on ``model``, or None when litellm is not loaded or cannot price it."""
    litellm = sys.modules.get("litellm")
    if litellm is None or not hasattr(litellm, "completion_cost"):
        return None
    entry = lookup_model(model)
    provider = entry.get("litellm_provider") if entry is not None else None
    try:
        response = litellm.ModelResponse(model=model, usage=litellm_usage(litellm, usage))
        total = float(
            litellm.completion_cost(
                completion_response=response,
                model=model,
                custom_llm_provider=provider if isinstance(provider, str) else None,
            )
        )
    except Exception:  # noqa: BLE001 - an unknown model or provider: use the fallback
        return None
    return total if total >= 0 else None


def call_cost(deployment: Deployment, usage: TokenUsage) -> float:
    """What ``deployment``'s provider invoices for ``usage`` (see the module docstring for the order)."""
    if deployment.price is not None:
        return price_usage(deployment.price, usage)
    cost = litellm_cost(deployment.model, usage)
    if cost is not None:
        return cost
    price = litellm_price(deployment.model)
    return price_usage(price, usage) if price is not None else 0.0

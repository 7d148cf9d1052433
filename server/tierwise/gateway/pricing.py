"""Prices and context windows for deployments, without importing litellm.

litellm ships its price map as ``litellm/model_prices_and_context_window_backup.json``; the package is
pinned, so the map is pinned too. We locate the file without importing litellm
(``tierwise.gateway.litellm_files``) and read it once.

Precedence: a ``price`` / ``context_window`` written in the tier config is an explicit user choice and
wins; otherwise the pinned litellm map is used; otherwise the value is unknown (``None``).
"""

from __future__ import annotations

import codecs
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from tierwise.config.model import Deployment, Price
from tierwise.gateway.litellm_files import litellm_path

PRICE_FILE = "model_prices_and_context_window_backup.json"

PriceSource = Literal["config", "litellm"]


@lru_cache(maxsize=1)
def litellm_price_map_path() -> Path | None:
    """Where the pinned litellm price map lives, or None when litellm is not installed."""
    return litellm_path(PRICE_FILE)


_SPACE = re.compile(r"\s*")


def parse_object_by_entry(text: str) -> dict[str, Any]:
    """``json.loads`` of a JSON object, one top-level entry per C call: the 3 MB price map in one
    ``json.loads`` held the GIL for 40–170 ms (a language server's event loop waited that long); parsed
    entry by entry, other threads get the GIL between entries. Raises ``ValueError`` like ``json.loads``."""
    decoder = json.JSONDecoder()
    at = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
    if text[at : at + 1] != "{":
        raise ValueError("not a JSON object")
    at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
    result: dict[str, Any] = {}
    if text[at : at + 1] == "}":
        return result
    while True:
        key, at = decoder.raw_decode(text, at)
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
        if not isinstance(key, str) or text[at : at + 1] != ":":
            raise ValueError(f"bad JSON object entry at {at}")
        value, at = decoder.raw_decode(text, _SPACE.match(text, at + 1).end())  # type: ignore[union-attr]
        result[key] = value
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
        if text[at : at + 1] == ",":
            at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
        elif text[at : at + 1] == "}":
            return result
        else:
            raise ValueError(f"expected ',' or '}}' at {at}")


def _read_text_in_pieces(path: Path, piece: int = 1 << 18) -> str:
    """The file's UTF-8 text, decoded 256 KiB at a time (one decode of 3 MB is one long GIL hold)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    data = path.read_bytes()
    parts = [decoder.decode(data[at : at + piece]) for at in range(0, len(data), piece)]
    parts.append(decoder.decode(b"", final=True))
    return "".join(parts)


@lru_cache(maxsize=1)
def _price_map() -> dict[str, dict[str, Any]]:
    path = litellm_price_map_path()
    if path is None:
        return {}
    try:
        data = parse_object_by_entry(_read_text_in_pieces(path))
    except (OSError, ValueError, IndexError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if isinstance(value, dict) and key != "sample_spec"}


def lookup_model(model: str) -> dict[str, Any] | None:
    """The price-map entry of a litellm model string: exact key first, then without the provider prefix
    when the entry belongs to that provider (``openai/gpt-4o`` → ``gpt-4o`` of provider ``openai``)."""
    table = _price_map()
    entry = table.get(model)
    if entry is not None:
        return entry
    provider, sep, bare = model.partition("/")
    if not sep or not bare:
        return None
    entry = table.get(bare)
    if entry is None:
        return None
    entry_provider = str(entry.get("litellm_provider", ""))
    if (
        entry_provider == provider
        or entry_provider.startswith(provider + "_")
        or (provider == "openai" and entry_provider.startswith("text-completion-openai"))
    ):
        return entry
    return None


def _per_mtok(per_token: Any) -> float | None:
    if isinstance(per_token, bool) or not isinstance(per_token, int | float) or per_token < 0:
        return None
    return round(float(per_token) * 1_000_000, 9)


def litellm_price(model: str) -> Price | None:
    """Price from the pinned litellm map, or None when the model (or a price field) is unknown."""
    entry = lookup_model(model)
    if entry is None:
        return None
    price_in = _per_mtok(entry.get("input_cost_per_token"))
    price_out = _per_mtok(entry.get("output_cost_per_token"))
    if price_in is None or price_out is None:
        return None
    return Price(
        input_per_mtok=price_in,
        output_per_mtok=price_out,
        cached_input_per_mtok=_per_mtok(entry.get("cache_read_input_token_cost")),
        cache_write_per_mtok=_per_mtok(entry.get("cache_creation_input_token_cost")),
    )


def price_for(deployment: Deployment) -> Price | None:
    """The deployment's price: the config's ``price`` when set, else litellm's pinned map, else None."""
    if deployment.price is not None:
        return deployment.price
    return litellm_price(deployment.model)


def price_source(deployment: Deployment) -> PriceSource | None:
    """Where ``price_for`` got its answer (for ``doctor`` and docs), or None when unknown."""
    if deployment.price is not None:
        return "config"
    return "litellm" if litellm_price(deployment.model) is not None else None


def context_window_for(deployment: Deployment) -> int | None:
    """Prompt token limit: the config's ``context_window``, else litellm's ``max_input_tokens``
    (or legacy ``max_tokens``), else None (unknown: no limit is enforced before the call)."""
    if deployment.context_window is not None:
        return deployment.context_window
    entry = lookup_model(deployment.model)
    if entry is None:
        return None
    for key in ("max_input_tokens", "max_tokens"):
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def cost_usd(price: Price | None, tokens_in: int, tokens_out: int) -> float:
    """Cost of a call at ``price`` (0 when the price is unknown — callers decide whether that is allowed)."""
    if price is None:
        return 0.0
    return (tokens_in * price.input_per_mtok + tokens_out * price.output_per_mtok) / 1_000_000


def worst_input_per_mtok(price: Price) -> float:
    """The dearest way a prompt token can be billed: fresh input, or a cache write (dearer on Anthropic)."""
    return max(price.input_per_mtok, price.cache_write_per_mtok or 0.0)


def worst_cost_usd(price: Price | None, tokens_in: int, tokens_out: int) -> float:
    """An upper bound of a call's cost: every prompt token at its dearest price (budget reservations)."""
    if price is None:
        return 0.0
    return (tokens_in * worst_input_per_mtok(price) + tokens_out * price.output_per_mtok) / 1_000_000


def explicit_caching(deployment: Deployment) -> bool:
    """Whether the deployment's provider caches only at explicit breakpoints (Anthropic-style): Anthropic
    models (direct, Bedrock, Vertex), or any model whose configured price has a cache-write price."""
    if deployment.price is not None:
        return deployment.price.cache_write_per_mtok is not None
    model = deployment.model.lower()
    if model.startswith("anthropic/"):
        return True
    return "claude" in model and model.startswith(("bedrock/", "vertex_ai/", "openrouter/anthropic/"))

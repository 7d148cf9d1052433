"""Provider defaults derived from the environment, so that a bare ``ANTHROPIC_API_KEY`` is enough to start.

Exactly one source is chosen, in this order (first match wins):

1. ``OPENAI_BASE_URL`` and ``OPENAI_MODEL``: an OpenAI-compatible server (Ollama, llama.cpp, vLLM, LM Studio).
   Every tier, ``local`` included, points at ``openai/$OPENAI_MODEL`` on that server; the key is read from
   ``OPENAI_API_KEY`` when it is set (local servers need none). A loopback or private address marks the tiers
   ``local`` (free, no key needed).
2. ``ANTHROPIC_API_KEY``  — Claude Opus / Sonnet / Haiku.
3. ``OPENAI_API_KEY``     — GPT-5 / GPT-5 mini / GPT-5 nano (through ``OPENAI_BASE_URL`` when set, e.g. a proxy).
4. ``GEMINI_API_KEY``     — Gemini 2.5 Pro / Flash / Flash-Lite.
5. ``OPENROUTER_API_KEY`` — Claude Opus / Sonnet and Gemini Flash through OpenRouter.

These are the lowest layer above the built-in defaults: any tier set in a file, a variable or a flag replaces the
provider's tier wholesale (see ``tierwise.config.layers``). Empty variables count as unset.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

PROVIDER_KEY_VARS: tuple[str, ...] = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY")
"""Provider key variables, in order of preference."""

COMPATIBLE_SERVER_VARS: tuple[str, ...] = ("OPENAI_BASE_URL", "OPENAI_MODEL")

# Tier tables per provider. Model names exist in the pinned litellm price map (a test checks this).
PROVIDER_TIERS: dict[str, dict[str, dict[str, Any]]] = {
    "ANTHROPIC_API_KEY": {
        "frontier": {"model": "anthropic/claude-opus-4-5"},
        "mid": {"model": "anthropic/claude-sonnet-4-5"},
        "light": {"model": "anthropic/claude-haiku-4-5"},
    },
    # The GPT-5 family accepts only temperature 1 while reasoning.
    "OPENAI_API_KEY": {
        "frontier": {"model": "openai/gpt-5", "temperature": 1.0},
        "mid": {"model": "openai/gpt-5-mini", "temperature": 1.0},
        "light": {"model": "openai/gpt-5-nano", "temperature": 1.0},
    },
    "GEMINI_API_KEY": {
        "frontier": {"model": "gemini/gemini-2.5-pro"},
        "mid": {"model": "gemini/gemini-2.5-flash"},
        "light": {"model": "gemini/gemini-2.5-flash-lite"},
    },
    # The pinned price map has no openrouter/* entries: prices and context windows are copied from the same
    # models' direct entries (named in OPENROUTER_PRICE_KEYS; a test checks they agree).
    "OPENROUTER_API_KEY": {
        "frontier": {
            "model": "openrouter/anthropic/claude-opus-4.5",
            "price": {"input_per_mtok": 5.0, "output_per_mtok": 25.0},
            "context_window": 200_000,
        },
        "mid": {
            "model": "openrouter/anthropic/claude-sonnet-4.5",
            "price": {"input_per_mtok": 3.0, "output_per_mtok": 15.0},
            "context_window": 200_000,
        },
        "light": {
            "model": "openrouter/google/gemini-2.5-flash",
            "price": {"input_per_mtok": 0.3, "output_per_mtok": 2.5},
            "context_window": 1_048_576,
        },
    },
}

OPENROUTER_PRICE_KEYS: dict[str, str] = {
    "openrouter/anthropic/claude-opus-4.5": "claude-opus-4-5",
    "openrouter/anthropic/claude-sonnet-4.5": "claude-sonnet-4-5",
    "openrouter/google/gemini-2.5-flash": "gemini/gemini-2.5-flash",
}

SERVER_TIERS: tuple[str, ...] = ("frontier", "mid", "light", "local")


@dataclass(frozen=True)
class ProviderDefaults:
    """The environment-derived layer: its tiers, the variable that chose it, and notes for `config show`."""

    chosen: str | None  # e.g. "ANTHROPIC_API_KEY", "OPENAI_BASE_URL"; None: nothing found
    data: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"environment defaults ({self.chosen})" if self.chosen else "environment defaults"


def _present(env: Mapping[str, str], name: str) -> bool:
    return bool(env.get(name, "").strip())


def is_local_url(url: str) -> bool:
    """True for loopback, private-network and ``.local`` hosts (a model server on this machine or LAN)."""
    host = (urlparse(url if "//" in url else f"//{url}").hostname or "").lower()
    if host in ("localhost", "host.docker.internal") or host.endswith((".local", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified or address.is_link_local


def _server_tiers(env: Mapping[str, str]) -> dict[str, Any]:
    base = env["OPENAI_BASE_URL"].strip()
    model = env["OPENAI_MODEL"].strip()
    tier: dict[str, Any] = {"model": model if model.startswith("openai/") else f"openai/{model}", "api_base": base}
    if _present(env, "OPENAI_API_KEY"):
        tier["api_key_env"] = "OPENAI_API_KEY"
    if is_local_url(base):
        tier["local"] = True
    return {name: dict(tier) for name in SERVER_TIERS}


def provider_defaults(env: Mapping[str, str]) -> ProviderDefaults:
    """Choose the provider family from ``env`` (see the module docstring for the order)."""
    found = [name for name in PROVIDER_KEY_VARS if _present(env, name)]
    if all(_present(env, name) for name in COMPATIBLE_SERVER_VARS):
        notes = tuple(f"{name} is set but OPENAI_BASE_URL with OPENAI_MODEL takes precedence" for name in found
                      if name != "OPENAI_API_KEY")
        return ProviderDefaults("OPENAI_BASE_URL", {"tiers": _server_tiers(env)}, notes)
    notes_list: list[str] = []
    if _present(env, "OPENAI_MODEL"):
        notes_list.append("OPENAI_MODEL is ignored without OPENAI_BASE_URL")
    if not found:
        if _present(env, "OPENAI_BASE_URL"):
            notes_list.append("OPENAI_BASE_URL is set but neither OPENAI_MODEL nor OPENAI_API_KEY is")
        return ProviderDefaults(None, {}, tuple(notes_list))
    chosen = found[0]
    tiers = {name: {**tier, "api_key_env": chosen} for name, tier in PROVIDER_TIERS[chosen].items()}
    if chosen == "OPENAI_API_KEY" and _present(env, "OPENAI_BASE_URL"):
        for tier in tiers.values():
            tier["api_base"] = env["OPENAI_BASE_URL"].strip()
    notes_list.extend(f"{name} is set too; {chosen} was preferred (order: {', '.join(PROVIDER_KEY_VARS)})"
                      for name in found[1:])
    return ProviderDefaults(chosen, {"tiers": tiers}, tuple(notes_list))


KEY_VAR_BY_PROVIDER: dict[str, str] = {
    "anthropic": "ANTHROPIC_API_KEY",
    "openai": "OPENAI_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "xai": "XAI_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "fireworks_ai": "FIREWORKS_AI_API_KEY",
    "cohere": "COHERE_API_KEY",
}
"""The variable litellm reads for each provider prefix; used when a hosted tier names no ``api_key_env``."""


def _standard_key_var(deployment: Mapping[str, Any]) -> str | None:
    model = deployment.get("model")
    if not isinstance(model, str) or "/" not in model or deployment.get("api_base") or deployment.get("api_key_env"):
        return None
    return KEY_VAR_BY_PROVIDER.get(model.split("/", 1)[0])


def infer_key_variables(data: dict[str, Any]) -> dict[str, str]:
    """Give every hosted deployment without ``api_key_env`` (and without ``api_base``) its provider's standard
    variable, e.g. ``anthropic/...`` → ``ANTHROPIC_API_KEY``. Local tiers are left alone. Mutates ``data``;
    returns dotted key → variable for what it set."""
    inferred: dict[str, str] = {}
    tiers = data.get("tiers")
    if not isinstance(tiers, dict):
        return inferred
    for name, tier in tiers.items():
        if not isinstance(tier, dict) or tier.get("local") is True:
            continue
        variable = _standard_key_var(tier)
        if variable:
            tier["api_key_env"] = variable
            inferred[f"tiers.{name}.api_key_env"] = variable
        fallbacks = tier.get("fallbacks")
        for index, fallback in enumerate(fallbacks if isinstance(fallbacks, list) else []):
            if isinstance(fallback, str):
                fallback = fallbacks[index] = {"model": fallback}
            if not isinstance(fallback, dict) or tier.get("api_base"):
                continue
            own = _standard_key_var(fallback)
            # A fallback inherits the tier's key variable; set its own only for a different provider.
            if own and own != tier.get("api_key_env"):
                fallback["api_key_env"] = own
                inferred[f"tiers.{name}.fallbacks[{index}].api_key_env"] = own
    return inferred

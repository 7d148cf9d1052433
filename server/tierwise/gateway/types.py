"""Data crossing the model gateway's boundary: messages, completions, ledger lines and typed errors.

This module is light (pydantic only) so that any layer may import it without pulling in litellm.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    role: Role
    content: str
    cache_break: bool = Field(
        default=False,
        description="The stable prompt prefix ends with this message: providers with explicit caching "
        "(Anthropic-style) get a cache breakpoint here.",
    )


class TokenUsage(BaseModel):
    """What a provider reported for one answer. ``prompt_tokens`` counts the whole prompt, cached and
    cache-written parts included; ``completion_tokens`` includes ``reasoning_tokens``."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


Outcome = Literal["ok", "error", "budget_refused", "cancelled"]


class LedgerLine(BaseModel):
    """One model call, as appended to ``.tierwise/ledger.jsonl``. Never holds a secret."""

    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    task_id: str | None = None
    action: str
    tier: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    frontier_cost_usd: float = Field(
        default=0.0,
        description="What the same tokens would have cost on the frontier tier (the counterfactual).",
    )
    latency_s: float = 0.0
    retries: int = 0
    fallbacks_used: list[str] = Field(default_factory=list)
    outcome: Outcome = "ok"
    error: str | None = None
    scripted: bool = Field(default=False, description="The answer came from the replay server.")
    requested_tier: str | None = Field(
        default=None,
        description="The tier the route asked for, when an unusable tier fell back to a stronger one.",
    )
    tokens_estimated: bool = Field(
        default=False, description="Token counts are our estimate (the provider reported no usage)."
    )
    tokens_cached_read: int = Field(default=0, description="Prompt tokens served from the provider's cache.")
    tokens_cache_write: int = Field(default=0, description="Prompt tokens written to the provider's cache.")
    tokens_reasoning: int = Field(default=0, description="Hidden reasoning tokens (part of tokens_out).")
    cache_loss_tokens: int = Field(
        default=0,
        description="Prompt tokens another tier had cached for this task that this tier paid in full "
        "(a ladder escalation or tier switch throwing a warm cache away).",
    )
    cache_loss_usd: float = Field(default=0.0, description="What those tokens cost above their cached price.")

    @property
    def saved_usd(self) -> float:
        return self.frontier_cost_usd - self.cost_usd


class Completion(BaseModel):
    """A finished model call: the text and its ledger line."""

    text: str
    usage: LedgerLine

    @property
    def tier(self) -> str:
        return self.usage.tier

    @property
    def model(self) -> str:
        return self.usage.model


class GatewayError(Exception):
    """Base of every error the gateway raises; ``str(err)`` is a message fit for a user (secrets masked)."""


class NoModelConfigured(GatewayError):
    """No tier usable for the action: no model, or no key in the environment."""


class BudgetExceeded(GatewayError):
    """The call's worst case could cross the per-task or per-day ceiling; it was not made."""

    def __init__(
        self,
        message: str,
        *,
        scope: Literal["task", "day"],
        limit_usd: float,
        spent_usd: float,
        worst_usd: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.scope = scope
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        self.worst_usd = worst_usd  # the refused call's worst case


class ModelCallFailed(GatewayError):
    """Every deployment (primary and fallbacks) failed after retries."""


class PriceUnknown(NoModelConfigured):
    """A non-local tier's model has no known price, so its cost could not be bounded; the call was not made."""

"""The record of one ``ModelGateway.complete`` call: what its attempts booked, turned into its ledger line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tierwise.config.model import Deployment
from tierwise.gateway.budget import Reservation
from tierwise.gateway.types import LedgerLine, Outcome, TokenUsage


@dataclass
class CallRecord:
    """Bookkeeping for one ``complete`` call, turned into its ledger line at the end."""

    action: str
    task_id: str | None
    prompt_estimate: int
    task_ceiling_usd: float | None = None
    started: float = field(default_factory=time.monotonic)
    tier: str = ""
    requested_tier: str | None = None
    model: str = ""
    retries: int = 0
    fallbacks_used: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cached_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    cache_loss_tokens: int = 0
    cache_loss_usd: float = 0.0
    cost_usd: float = 0.0
    frontier_cost_usd: float = 0.0
    estimated: bool = False
    scripted: bool = False
    attempting: bool = False  # an attempt is in flight (the provider may be working on the prompt)
    attempt_deployment: Deployment | None = None
    reservations: list[Reservation] = field(default_factory=list)


def book(call: CallRecord, usage: TokenUsage, cost: float, frontier_cost: float | None, *, estimated: bool) -> None:
    """Add one attempt's usage, its cost and the frontier's cost of the same usage (None: the same cost)."""
    call.tokens_in += usage.prompt_tokens
    call.tokens_out += usage.completion_tokens
    call.cached_read += usage.cached_read_tokens
    call.cache_write += usage.cache_write_tokens
    call.reasoning += usage.reasoning_tokens
    call.cost_usd += cost
    call.frontier_cost_usd += frontier_cost if frontier_cost is not None else cost
    call.estimated = call.estimated or estimated


def ledger_line(call: CallRecord, outcome: Outcome, error: str | None) -> LedgerLine:
    """The call's ledger line (``error`` already masked)."""
    return LedgerLine(
        task_id=call.task_id,
        action=call.action,
        tier=call.tier,
        model=call.model,
        tokens_in=call.tokens_in,
        tokens_out=call.tokens_out,
        cost_usd=call.cost_usd,
        frontier_cost_usd=call.frontier_cost_usd,
        latency_s=round(time.monotonic() - call.started, 3),
        retries=call.retries,
        fallbacks_used=call.fallbacks_used,
        outcome=outcome,
        error=error,
        scripted=call.scripted,
        requested_tier=call.requested_tier,
        tokens_estimated=call.estimated,
        tokens_cached_read=call.cached_read,
        tokens_cache_write=call.cache_write,
        tokens_reasoning=call.reasoning,
        cache_loss_tokens=call.cache_loss_tokens,
        cache_loss_usd=round(call.cache_loss_usd, 9),
    )

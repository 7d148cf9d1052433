"""Aggregate ledger lines into the cost report (per task, per tier, per phase and tier, totals). Pure
functions. The cache hit rate of a row is prompt tokens served from the provider's cache / prompt tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pydantic import BaseModel, Field

from tierwise.gateway.types import LedgerLine

NO_TASK = "(no task)"


class CostRow(BaseModel):
    key: str
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_cached_read: int = 0
    tokens_cache_write: int = 0
    tokens_reasoning: int = 0
    cache_loss_tokens: int = 0
    cache_loss_usd: float = 0.0
    cost_usd: float = 0.0
    frontier_cost_usd: float = 0.0
    outcomes: dict[str, int] = Field(default_factory=dict)

    @property
    def cache_hit_rate(self) -> float:
        return self.tokens_cached_read / self.tokens_in if self.tokens_in > 0 else 0.0

    @property
    def saved_usd(self) -> float:
        return self.frontier_cost_usd - self.cost_usd

    @property
    def saved_pct(self) -> float:
        return 100.0 * self.saved_usd / self.frontier_cost_usd if self.frontier_cost_usd > 0 else 0.0

    def add(self, line: LedgerLine) -> None:
        self.calls += 1
        self.tokens_in += line.tokens_in
        self.tokens_out += line.tokens_out
        self.tokens_cached_read += line.tokens_cached_read
        self.tokens_cache_write += line.tokens_cache_write
        self.tokens_reasoning += line.tokens_reasoning
        self.cache_loss_tokens += line.cache_loss_tokens
        self.cache_loss_usd += line.cache_loss_usd
        self.cost_usd += line.cost_usd
        self.frontier_cost_usd += line.frontier_cost_usd
        self.outcomes[line.outcome] = self.outcomes.get(line.outcome, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {
            **self.model_dump(),
            "saved_usd": round(self.saved_usd, 6),
            "saved_pct": round(self.saved_pct, 1),
            "cache_hit_rate": round(self.cache_hit_rate, 4),
        }


class CostReport(BaseModel):
    tasks: list[CostRow]
    tiers: list[CostRow]
    total: CostRow
    phases: list[CostRow] = Field(default_factory=list, description="Per phase (action) and tier: 'fix/light'.")

    @property
    def empty(self) -> bool:
        return self.total.calls == 0

    def as_dict(self) -> dict[str, object]:
        return {
            "tasks": [row.as_dict() for row in self.tasks],
            "tiers": [row.as_dict() for row in self.tiers],
            "phases": [row.as_dict() for row in self.phases],
            "total": self.total.as_dict(),
        }


def _group(lines: Iterable[LedgerLine], key: Callable[[LedgerLine], str]) -> list[CostRow]:
    rows: dict[str, CostRow] = {}
    for line in lines:
        name = key(line)
        rows.setdefault(name, CostRow(key=name)).add(line)
    return list(rows.values())


def summarize(lines: Iterable[LedgerLine], tier_order: Iterable[str] = ()) -> CostReport:
    """Per task (first-seen order), per tier (``tier_order`` first, then by name), and totals."""
    items = list(lines)
    order = {name: index for index, name in enumerate(tier_order)}
    tiers = sorted(
        _group(items, lambda line: line.tier or "?"), key=lambda r: (order.get(r.key, len(order)), r.key)
    )
    total = CostRow(key="total")
    for line in items:
        total.add(line)
    phases = sorted(
        _group(items, lambda line: f"{line.action}/{line.tier or '?'}"),
        key=lambda r: (r.key.split("/")[0], order.get(r.key.split("/")[-1], len(order))),
    )
    return CostReport(
        tasks=_group(items, lambda line: line.task_id or NO_TASK), tiers=tiers, total=total, phases=phases
    )

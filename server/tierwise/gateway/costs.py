"""Aggregate ledger lines into the cost report (per task, per tier, totals). Pure functions."""

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
    cost_usd: float = 0.0
    frontier_cost_usd: float = 0.0
    outcomes: dict[str, int] = Field(default_factory=dict)

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
        self.cost_usd += line.cost_usd
        self.frontier_cost_usd += line.frontier_cost_usd
        self.outcomes[line.outcome] = self.outcomes.get(line.outcome, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {
            **self.model_dump(),
            "saved_usd": round(self.saved_usd, 6),
            "saved_pct": round(self.saved_pct, 1),
        }


class CostReport(BaseModel):
    tasks: list[CostRow]
    tiers: list[CostRow]
    total: CostRow

    @property
    def empty(self) -> bool:
        return self.total.calls == 0

    def as_dict(self) -> dict[str, object]:
        return {
            "tasks": [row.as_dict() for row in self.tasks],
            "tiers": [row.as_dict() for row in self.tiers],
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
    return CostReport(tasks=_group(items, lambda line: line.task_id or NO_TASK), tiers=tiers, total=total)

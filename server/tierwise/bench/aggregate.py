"""Pure functions from ledger lines to run metrics, and from run records to per-configuration summaries."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from tierwise.bench.records import ConfigInfo, ConfigSummary, RunRecord, TierUsage
from tierwise.gateway.types import LedgerLine


def tier_usage(lines: Iterable[LedgerLine]) -> dict[str, TierUsage]:
    """Calls, tokens and cost per tier. Calls refused by the budget were never made and are not counted;
    a failed or cancelled call counts when it cost something (the provider saw the prompt)."""
    usage: dict[str, TierUsage] = {}
    for line in lines:
        if line.outcome == "budget_refused" or (line.outcome != "ok" and not line.cost_usd and not line.tokens_in):
            continue
        current = usage.get(line.tier, TierUsage())
        usage[line.tier] = current.plus(
            TierUsage(
                calls=1,
                tokens_in=line.tokens_in,
                tokens_out=line.tokens_out,
                cost_usd=line.cost_usd,
                tokens_cached=line.tokens_cached_read,
                cache_loss_tokens=line.cache_loss_tokens,
            )
        )
    return usage


def ledger_escalations(lines: Sequence[LedgerLine], ladders: dict[str, list[str]]) -> int:
    """Moves up an action's ladder: consecutive calls of one action whose tier rises to a stronger rung."""
    last_rung: dict[str, int] = {}
    count = 0
    for line in lines:
        ladder = ladders.get(line.action)
        if not ladder or line.tier not in ladder or line.outcome == "budget_refused":
            continue
        rung = ladder.index(line.tier)
        previous = last_rung.get(line.action)
        if previous is not None and rung > previous:
            count += 1
        last_rung[line.action] = rung
    return count


def ledger_counts(lines: Sequence[LedgerLine]) -> dict[str, float | int | bool]:
    """Scalar figures straight from the ledger: cost, savings, retries, fallbacks, failures, budget refusals."""
    made = [line for line in lines if line.outcome != "budget_refused"]
    return {
        "cost_usd": sum(line.cost_usd for line in made),
        "saved_usd": sum(line.saved_usd for line in made),
        "retries": sum(line.retries for line in made),
        "fallbacks": sum(len(line.fallbacks_used) for line in made),
        "failed_calls": sum(1 for line in made if line.outcome == "error"),
        "budget_refused": sum(1 for line in lines if line.outcome == "budget_refused"),
        "scripted": any(line.scripted for line in made),
    }


def _sum_tiers(records: Iterable[RunRecord]) -> dict[str, TierUsage]:
    total: dict[str, TierUsage] = {}
    for record in records:
        for tier, usage in record.tiers.items():
            total[tier] = total.get(tier, TierUsage()).plus(usage)
    return total


def summarize(records: Sequence[RunRecord], configs: Sequence[ConfigInfo]) -> list[ConfigSummary]:
    """One summary per configuration, in the order given; configurations without runs are skipped."""
    summaries = []
    for info in configs:
        mine = [record for record in records if record.config == info.name]
        if mine:
            summaries.append(summarize_config(info, mine))
    return summaries


def summarize_config(info: ConfigInfo, records: Sequence[RunRecord]) -> ConfigSummary:
    passed = sum(1 for record in records if record.passed)
    total_cost = sum(record.cost_usd for record in records)
    walls = [record.wall_s for record in records]
    return ConfigSummary(
        config=info.name,
        description=info.description,
        runs=len(records),
        passed=passed,
        pass_rate=passed / len(records),
        total_cost_usd=total_cost,
        cost_per_finished_task_usd=(total_cost / passed) if passed else None,
        saved_usd=sum(record.saved_usd for record in records),
        tiers=_sum_tiers(records),
        wall_s_mean=statistics.fmean(walls),
        wall_s_max=max(walls),
        fix_rounds=sum(record.fix_rounds for record in records),
        escalations=sum(record.escalations for record in records),
        refused_blocks=sum(record.refused_blocks for record in records),
        retries=sum(record.retries for record in records),
        fallbacks=sum(record.fallbacks for record in records),
        budget_stops=sum(1 for record in records if record.budget_stopped),
        errors=sum(1 for record in records if record.error and record.status == "error"),
        scripted=any(record.scripted for record in records),
    )


def tier_names(summaries: Sequence[ConfigSummary], order: Sequence[str] = ()) -> list[str]:
    """Tiers seen in any summary, in ``order`` first (strongest first), then alphabetically."""
    seen = {tier for summary in summaries for tier in summary.tiers}
    ordered = [tier for tier in order if tier in seen]
    return ordered + sorted(seen - set(ordered))

"""Hard budget ceilings: a call is refused before it is made when its worst case could cross one.

Worst case = bounded prompt tokens × input price + ``max_tokens`` × output price, where the prompt count is
our cl100k estimate × 1.2 + 16 (other providers' tokenizers count differently; the margin keeps the bound
on the safe side). Spent = the ledger's cost for the task (per-task ceiling) or since 00:00 UTC (per-day
ceiling) + the worst cases of calls still in flight in this process (reservations), so concurrent calls
cannot jointly overshoot.

Output is bounded by ``output_cap(max_tokens)``: the gateway stops reading a stream past it (a provider that
ignores ``max_tokens``), and the worst case is computed with it, so the recorded total stays under a ceiling.
A task's ceiling may be raised for that task alone (``task_ceiling_usd``, after the user agreed); the
per-day ceiling only through configuration.
"""

from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass

from tierwise.config.model import Budget, Price
from tierwise.gateway.ledger import Ledger, utc_day_start
from tierwise.gateway.pricing import worst_cost_usd
from tierwise.gateway.types import BudgetExceeded

PROMPT_MARGIN = 1.2
PROMPT_PAD = 16
OVERRUN_MARGIN = 0.05  # a stream may pass max_tokens by 5 % (at least OVERRUN_PAD tokens) before it is cut
OVERRUN_PAD = 32


def output_cap(max_tokens: int) -> int:
    """Output tokens read from a stream before it is closed as an overrun: ``max_tokens`` plus a margin
    (providers count tokens differently from our cl100k estimate)."""
    return max_tokens + max(OVERRUN_PAD, math.ceil(max_tokens * OVERRUN_MARGIN))


def prompt_bound(estimated_tokens: int) -> int:
    """A safe upper bound for the provider's prompt token count, from our estimate."""
    return math.ceil(estimated_tokens * PROMPT_MARGIN) + PROMPT_PAD


def worst_case_usd(price: Price | None, prompt_tokens: int, max_tokens: int) -> float:
    return worst_cost_usd(price, prompt_bound(prompt_tokens), max_tokens)


@dataclass(eq=False)
class Reservation:
    """Money held for a call in flight: its worst case during an attempt, then what it really cost until
    its ledger line is written."""

    task_id: str | None
    amount_usd: float


class BudgetGuard:
    """Checks ceilings against the ledger plus in-flight reservations. Thread-safe."""

    def __init__(self, budget: Budget, ledger: Ledger) -> None:
        self.budget = budget
        self.ledger = ledger
        self._lock = threading.Lock()
        self._active: list[Reservation] = []

    def reserve(
        self, *, task_id: str | None, worst_usd: float, what: str, task_ceiling_usd: float | None = None
    ) -> Reservation:
        """Reserve ``worst_usd`` or raise ``BudgetExceeded``. ``what`` describes the call for the message;
        ``task_ceiling_usd`` replaces ``budget.per_task_usd`` for this task (a ceiling the user raised)."""
        with self._lock:
            per_task = self.budget.per_task_usd if task_ceiling_usd is None else task_ceiling_usd
            if per_task is not None and task_id is not None:
                spent = self.ledger.spent(task_id=task_id) + sum(
                    r.amount_usd for r in self._active if r.task_id == task_id
                )
                if spent + worst_usd > per_task:
                    raise BudgetExceeded(
                        f"Budget: {what} could cost up to ${worst_usd:.4f}; task {task_id} has spent "
                        f"${spent:.4f} of its ${per_task:.2f} ceiling. The call was not made. Raise "
                        "budget.per_task_usd, or lower the tier's max_tokens.",
                        scope="task",
                        limit_usd=per_task,
                        spent_usd=spent,
                        worst_usd=worst_usd,
                    )
            per_day = self.budget.per_day_usd
            if per_day is not None:
                spent = self.ledger.spent(since=utc_day_start()) + sum(r.amount_usd for r in self._active)
                if spent + worst_usd > per_day:
                    raise BudgetExceeded(
                        f"Budget: {what} could cost up to ${worst_usd:.4f}; today (UTC) ${spent:.4f} of the "
                        f"${per_day:.2f} daily ceiling is spent. The call was not made. Raise "
                        "budget.per_day_usd, or wait until 00:00 UTC.",
                        scope="day",
                        limit_usd=per_day,
                        spent_usd=spent,
                        worst_usd=worst_usd,
                    )
            reservation = Reservation(task_id=task_id, amount_usd=worst_usd)
            self._active.append(reservation)
            return reservation

    def settle(self, reservation: Reservation, amount_usd: float) -> None:
        """Replace a reservation's worst case with what the attempt really cost."""
        with self._lock:
            reservation.amount_usd = amount_usd

    def release(self, reservation: Reservation) -> None:
        """Drop a reservation once the call's ledger line is written."""
        with self._lock, contextlib.suppress(ValueError):
            self._active.remove(reservation)

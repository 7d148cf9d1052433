"""Budgets that ask: when a call would cross its task's ceiling, the user is asked (``UserPort.ask_budget``)
whether to raise that task's ceiling by a stated amount or stop here.

While the question is open the task is saved as ``resumable`` (a crash or a closed editor leaves a task that
``run --resume`` continues, stored replies reused); a yes adds the amount to ``TaskState.budget_raised_usd``
and the call is made against the raised ceiling, a no stops the task as ``budget_stopped`` as before. The
per-day ceiling is never asked about: it only rises through configuration.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

from tierwise.config.model import Config
from tierwise.engine.ports import BudgetQuestion
from tierwise.engine.state import TaskState
from tierwise.gateway.types import BudgetExceeded

if TYPE_CHECKING:
    from tierwise.engine.session import PhaseContext

RAISE_SHARE = 0.5  # a raise is at least half the configured per-task ceiling...
MAX_ASKS_PER_CALL = 3  # ...and one call asks at most this often (concurrent spending could outrun a raise)


def task_ceiling(config: Config, state: TaskState) -> float | None:
    """The task's ceiling now: the configured per-task ceiling plus what the user added (None: no ceiling)."""
    base = config.budget.per_task_usd
    return None if base is None else base + state.budget_raised_usd


def ceiling_kwargs(config: Config, state: TaskState) -> dict[str, Any]:
    """``ceiling_usd`` for ``ModelPort.complete`` — only when the user raised it (fakes need not know it)."""
    ceiling = task_ceiling(config, state)
    return {"ceiling_usd": ceiling} if state.budget_raised_usd > 0 and ceiling is not None else {}


def raise_amount(err: BudgetExceeded, base: float) -> float:
    """What to offer: the shortfall of this call, at least half the configured ceiling, rounded up to a cent."""
    shortfall = err.spent_usd + err.worst_usd - err.limit_usd
    return math.ceil(max(shortfall, base * RAISE_SHARE, 0.01) * 100) / 100


def question_for(config: Config, state: TaskState, action: str, err: BudgetExceeded) -> BudgetQuestion:
    base = config.budget.per_task_usd or 0.0
    return BudgetQuestion(
        task_id=state.id,
        action=action,
        spent_usd=err.spent_usd,
        ceiling_usd=err.limit_usd,
        call_worst_usd=err.worst_usd,
        raise_by_usd=raise_amount(err, base),
    )


async def ask_to_raise(ctx: PhaseContext, state: TaskState, phase: Any, action: str, err: BudgetExceeded) -> bool:
    """Ask the user; True when the task's ceiling was raised (the caller retries the call)."""
    if err.scope != "task":
        return False
    ask = getattr(ctx.ui, "ask_budget", None)
    if ask is None:
        return False
    question = question_for(ctx.config, state, action, err)
    status, message = state.status, state.message
    state.status = "resumable"
    state.message = (
        f"waiting for an answer: raise the ceiling by ${question.raise_by_usd:.2f}? "
        f"(if this stops, resume with: tierwise run --resume {state.id})"
    )
    ctx.save(state)
    await asyncio.to_thread(ctx.store.flush)  # saved as resumable on disk while the question is open
    ctx.progress(state, phase, f"budget: {question.text}")
    try:
        raised = bool(await ask(question))
    finally:
        state.status, state.message = status, message
        ctx.save(state)
    if raised:
        state.budget_raised_usd = round(state.budget_raised_usd + question.raise_by_usd, 6)
        ctx.save(state)
        ctx.progress(state, phase, f"budget: ceiling of task {state.id} raised to ${question.new_ceiling_usd:.2f}")
    return raised

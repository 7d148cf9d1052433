"""``ModelGateway``: the ``ModelPort`` every model call goes through.

complete(action) → route to a tier (an unusable tier falls back to the next stronger one) → its usable
deployments, primary first → per deployment: context-window check, price check, budget reservation,
streamed attempt with retries (429/5xx/connection/idle stream; exponential backoff honouring Retry-After)
→ next deployment on auth errors, context overflow or exhausted retries → one ledger line per call,
whatever the outcome. Keys are read from the environment at call time and masked out of every message.
A stream is closed once its output passes ``max_tokens`` plus a margin (``budget.output_cap``), and failing
deployments cool down (``tierwise.gateway.health``): calls skip them meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tierwise.config.model import Config, Deployment, Price
from tierwise.gateway import provider
from tierwise.gateway.backend import InProcessBackend, ModelBackend
from tierwise.gateway.budget import BudgetGuard, output_cap, worst_case_usd
from tierwise.gateway.cacheloss import CacheMemory
from tierwise.gateway.call_record import CallRecord, book, ledger_line
from tierwise.gateway.health import DeploymentHealth
from tierwise.gateway.invoice import call_cost, usage_from_provider
from tierwise.gateway.ledger import Ledger
from tierwise.gateway.pricing import context_window_for, explicit_caching, price_for
from tierwise.gateway.routing import (
    ResolvedRoute,
    TierStatus,
    effective_tier,
    resolve_route,
    resolve_routes,
    tier_status,
    usable_deployments,
)
from tierwise.gateway.secrets import mask, secret_values
from tierwise.gateway.tokens import count_message_tokens, count_tokens
from tierwise.gateway.types import (
    BudgetExceeded,
    Completion,
    GatewayError,
    LedgerLine,
    Message,
    ModelCallFailed,
    NoModelConfigured,
    Outcome,
    PriceUnknown,
    TokenUsage,
)


class _DeploymentFailed(Exception):
    """Internal: give up one deployment (the reason is already masked) and try the next."""


class ModelGateway:
    """Routes, budgets, retries, fallbacks and records every model call (implements ``ModelPort``)."""

    def __init__(
        self,
        config: Config,
        root: Path | str,
        *,
        env: Mapping[str, str] | None = None,
        ledger: Ledger | None = None,
        backend: ModelBackend | None = None,
    ) -> None:
        """``backend``: where the provider attempt, its price and the model's token count run
        (``tierwise.gateway.backend``); litellm in this process unless a model worker is given."""
        self.config = config
        self.backend: ModelBackend = backend if backend is not None else InProcessBackend()
        self.root = Path(root)
        self._env: Mapping[str, str] = os.environ if env is None else env
        self.ledger = ledger or Ledger(self.root)
        self.budget = BudgetGuard(config.budget, self.ledger)
        self.cache_memory = CacheMemory()
        self.health = DeploymentHealth(
            self.root,
            allowed_fails=config.gateway.allowed_fails,
            cooldown_time_s=config.gateway.cooldown_time_s,
        )

    # ----- routing questions (cheap, no litellm) -----

    def warm_up(self) -> None:
        """Start loading litellm (here or in the model worker) so the first call does not wait for it."""
        self.backend.start()

    def tier_status(self) -> dict[str, TierStatus]:
        """Each tier's status; a tier whose every usable deployment is cooling down counts as unusable."""
        statuses = tier_status(self.config, self._env)
        for status in statuses.values():
            cooling = [d for d in status.deployments if d.usable and self._cooling(d.model, status.name)]
            if cooling and len(cooling) == len(status.usable_models):
                for deployment in cooling:
                    deployment.usable = False
                    deployment.reason = f"cooling down ({self._cooling(deployment.model, status.name)})"
                status.usable = False
                status.reason = "; ".join(f"{d.model}: {d.reason}" for d in cooling)
        return statuses

    def _cooling(self, model: str, tier: str) -> str | None:
        """Why the tier's deployment ``model`` is cooling down (and for how long), or None."""
        for deployment in self.config.tiers[tier].deployments():
            if deployment.model == model:
                record = self.health.cooling(deployment.model, deployment.api_base)
                if record is not None:
                    return f"{self.health.remaining_s(record):.0f} s left; {record.cooldown_reason}"
        return None


    def routes(self) -> list[ResolvedRoute]:
        return resolve_routes(self.config, self._env)

    def ladder(self, action: str) -> list[str]:
        route = resolve_route(self.config, action, self.tier_status())
        return route.effective or list(route.ladder)

    def escalate_after(self, action: str) -> int:
        return self.config.escalate_after_for(action)

    def model_for(self, tier: str) -> str:
        statuses = self.tier_status()
        if tier not in statuses:
            return ""
        effective, _ = effective_tier(self.config, tier, statuses)
        if effective is None:
            return self.config.tiers[tier].model or ""
        return statuses[effective].usable_models[0]

    # ----- the call -----

    async def complete(
        self,
        action: str,
        messages: Sequence[Message],
        *,
        task_id: str | None = None,
        tier: str | None = None,
        ceiling_usd: float | None = None,
    ) -> Completion:
        """``ceiling_usd``: this task's ceiling when it differs from ``budget.per_task_usd`` (raised by the
        user for this task)."""
        # tiktoken over a long prompt takes a while: off the event loop
        prompt = await asyncio.to_thread(count_message_tokens, [(m.role, m.content) for m in messages])
        call = CallRecord(action=action, task_id=task_id, prompt_estimate=prompt, task_ceiling_usd=ceiling_usd)
        try:
            effective = self._choose_tier(call, action, tier)
            await self.backend.ready()  # the first call waits for litellm: not part of latency or timeout
            call.started = time.monotonic()
            async with asyncio.timeout(self.config.gateway.timeout_s):
                text = await self._try_deployments(call, effective, messages)
        except BudgetExceeded as err:
            await self._finish(call, "budget_refused", str(err))
            raise
        except GatewayError as err:
            await self._finish(call, "error", str(err))
            raise
        except TimeoutError:
            message = (
                f"{action} on tier {call.tier} ({call.model or 'no model'}) timed out after "
                f"{self.config.gateway.timeout_s:g} s (gateway.timeout_s), retries included"
            )
            await self._finish(call, "error", message)
            raise ModelCallFailed(message) from None
        except asyncio.CancelledError:
            if call.attempting:  # the provider may have started on the prompt: count it (priced here: no await)
                usage = TokenUsage(prompt_tokens=call.prompt_estimate)
                deployment = call.attempt_deployment
                frontier = self._frontier_deployment()
                book(call, usage, call_cost(deployment, usage) if deployment is not None else 0.0,
                           call_cost(frontier, usage) if frontier is not None else None, estimated=True)
            await self._finish(call, "cancelled", None, quiet=True)
            raise
        except BaseException:
            await self._finish(call, "error", "internal error in the gateway", quiet=True)
            raise
        return Completion(text=text, usage=await self._finish(call, "ok", None))

    def _choose_tier(self, call: CallRecord, action: str, explicit: str | None) -> str:
        if explicit is not None:
            requested = explicit
        else:
            try:
                requested = self.config.route(action).tier
            except KeyError as err:
                raise NoModelConfigured(str(err.args[0])) from None
        call.tier = requested
        if requested not in self.config.tiers:
            known = ", ".join(self.config.tier_order)
            raise NoModelConfigured(f"unknown tier {requested!r} for {action}; known tiers: {known}")
        effective, note = effective_tier(self.config, requested, self.tier_status())
        call.model = self.config.tiers[requested].model or ""
        if effective is None:
            raise NoModelConfigured(
                f"No usable model for {action}: {note}. Set tiers.{requested}.model and its api_key_env "
                "(or api_base / local = true), then check with `tierwise doctor`."
            )
        call.tier = effective
        call.requested_tier = requested if effective != requested else None
        return effective

    async def _try_deployments(self, call: CallRecord, tier: str, messages: Sequence[Message]) -> str:
        spec = self.config.tiers[tier]
        failures: list[str] = []
        unpriced: list[str] = []
        deployments = usable_deployments(self.config, tier, self._env)
        for position, deployment in enumerate(deployments):
            cooling = self.health.cooling(deployment.model, deployment.api_base)
            if cooling is not None:
                left = self.health.remaining_s(cooling)
                failures.append(f"{deployment.model}: cooling down for {left:.0f} s more ({cooling.cooldown_reason})")
                continue
            # the model's own tokenizer once litellm is loaded (it is by now), else the cl100k estimate
            call.prompt_estimate = await self.backend.count_prompt_tokens(
                deployment.model, [(m.role, m.content) for m in messages])
            window = context_window_for(deployment)
            if window is not None and call.prompt_estimate > window:
                failures.append(
                    f"{deployment.model}: prompt of ~{call.prompt_estimate} tokens exceeds its {window}-token window"
                )
                continue
            price = price_for(deployment)
            if price is None and not spec.local:
                unpriced.append(deployment.model)
                failures.append(f"{deployment.model}: no known price (set price in [tiers.{tier}])")
                continue
            if position > 0:
                call.fallbacks_used.append(deployment.model)
            call.model = deployment.model
            try:
                return await self._attempts(call, tier, deployment, price, messages)
            except _DeploymentFailed as failed:
                failures.append(f"{deployment.model}: {failed}")
        if unpriced and len(unpriced) == len(failures):
            raise PriceUnknown(
                f"No price is known for {', '.join(unpriced)} (tier {tier}), so the cost of the call cannot be "
                f"bounded and it was not made. Add price = {{ input_per_mtok = ..., output_per_mtok = ... }} to "
                f"[tiers.{tier}] (or set local = true for a free local model)."
            )
        detail = "\n  ".join(failures) or "no usable deployment"
        raise ModelCallFailed(f"{call.action} on tier {tier} failed on every deployment:\n  {detail}")

    async def _attempts(
        self, call: CallRecord, tier: str, deployment: Deployment, price: Price | None, messages: Sequence[Message]
    ) -> str:
        """The answer text; raises ``_DeploymentFailed`` when this deployment is given up."""
        spec = self.config.tiers[tier]
        settings = self.config.gateway
        key = self._env.get(deployment.api_key_env) if deployment.api_key_env else None
        cap = output_cap(spec.max_tokens)
        has_fallback = deployment != self._last_deployment(tier)
        for attempt in range(settings.max_retries + 1):
            worst = worst_case_usd(price, call.prompt_estimate, cap)
            what = f"the {call.action} call on tier {tier} ({deployment.model}, ~{call.prompt_estimate} prompt + {spec.max_tokens} output tokens)"
            reservation = self.budget.reserve(
                task_id=call.task_id, worst_usd=worst, what=what, task_ceiling_usd=call.task_ceiling_usd
            )
            call.reservations.append(reservation)
            call.attempting, call.attempt_deployment = True, deployment
            before = call.cost_usd
            try:
                result = await self.backend.attempt(
                    deployment,
                    messages,
                    api_key=key,
                    max_tokens=spec.max_tokens,
                    temperature=spec.temperature,
                    idle_timeout_s=settings.idle_timeout_s,
                    timeout_s=settings.timeout_s,
                    cache_breakpoints=spec.cache == "auto" and explicit_caching(deployment),
                    output_cap=cap,
                )
            except provider.AttemptFailed as fail:
                call.attempting = False
                if fail.partial_text:  # the provider produced output: it was (probably) billed
                    partial = TokenUsage(
                        prompt_tokens=call.prompt_estimate,
                        completion_tokens=min(await asyncio.to_thread(count_tokens, fail.partial_text), cap),
                    )
                    await self._charge(call, partial, deployment, estimated=True)
                self.budget.settle(reservation, call.cost_usd - before)
                reason = self._mask(str(fail))
                if fail.kind == "overrun":
                    where = f" at {deployment.api_base}" if deployment.api_base else ""
                    reason = f"provider {deployment.model}{where} {reason}"
                    await asyncio.to_thread(  # health writes lock a file and fsync: never on the loop
                        self.health.record_overrun, deployment.model, deployment.api_base, tier, reason)
                if fail.kind not in ("fatal", "context"):
                    immediate = fail.kind == "overrun" or (fail.status == 429 and has_fallback)
                    started = await asyncio.to_thread(
                        self.health.record_failure, deployment.model, deployment.api_base, tier, reason,
                        immediate=immediate,
                    )
                    if started is not None:
                        raise _DeploymentFailed(
                            f"{reason}; cooling down for {settings.cooldown_time_s:g} s "
                            f"(gateway.cooldown_time_s): {started.cooldown_reason}"
                        ) from None
                if fail.kind == "overrun":
                    raise _DeploymentFailed(reason) from None
                if fail.kind == "retry" and attempt < settings.max_retries:
                    call.retries += 1
                    await asyncio.sleep(self._backoff(attempt, fail.retry_after))
                    continue
                if fail.kind == "fatal":
                    raise ModelCallFailed(
                        f"{deployment.model} rejected the {call.action} request: {reason}"
                    ) from None
                tries = f" (after {attempt + 1} attempts)" if attempt else ""
                raise _DeploymentFailed(f"{reason}{tries}") from None
            call.attempting = False
            reported = usage_from_provider(result.usage)
            estimated = reported is None
            if reported is None and result.completion_tokens is None:  # counted off the loop (tokens.py)
                result.completion_tokens = await asyncio.to_thread(count_tokens, result.text)
            usage = reported or TokenUsage(
                prompt_tokens=result.prompt_tokens if result.prompt_tokens is not None else call.prompt_estimate,
                completion_tokens=result.completion_tokens,
            )
            if usage.completion_tokens > cap:  # the provider reports more output than was asked: book at most the cap
                await asyncio.to_thread(
                    self.health.record_overrun, deployment.model, deployment.api_base, tier,
                    f"reported {usage.completion_tokens} output tokens for max_tokens={spec.max_tokens}",
                )
                usage = usage.model_copy(update={
                    "completion_tokens": cap, "reasoning_tokens": min(usage.reasoning_tokens, cap)})
                estimated = True
            await self._charge(call, usage, deployment, estimated=estimated)
            await asyncio.to_thread(self._note_cache_loss, call, tier, deployment, messages, usage)  # counts
            self.budget.settle(reservation, call.cost_usd - before)
            call.scripted = result.scripted
            return result.text
        raise _DeploymentFailed("no attempt was made")  # pragma: no cover - max_retries >= 0

    def _last_deployment(self, tier: str) -> Deployment | None:
        deployments = usable_deployments(self.config, tier, self._env)
        return deployments[-1] if deployments else None

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        settings = self.config.gateway
        delay = settings.backoff_s * (2**attempt)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, settings.max_backoff_s)

    # ----- bookkeeping -----

    def _frontier_deployment(self) -> Deployment | None:
        frontier = self.config.tiers.get(self.config.frontier_tier)
        chain = frontier.deployments() if frontier is not None else []
        return chain[0] if chain and price_for(chain[0]) is not None else None

    async def _charge(self, call: CallRecord, usage: TokenUsage, deployment: Deployment, *, estimated: bool) -> None:
        """Book one attempt's usage: the deployment's invoice, and the same usage (same cache reads and
        writes) on the frontier tier's primary model as the counterfactual (both priced by the backend)."""
        frontier = self._frontier_deployment()
        items = [(deployment, usage)] + ([(frontier, usage)] if frontier is not None else [])
        try:
            costs = await self.backend.price(items)
        except asyncio.CancelledError:  # cancelled while pricing: book it at the in-process price all the same
            costs = [call_cost(d, u) for d, u in items]
            book(call, usage, costs[0], costs[1] if frontier is not None else None, estimated=estimated)
            raise
        book(call, usage, costs[0], costs[1] if frontier is not None else None, estimated=estimated)

    def _note_cache_loss(
        self, call: CallRecord, tier: str, deployment: Deployment, messages: Sequence[Message], usage: TokenUsage
    ) -> None:
        if call.task_id is None:
            return
        lost = self.cache_memory.switch_loss(call.task_id, call.action, tier, messages, usage)
        if lost > 0:
            call.cache_loss_tokens += lost
            price = price_for(deployment)
            if price is not None:
                cached = price.cached_input_per_mtok if price.cached_input_per_mtok is not None else price.input_per_mtok
                call.cache_loss_usd += lost * max(price.input_per_mtok - cached, 0.0) / 1_000_000

    def _mask(self, text: str) -> str:
        names = [d.api_key_env for t in self.config.tiers.values() for d in t.deployments() if d.api_key_env]
        return mask(text, secret_values(self._env, names))

    async def _finish(self, call: CallRecord, outcome: Outcome, error: str | None, *, quiet: bool = False) -> LedgerLine:
        """Append the call's ledger line (fsync'd, in a thread: a cancellation arriving meanwhile still lets
        it land) and release its budget reservations."""
        line = ledger_line(call, outcome, self._mask(error) if error else None)
        try:
            await asyncio.shield(asyncio.to_thread(self.ledger.append, line))
        except OSError as err:
            if not quiet:
                raise GatewayError(
                    f"cannot write the cost ledger {self.ledger.path}: {err.strerror or err}"
                ) from None
        finally:
            for reservation in call.reservations:
                self.budget.release(reservation)
        return line

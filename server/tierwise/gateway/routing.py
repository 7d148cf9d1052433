"""Which tiers are usable and where each action really runs. Pure functions; no litellm, no I/O.

A tier is usable when it has a model and some deployment of it can be reached: the tier is ``local``,
or its ``api_key_env`` names a variable set in the environment, or it has an ``api_base`` and needs no key
(no ``api_key_env``). A route rung whose tier is unusable falls back to the next *stronger* usable tier
(``config.tier_order`` lists tiers strongest first) and says so in a note.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, Field

from tierwise.config.model import Config, Deployment, Tier


class DeploymentStatus(BaseModel):
    model: str
    usable: bool
    reason: str


class TierStatus(BaseModel):
    """Whether a tier can take calls, and why (or why not) in words fit for ``doctor``."""

    name: str
    usable: bool
    model: str | None = Field(description="The tier's primary model (None: unset).")
    local: bool = False
    reason: str
    deployments: list[DeploymentStatus] = Field(default_factory=list)

    @property
    def usable_models(self) -> list[str]:
        return [d.model for d in self.deployments if d.usable]


class ResolvedRung(BaseModel):
    """One rung of a route: the tier asked for and the tier it really runs on."""

    requested: str
    tier: str | None = Field(description="Effective tier; None when no usable tier could be found.")
    model: str | None = None
    note: str | None = None


class ResolvedRoute(BaseModel):
    action: str
    ladder: list[str] = Field(description="Tiers as configured, weakest first.")
    rungs: list[ResolvedRung]
    escalate_after: int

    @property
    def effective(self) -> list[str]:
        """Effective tiers in ladder order, duplicates and unresolved rungs removed."""
        seen: list[str] = []
        for rung in self.rungs:
            if rung.tier is not None and rung.tier not in seen:
                seen.append(rung.tier)
        return seen

    @property
    def notes(self) -> list[str]:
        return [rung.note for rung in self.rungs if rung.note]

    @property
    def usable(self) -> bool:
        return bool(self.effective)


def deployment_status(deployment: Deployment, *, local: bool, env: Mapping[str, str]) -> DeploymentStatus:
    """Whether one deployment can be called with this environment (never reveals a key's value)."""
    if local:
        return DeploymentStatus(model=deployment.model, usable=True, reason="local model")
    key_env = deployment.api_key_env
    if key_env:
        if env.get(key_env):
            return DeploymentStatus(model=deployment.model, usable=True, reason=f"key from ${key_env}")
        return DeploymentStatus(
            model=deployment.model, usable=False, reason=f"${key_env} is not set in the environment"
        )
    if deployment.api_base:
        return DeploymentStatus(
            model=deployment.model, usable=True, reason=f"endpoint {deployment.api_base} (no key needed)"
        )
    return DeploymentStatus(
        model=deployment.model,
        usable=False,
        reason="no api_key_env and no api_base: set api_key_env (or api_base for a keyless endpoint, "
        "or local = true)",
    )


def status_of_tier(name: str, tier: Tier, env: Mapping[str, str]) -> TierStatus:
    if not tier.model:
        return TierStatus(name=name, usable=False, model=None, local=tier.local, reason="no model set")
    statuses = [deployment_status(d, local=tier.local, env=env) for d in tier.deployments()]
    usable = [s for s in statuses if s.usable]
    if not usable:
        reason = "; ".join(f"{s.model}: {s.reason}" for s in statuses)
    elif usable[0].model == tier.model:
        reason = usable[0].reason
    else:
        reason = f"primary {tier.model} unusable ({statuses[0].reason}); using fallback {usable[0].model}"
    return TierStatus(
        name=name,
        usable=bool(usable),
        model=tier.model,
        local=tier.local,
        reason=reason,
        deployments=statuses,
    )


def tier_status(config: Config, env: Mapping[str, str] | None = None) -> dict[str, TierStatus]:
    """Every configured tier's status, in ``config.tier_order`` (strongest first)."""
    environ = os.environ if env is None else env
    return {name: status_of_tier(name, config.tiers[name], environ) for name in config.tier_order}


def usable_deployments(config: Config, tier: str, env: Mapping[str, str] | None = None) -> list[Deployment]:
    """The tier's deployments (primary first) that can be called with this environment."""
    environ = os.environ if env is None else env
    spec = config.tiers[tier]
    if not spec.model:
        return []
    return [d for d in spec.deployments() if deployment_status(d, local=spec.local, env=environ).usable]


def effective_tier(
    config: Config, tier: str, statuses: Mapping[str, TierStatus]
) -> tuple[str | None, str | None]:
    """The tier that really serves ``tier``: itself when usable, else the next stronger usable tier.

    Returns ``(effective tier or None, note or None)``."""
    if statuses[tier].usable:
        return tier, None
    order = config.tier_order
    position = order.index(tier)
    for stronger in reversed(order[:position]):
        if statuses[stronger].usable:
            return (
                stronger,
                f"tier {tier!r} is unusable ({statuses[tier].reason}); using stronger tier {stronger!r}",
            )
    return None, f"tier {tier!r} is unusable ({statuses[tier].reason}) and no stronger tier is usable"


def resolve_route(config: Config, action: str, statuses: Mapping[str, TierStatus]) -> ResolvedRoute:
    route = config.route(action)
    rungs: list[ResolvedRung] = []
    for requested in route.tiers:
        tier, note = effective_tier(config, requested, statuses)
        model = None
        if tier is not None:
            usable = statuses[tier].usable_models
            model = usable[0] if usable else config.tiers[tier].model
        rungs.append(ResolvedRung(requested=requested, tier=tier, model=model, note=note))
    return ResolvedRoute(
        action=action, ladder=list(route.tiers), rungs=rungs, escalate_after=config.escalate_after_for(action)
    )


def resolve_routes(config: Config, env: Mapping[str, str] | None = None) -> list[ResolvedRoute]:
    """Every route with its effective tiers, a note per fallback, and the model per rung."""
    statuses = tier_status(config, env)
    return [resolve_route(config, action, statuses) for action in config.routes]

"""The validated configuration model: tiers, routes, budgets, gateway and loop settings.

Everything here is pure data (pydantic v2). Loading, precedence and error messages live in
``tierwise.config.loader``; provider defaults from the environment live in ``tierwise.config.defaults``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_TIER_NAMES: tuple[str, ...] = ("frontier", "mid", "light", "local")
"""Built-in tier names, strongest first. Users may add more tiers."""

ACTIONS: tuple[str, ...] = (
    "plan",
    "refine",
    "implement",
    "fix",
    "review",
    "quickfix",
    "commit_message",
    "summarize",
    "explore",
)
"""Every action the product routes. A route for each must exist after validation."""

DEFAULT_ROUTES: dict[str, str | list[str]] = {
    "plan": "frontier",
    "refine": "light",
    "implement": "mid",
    "fix": ["light", "mid", "frontier"],
    "review": "frontier",
    "quickfix": "light",
    "commit_message": "local",
    "summarize": "local",
    "explore": "light",
}

NonNegative = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    """Base for config sections: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Price(_Strict):
    """Per-token prices in USD per million tokens, for models litellm does not know."""

    input_per_mtok: NonNegative = Field(description="USD per million prompt tokens.")
    output_per_mtok: NonNegative = Field(description="USD per million completion tokens.")


class Deployment(_Strict):
    """One concrete model behind a tier: the primary or a fallback."""

    model: str = Field(description="litellm model string, e.g. 'anthropic/claude-sonnet-4-5' or 'openai/gpt-4o-mini'.")
    api_base: str | None = Field(default=None, description="Base URL of an OpenAI-compatible or provider endpoint.")
    api_key_env: str | None = Field(
        default=None, description="Name of the environment variable holding the API key (never the key itself)."
    )
    price: Price | None = Field(default=None, description="Prices for models litellm's price map does not know.")
    context_window: int | None = Field(default=None, gt=0, description="Prompt token limit, if litellm does not know it.")


class Tier(_Strict):
    """A named model tier. Fields other than ``fallbacks``, ``max_tokens`` and ``temperature`` describe the
    primary deployment; each fallback inherits ``api_base`` and ``api_key_env`` unless it sets its own."""

    model: str | None = Field(default=None, description="Primary litellm model string. Empty: the tier is unset.")
    api_base: str | None = None
    api_key_env: str | None = None
    price: Price | None = None
    context_window: int | None = Field(default=None, gt=0)
    local: bool = Field(
        default=False, description="A local model: unknown prices count as free, no API key is required."
    )
    fallbacks: list[Deployment] = Field(default_factory=list, description="Ordered fallback deployments.")
    max_tokens: int = Field(default=4096, gt=0, description="Completion token ceiling per call.")
    temperature: float = Field(default=0.2, ge=0, le=2)

    @field_validator("fallbacks", mode="before")
    @classmethod
    def _strings_are_models(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"model": item} if isinstance(item, str) else item for item in value]
        return value

    def deployments(self) -> list[Deployment]:
        """The primary deployment (when set) followed by the fallbacks, with inherited endpoint and key."""
        chain: list[Deployment] = []
        if self.model:
            chain.append(
                Deployment(
                    model=self.model,
                    api_base=self.api_base,
                    api_key_env=self.api_key_env,
                    price=self.price,
                    context_window=self.context_window,
                )
            )
        for fallback in self.fallbacks:
            chain.append(
                fallback.model_copy(
                    update={
                        "api_base": fallback.api_base or self.api_base,
                        "api_key_env": fallback.api_key_env or self.api_key_env,
                    }
                )
            )
        return chain


class Route(_Strict):
    """The tier (or escalation ladder of tiers, weakest first) an action runs on."""

    tiers: list[str] = Field(min_length=1)
    escalate_after: int | None = Field(
        default=None, gt=0, description="Failures at one rung before moving up; defaults to routing.escalate_after."
    )

    @property
    def tier(self) -> str:
        return self.tiers[0]


def _coerce_route(value: Any) -> Any:
    if isinstance(value, str):
        return {"tiers": [value]}
    if isinstance(value, list):
        return {"tiers": value}
    return value


class Budget(_Strict):
    """Hard ceilings in USD. A call whose worst case could cross a ceiling is refused before it is made."""

    per_task_usd: NonNegative | None = Field(default=5.0, description="Ceiling per task; unset for none.")
    per_day_usd: NonNegative | None = Field(default=20.0, description="Ceiling per calendar day (UTC); unset for none.")


class GatewaySettings(_Strict):
    timeout_s: float = Field(default=600.0, gt=0, description="Overall ceiling for one model call, retries included.")
    idle_timeout_s: float = Field(default=45.0, gt=0, description="Abort a stream that sends no chunk for this long.")
    max_retries: int = Field(default=3, ge=0, description="Retries per deployment on 429, 5xx and connection errors.")
    backoff_s: float = Field(default=1.0, ge=0, description="First backoff delay; doubles each retry.")
    max_backoff_s: float = Field(default=30.0, ge=0)


class LoopSettings(_Strict):
    implement_rounds: int = Field(default=2, ge=0, description="Retries per file after refused edit blocks.")
    fix_rounds: int = Field(default=4, ge=0, description="Test-and-fix rounds before giving up.")
    plan_resends: int = Field(default=1, ge=0, description="Times an invalid plan is sent back with its errors.")
    test_command: str | None = Field(default=None, description="Test command; detected when unset (pytest, npm test, ...).")
    lint_command: str | None = Field(default=None, description="Optional lint or type-check command run like the tests.")
    test_timeout_s: float = Field(default=600.0, gt=0)
    max_log_chars: int = Field(default=12_000, gt=0, description="Longer test logs are shrunk before a model sees them.")


class ContextSettings(_Strict):
    """The context engine: how much of a model's context window each phase's context may take."""

    enabled: bool = Field(default=True, description="Build prompts from the symbol index; off: file tree and named files only.")
    explore: Literal["on", "off"] = Field(default="on", description="Ask the explore route which code the planner needs.")
    share: float = Field(default=0.25, gt=0, le=1, description="Share of the target model's context window for context.")
    plan_tokens: int = Field(default=8000, gt=0, description="Ceiling of the plan and refine context.")
    implement_tokens: int = Field(default=12000, gt=0, description="Ceiling of the plan's files shown to each implementer.")
    file_tokens: int = Field(default=16000, gt=0, description="A file being edited is shown whole up to this size.")
    fix_tokens: int = Field(default=10000, gt=0, description="Ceiling of the fix context.")
    review_tokens: int = Field(default=12000, gt=0, description="Ceiling of the review's files.")
    max_files: int = Field(default=20000, gt=0, description="Files indexed at most; more are left out with a note.")
    max_file_bytes: int = Field(default=1_000_000, gt=0, description="Larger files are not indexed or sent.")


class Config(_Strict):
    """The whole resolved configuration."""

    tiers: dict[str, Tier] = Field(default_factory=lambda: {name: Tier() for name in DEFAULT_TIER_NAMES})
    routes: dict[str, Route] = Field(
        default_factory=lambda: {k: Route.model_validate(_coerce_route(v)) for k, v in DEFAULT_ROUTES.items()}
    )
    escalate_after: int = Field(default=2, gt=0, description="Failures at one rung of a ladder before escalating.")
    frontier_tier: str = Field(default="frontier", description="Tier used as the counterfactual for savings.")
    tier_order: list[str] = Field(
        default_factory=lambda: list(DEFAULT_TIER_NAMES),
        description="Tiers from strongest to weakest; an unusable tier falls back to the next stronger one.",
    )
    budget: Budget = Field(default_factory=Budget)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    loop: LoopSettings = Field(default_factory=LoopSettings)
    context: ContextSettings = Field(default_factory=ContextSettings)

    @field_validator("tiers", mode="after")
    @classmethod
    def _keep_default_tiers(cls, value: dict[str, Tier]) -> dict[str, Tier]:
        return {**{name: Tier() for name in DEFAULT_TIER_NAMES if name not in value}, **value}

    @field_validator("routes", mode="before")
    @classmethod
    def _coerce_routes(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {action: _coerce_route(route) for action, route in value.items()}
        return value

    @model_validator(mode="after")
    def _check_references(self) -> Config:
        for name in self.tiers:
            if name not in self.tier_order:
                self.tier_order.append(name)
        known = set(self.tiers)
        for action, route in self.routes.items():
            for tier in route.tiers:
                if tier not in known:
                    raise ValueError(
                        f"routes.{action} names unknown tier {tier!r}; known tiers: {', '.join(sorted(known))}"
                    )
        for action, default in DEFAULT_ROUTES.items():
            self.routes.setdefault(action, Route.model_validate(_coerce_route(default)))
        if self.frontier_tier not in known:
            raise ValueError(f"frontier_tier names unknown tier {self.frontier_tier!r}")
        for name in self.tier_order:
            if name not in known:
                raise ValueError(f"tier_order names unknown tier {name!r}")
        return self

    def route(self, action: str) -> Route:
        try:
            return self.routes[action]
        except KeyError:
            raise KeyError(f"no route for action {action!r}; known actions: {', '.join(sorted(self.routes))}") from None

    def escalate_after_for(self, action: str) -> int:
        return self.route(action).escalate_after or self.escalate_after

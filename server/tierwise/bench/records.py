"""The benchmark's result records: one per run, one summary per configuration, and the saved report.

The saved report (``RUN.json``) is ``BenchReport``; ``tierwise bench --report RUN.json`` reads it back and
redraws the table and chart. ``report_json_schema()`` is its JSON schema (documented in docs/bench.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tierwise.atomic import new_file_perms, write_bytes_atomic

SCHEMA_VERSION = 1


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TierUsage(_Record):
    """Model calls on one tier."""

    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    tokens_cached: int = Field(default=0, description="Prompt tokens served from the provider's cache.")
    cache_loss_tokens: int = Field(default=0, description="Cached prefix tokens lost to tier switches.")

    @property
    def cache_hit_rate(self) -> float:
        return self.tokens_cached / self.tokens_in if self.tokens_in else 0.0

    def plus(self, other: TierUsage) -> TierUsage:
        return TierUsage(
            calls=self.calls + other.calls,
            tokens_in=self.tokens_in + other.tokens_in,
            tokens_out=self.tokens_out + other.tokens_out,
            cost_usd=self.cost_usd + other.cost_usd,
            tokens_cached=self.tokens_cached + other.tokens_cached,
            cache_loss_tokens=self.cache_loss_tokens + other.cache_loss_tokens,
        )


class RunRecord(_Record):
    """One task run under one configuration (one repetition)."""

    config: str
    task: str
    repetition: int = Field(ge=1)
    task_id: str | None = Field(default=None, description="The engine's task id inside the run's copy.")
    scripted: bool = Field(description="Answers came from the replay server (from the ledger lines).")
    status: str = Field(description="The engine's final task status, or 'error' when the harness failed.")
    passed: bool = Field(description="The check passed after the loop and the loop was not stopped by budget.")
    check_exit_code: int | None = None
    check_timed_out: bool = False
    check_output_tail: str = ""
    budget_stopped: bool = False
    cost_usd: float = 0.0
    saved_usd: float = 0.0
    tiers: dict[str, TierUsage] = Field(default_factory=dict)
    wall_s: float = 0.0
    fix_rounds: int = 0
    escalations: int = 0
    refused_blocks: int = 0
    retries: int = 0
    fallbacks: int = 0
    failed_calls: int = 0
    error: str | None = Field(default=None, description="What went wrong in the harness or engine, if anything.")

    @property
    def tokens_in(self) -> int:
        return sum(usage.tokens_in for usage in self.tiers.values())

    @property
    def tokens_out(self) -> int:
        return sum(usage.tokens_out for usage in self.tiers.values())

    @property
    def calls(self) -> int:
        return sum(usage.calls for usage in self.tiers.values())


class ConfigSummary(_Record):
    """Aggregates of every run of one configuration."""

    config: str
    description: str = ""
    runs: int
    passed: int
    pass_rate: float = Field(ge=0, le=1)
    total_cost_usd: float
    cost_per_finished_task_usd: float | None = Field(
        description="Total cost of all runs (failed ones included) divided by runs passed; None when none passed."
    )
    saved_usd: float = 0.0
    tiers: dict[str, TierUsage] = Field(default_factory=dict)
    wall_s_mean: float = 0.0
    wall_s_max: float = 0.0
    fix_rounds: int = 0
    escalations: int = 0
    refused_blocks: int = 0
    retries: int = 0
    fallbacks: int = 0
    budget_stops: int = 0
    errors: int = 0
    scripted: bool = False

    @property
    def cache_hit_rate(self) -> float:
        """Prompt tokens served from cache / prompt tokens, over every tier."""
        tokens_in = sum(usage.tokens_in for usage in self.tiers.values())
        return sum(usage.tokens_cached for usage in self.tiers.values()) / tokens_in if tokens_in else 0.0

    @property
    def cache_loss_tokens(self) -> int:
        return sum(usage.cache_loss_tokens for usage in self.tiers.values())


class ConfigInfo(_Record):
    """What a configuration was, kept in the report so it is self-describing."""

    name: str
    description: str = ""
    routes: dict[str, list[str]] = Field(default_factory=dict)
    models: dict[str, str] = Field(default_factory=dict, description="Tier -> primary model used.")
    budget_per_task_usd: float | None = None
    phases: list[str] | None = None


class BenchReport(_Record):
    """Everything one `tierwise bench` invocation measured."""

    schema_version: int = SCHEMA_VERSION
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))
    tierwise_version: str = ""
    command: str = ""
    suite: str = ""
    configs_file: str = ""
    scripted: bool = False
    repeat: int = 1
    jobs: int = 1
    tasks: list[str] = Field(default_factory=list)
    configs: list[ConfigInfo] = Field(default_factory=list)
    records: list[RunRecord] = Field(default_factory=list)
    summaries: list[ConfigSummary] = Field(default_factory=list)
    wall_s: float = 0.0
    suite_unchanged: bool | None = Field(
        default=None, description="The suite folder's checksum was the same after the benchmark as before."
    )


def report_json_schema() -> dict[str, Any]:
    return BenchReport.model_json_schema()


def write_public_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating folders, readable like a normal file (umask bits)."""
    write_bytes_atomic(path, data, perms=new_file_perms(), make_parents=True)


def save_report(report: BenchReport, path: Path) -> Path:
    write_public_atomic(path, (report.model_dump_json(indent=2) + "\n").encode("utf-8"))
    return path


def load_report(path: Path) -> BenchReport:
    """Read a saved report; raises OSError or pydantic.ValidationError."""
    return BenchReport.model_validate_json(path.read_text(encoding="utf-8"))

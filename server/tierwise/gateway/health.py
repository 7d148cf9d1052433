"""Deployment health: cooldowns after repeated failures, and providers caught ignoring ``max_tokens``.

Cooldowns follow litellm Router's semantics: failures of a deployment are counted in a sliding 60-second
window; when a failure makes the count exceed ``gateway.allowed_fails``, the deployment cools down for
``gateway.cooldown_time_s`` seconds, during which calls skip it (to the tier's next deployment, else to the
next stronger tier). As in litellm, a 429 on a deployment that has a fallback cools it down at once. A
deployment that streamed past ``max_tokens`` is cooled down at once and remembered as an overrun.

The state lives in ``.tierwise/deployments.json`` (written atomically, merged with what other processes
wrote), so ``tierwise doctor`` and the editors' status can show it later. Standard library + pydantic only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from tierwise.atomic import write_bytes_atomic
from tierwise.statedir import STATE_DIR, ensure_state_dir

HEALTH_FILE = "deployments.json"
WINDOW_S = 60.0  # litellm counts a deployment's failures per minute
KEEP_OVERRUNS_S = 7 * 24 * 3600.0  # doctor shows overruns of the last week


class DeploymentRecord(BaseModel):
    """What is known about one deployment (``model`` at ``api_base``)."""

    model: str
    api_base: str | None = None
    tier: str = ""
    failures: list[float] = Field(default_factory=list, description="Unix times of failures in the window.")
    cooldown_until: float | None = None
    cooldown_reason: str | None = None
    cooldowns: int = 0
    overruns: int = 0
    last_overrun: str | None = None
    last_overrun_at: float | None = None

    @property
    def label(self) -> str:
        return f"{self.model} ({self.api_base})" if self.api_base else self.model


def deployment_key(model: str, api_base: str | None) -> str:
    return f"{model}@{api_base or ''}"


def health_path(root: Path) -> Path:
    return Path(root) / STATE_DIR / HEALTH_FILE


def read_records(root: Path) -> dict[str, DeploymentRecord]:
    """The saved records (empty when the file is missing or unreadable: health never breaks a call)."""
    try:
        data = json.loads(health_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    records: dict[str, DeploymentRecord] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            try:
                records[str(key)] = DeploymentRecord.model_validate(value)
            except ValidationError:
                continue
    return records


def active_cooldowns(root: Path, now: float | None = None) -> list[dict[str, Any]]:
    """Deployments cooling down right now, for status payloads: ``{tier, model, apiBase, remainingS, reason}``."""
    moment = time.time() if now is None else now
    out = []
    for record in read_records(root).values():
        if record.cooldown_until is not None and record.cooldown_until > moment:
            out.append(
                {
                    "tier": record.tier,
                    "model": record.model,
                    "apiBase": record.api_base,
                    "remainingS": round(record.cooldown_until - moment, 1),
                    "reason": record.cooldown_reason,
                }
            )
    return sorted(out, key=lambda item: (item["tier"], item["model"]))


class DeploymentHealth:
    """Cooldown bookkeeping for one workspace. Thread-safe; every change is saved at once."""

    def __init__(
        self,
        root: Path | str,
        *,
        allowed_fails: int,
        cooldown_time_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root)
        self.allowed_fails = allowed_fails
        self.cooldown_time_s = cooldown_time_s
        self._clock = clock
        self._lock = threading.Lock()

    # -- queries --------------------------------------------------------------------------------------
    def cooling(self, model: str, api_base: str | None) -> DeploymentRecord | None:
        """The deployment's record when it is cooling down now, else None."""
        record = read_records(self.root).get(deployment_key(model, api_base))
        if record is not None and record.cooldown_until is not None and record.cooldown_until > self._clock():
            return record
        return None

    def remaining_s(self, record: DeploymentRecord) -> float:
        return max(0.0, (record.cooldown_until or 0.0) - self._clock())

    # -- updates --------------------------------------------------------------------------------------
    def record_failure(
        self, model: str, api_base: str | None, tier: str, reason: str, *, immediate: bool = False
    ) -> DeploymentRecord | None:
        """Count a failed attempt; returns the record when this failure started a cooldown."""
        if self.cooldown_time_s <= 0:
            return None
        with self._lock:
            records = read_records(self.root)
            now = self._clock()
            record = records.setdefault(
                deployment_key(model, api_base), DeploymentRecord(model=model, api_base=api_base, tier=tier)
            )
            record.tier = tier or record.tier
            record.failures = [t for t in record.failures if now - t < WINDOW_S] + [now]
            started = None
            already = record.cooldown_until is not None and record.cooldown_until > now
            if not already and (immediate or len(record.failures) > self.allowed_fails):
                count = len(record.failures)
                why = reason if immediate else f"{count} failures within {WINDOW_S:g} s; last: {reason}"
                record.cooldown_until = now + self.cooldown_time_s
                record.cooldown_reason = why[:300]
                record.cooldowns += 1
                record.failures = []
                started = record
            self._save(records)
            return started

    def record_overrun(self, model: str, api_base: str | None, tier: str, message: str) -> None:
        with self._lock:
            records = read_records(self.root)
            record = records.setdefault(
                deployment_key(model, api_base), DeploymentRecord(model=model, api_base=api_base, tier=tier)
            )
            record.overruns += 1
            record.last_overrun = message[:300]
            record.last_overrun_at = self._clock()
            self._save(records)

    def _save(self, records: dict[str, DeploymentRecord]) -> None:
        now = self._clock()
        keep = {
            key: record
            for key, record in records.items()
            if record.failures
            or (record.cooldown_until is not None and record.cooldown_until > now - KEEP_OVERRUNS_S)
            or (record.last_overrun_at is not None and record.last_overrun_at > now - KEEP_OVERRUNS_S)
        }
        data = {key: record.model_dump() for key, record in keep.items()}
        try:
            ensure_state_dir(self.root)
            write_bytes_atomic(health_path(self.root), (json.dumps(data, indent=2) + "\n").encode(), perms=0o600)
        except OSError:
            pass  # health is advisory: a read-only workspace must not fail the call

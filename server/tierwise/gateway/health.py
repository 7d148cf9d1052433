"""Deployment health: cooldowns after repeated failures, and providers caught ignoring ``max_tokens``.

Cooldowns follow litellm Router's semantics: failures of a deployment are counted in a sliding 60-second
window; when a failure makes the count exceed ``gateway.allowed_fails``, the deployment cools down for
``gateway.cooldown_time_s`` seconds, during which calls skip it (to the tier's next deployment, else to the
next stronger tier). As in litellm, a 429 on a deployment that has a fallback cools it down at once. A
deployment that streamed past ``max_tokens`` is cooled down at once and remembered as an overrun.

The state lives in ``.tierwise/deployments.json`` so ``tierwise doctor`` and the editors' status can show it
later. Several processes share it (a CLI run and the language server in one workspace), so every change is a
read-modify-write under an inter-process lock: ``fcntl.flock`` on ``deployments.json.lock`` next to it, waited
for at most ``LOCK_TIMEOUT_S``, then the new content is written atomically (``tierwise.atomic``), so readers
never need the lock and never see half a file. Where the lock cannot be had — no ``fcntl`` (Windows), a
file system without locks, or a holder stuck past the timeout — the change is still made, guarded only by
the thread lock: health is advisory, and a rare lost failure count is better than a model call that waits
or fails. Standard library + pydantic only.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from tierwise.atomic import write_bytes_atomic
from tierwise.statedir import STATE_DIR, ensure_state_dir

try:
    import fcntl
except ImportError:  # Windows: no inter-process lock (see the module docstring)
    fcntl = None  # type: ignore[assignment]

HEALTH_FILE = "deployments.json"
LOCK_SUFFIX = ".lock"
LOCK_TIMEOUT_S = 2.0  # a holder only reads, merges and renames one small file
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


def lock_path(root: Path) -> Path:
    return health_path(root).with_name(HEALTH_FILE + LOCK_SUFFIX)


@contextlib.contextmanager
def interprocess_lock(path: Path, timeout_s: float | None = None) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block; yields whether
    the lock is held. Yields False — and the caller goes on unguarded — without ``fcntl``, when the lock file
    cannot be opened or locked, or after ``timeout_s`` (default ``LOCK_TIMEOUT_S``) seconds of waiting."""
    fd = _locked_fd(path, LOCK_TIMEOUT_S if timeout_s is None else timeout_s)
    try:
        yield fd is not None
    finally:
        if fd is not None:
            os.close(fd)  # closing the only descriptor of the open file releases its flock


def _locked_fd(path: Path, timeout_s: float) -> int | None:
    """A descriptor of ``path`` holding its exclusive flock, or None. A busy lock is waited for with a
    blocking ``flock`` in a helper thread — waiters queue in the kernel, where polling with ``LOCK_NB``
    would starve behind a process that updates in a loop — and abandoned after ``timeout_s``: the thread
    then closes the descriptor (releasing the lock) as soon as it gets it."""
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        pass
    except OSError:  # a file system without locks
        os.close(fd)
        return None
    guard = threading.Lock()
    outcome: dict[str, bool] = {}
    settled = threading.Event()

    def wait() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = True
        except OSError:
            held = False
        with guard:
            outcome["held"] = held
            if not held or outcome.get("abandoned"):
                os.close(fd)
        settled.set()

    threading.Thread(target=wait, name="tierwise-health-lock", daemon=True).start()
    settled.wait(timeout_s)
    with guard:
        if outcome.get("held"):
            return fd
        outcome["abandoned"] = True  # not held yet (the thread closes fd), or failed (already closed)
        return None


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
    """Cooldown bookkeeping for one workspace. Thread- and process-safe; every change is saved at once."""

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

        def change(records: dict[str, DeploymentRecord]) -> DeploymentRecord | None:
            now = self._clock()
            record = records.setdefault(
                deployment_key(model, api_base), DeploymentRecord(model=model, api_base=api_base, tier=tier)
            )
            record.tier = tier or record.tier
            record.failures = [t for t in record.failures if now - t < WINDOW_S] + [now]
            already = record.cooldown_until is not None and record.cooldown_until > now
            if already or not (immediate or len(record.failures) > self.allowed_fails):
                return None
            count = len(record.failures)
            why = reason if immediate else f"{count} failures within {WINDOW_S:g} s; last: {reason}"
            record.cooldown_until = now + self.cooldown_time_s
            record.cooldown_reason = why[:300]
            record.cooldowns += 1
            record.failures = []
            return record

        return self._update(change)

    def record_overrun(self, model: str, api_base: str | None, tier: str, message: str) -> None:
        def change(records: dict[str, DeploymentRecord]) -> None:
            record = records.setdefault(
                deployment_key(model, api_base), DeploymentRecord(model=model, api_base=api_base, tier=tier)
            )
            record.overruns += 1
            record.last_overrun = message[:300]
            record.last_overrun_at = self._clock()

        self._update(change)

    def _update(self, change: Callable[[dict[str, DeploymentRecord]], Any]) -> Any:
        """Read the saved records, apply ``change`` and save, under the thread lock and the inter-process
        lock, so no other process's change made in between is lost."""
        with self._lock:
            try:
                ensure_state_dir(self.root)
            except OSError:
                return change(read_records(self.root))  # read-only workspace: nothing is saved
            with interprocess_lock(lock_path(self.root)):
                records = read_records(self.root)
                result = change(records)
                self._save(records)
            return result

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
        with contextlib.suppress(OSError):  # health is advisory: a read-only workspace must not fail the call
            write_bytes_atomic(health_path(self.root), (json.dumps(data, indent=2) + "\n").encode(), perms=0o600)

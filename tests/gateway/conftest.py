"""Gateway test fixtures: a ModelGateway wired to a replay server with fast timeouts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tierwise.config.model import Config
from tierwise.gateway.gateway import ModelGateway
from tierwise.gateway.ledger import Ledger
from tierwise.gateway.worker_client import WorkerBackend

FAST = {"idle_timeout_s": 1.0, "backoff_s": 0.05, "max_backoff_s": 2.0, "max_retries": 1, "timeout_s": 20.0}


@pytest.fixture(scope="session")
def model_worker() -> Iterator[WorkerBackend]:
    """One model worker process for the session (what the language server uses), shared by the tests."""
    backend = WorkerBackend()
    backend.start()
    yield backend
    backend.close()


@pytest.fixture(params=["in-process", "worker"])
def make_gateway(request: pytest.FixtureRequest, tmp_path: Path,
                 tier_config: Callable[..., dict[str, Any]]) -> Callable[..., ModelGateway]:
    """``make_gateway(url, gateway={...}, budget={...}, tiers={...})`` → a gateway on ``tmp_path/ws``; every
    test using it runs twice: litellm in the test's process, and through the model worker process."""
    backend = request.getfixturevalue("model_worker") if request.param == "worker" else None

    def make(url: str, **overrides: Any) -> ModelGateway:
        overrides["gateway"] = {**FAST, **overrides.get("gateway", {})}
        overrides.setdefault("budget", {"per_task_usd": None, "per_day_usd": None})
        config = Config.model_validate(tier_config(url, **overrides))
        return ModelGateway(config, tmp_path / "ws", backend=backend)

    return make


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "ws")

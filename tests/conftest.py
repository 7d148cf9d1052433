"""Shared fixtures: a replay model server on 127.0.0.1 and a tier configuration pointing at it.

``replay_server(script)`` starts a server (script: dict, TOML text, Script or path) in a background
thread and returns a handle: ``.url``, ``.log_path``, ``.requests()`` (the logged requests). Servers stop
when the test ends. ``tier_config(url, **overrides)`` gives a Config dict with the four replay tiers and
sets ``$TIERWISE_TEST_KEY`` (to ``TEST_KEY``) for the test. ``ws`` is an empty workspace folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tierwise.replay.fixtures import TEST_KEY, TEST_KEY_ENV, replay_tier_config  # noqa: E402
from tierwise.replay.script import Script, parse_script  # noqa: E402
from tierwise.replay.server import ThreadedReplayServer, run_in_thread  # noqa: E402

__all__ = ["TEST_KEY", "ReplayHandle"]


class ReplayHandle:
    """A running replay server as the tests see it."""

    def __init__(self, server: ThreadedReplayServer, log_path: Path) -> None:
        self._server = server
        self.url = server.url
        self.log_path = log_path

    def requests(self) -> list[dict[str, Any]]:
        """The request log, read back from the JSONL file."""
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines() if line]

    def stop(self) -> None:
        self._server.stop()


@pytest.fixture
def replay_server(tmp_path: Path) -> Iterator[Callable[..., ReplayHandle]]:
    handles: list[ReplayHandle] = []

    def start(script: dict[str, Any] | str | Script | Path) -> ReplayHandle:
        if isinstance(script, str) and not Path(script).is_file():
            script = parse_script(script)  # TOML text
        log_path = tmp_path / f"replay-{len(handles)}.jsonl"
        handle = ReplayHandle(run_in_thread(script, log_path), log_path)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def tier_config(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    monkeypatch.setenv(TEST_KEY_ENV, TEST_KEY)
    return replay_tier_config


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """An empty workspace folder, ``tmp_path/ws``."""
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder

"""Fixtures of the LSP tests: ``tierwise serve`` driven over stdio by pytest-lsp's client, with the
recorded capabilities of Neovim and VS Code (parametrized), in a temporary git workspace."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from lsp_helpers import CLIENTS, SAMPLE_FILES, capabilities, execute, make_repo, start_client, write_config  # noqa: E402
from lsp_loop import lp, mini, minimal_server, server  # noqa: E402, F401 - long-lived servers


@pytest.fixture(params=CLIENTS)
def client_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "ws", SAMPLE_FILES)


@pytest.fixture
async def lsp(workspace: Path, client_name: str) -> AsyncIterator[Any]:
    """A server on ``workspace`` with replay tiers at an unused address (no model is called) and no warm-up."""
    from tierwise.replay.fixtures import replay_tier_config

    write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
    client, editor, result = await start_client(
        workspace, capabilities(client_name), init_options={"tierwise": {"lsp": {"warmUp": False}}}
    )
    await execute(client, "tierwise.status")  # answers once the configuration is loaded
    editor.result = result  # type: ignore[attr-defined]
    editor.root = workspace  # type: ignore[attr-defined]
    yield client, editor
    await client.shutdown_session()

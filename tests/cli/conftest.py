"""Fixtures for the CLI tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_support import is_provider_var


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The process environment without provider or TIERWISE_* variables, HOME in tmp. Returns the workspace."""
    for name in list(os.environ):
        if is_provider_var(name):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    workspace = tmp_path / "ws"
    workspace.mkdir()
    return workspace

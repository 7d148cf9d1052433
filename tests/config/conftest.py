"""Fixtures for configuration tests: an isolated environment mapping and a home folder (``ws``: tests/conftest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

Writer = Callable[[Path, str], Path]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """A minimal environment: only HOME (tests add variables). Never the process environment."""
    return {"HOME": str(home)}


@pytest.fixture
def put() -> Writer:
    """Write a text file (parents created) and return its path."""

    def _write(path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write

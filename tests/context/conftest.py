"""Fixtures of the context tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from context_project import write_project


@pytest.fixture
def project(ws: Path) -> Path:
    return write_project(ws)

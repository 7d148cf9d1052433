"""Reading the benchmark's TOML files (task.toml, configuration sets, replay.toml) with messages for people."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError


def read_toml(file: Path, error: type[Exception], *, missing: str, invalid_hint: str = "") -> dict[str, Any]:
    """The parsed ``file``; raises ``error`` with ``"<file>: <missing>"`` when it does not exist, or
    ``"<file>: not valid TOML (<why>)<invalid_hint>"`` when it cannot be parsed."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{file}: {missing}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise error(f"{file}: not valid TOML ({err}){invalid_hint}") from None


def validation_summary(err: ValidationError, top: str) -> str:
    """pydantic's errors on one line: ``key.path: message; ...`` (``top`` names an error on the whole document)."""
    return "; ".join(f"{'.'.join(str(p) for p in item['loc']) or top}: {item['msg']}" for item in err.errors())

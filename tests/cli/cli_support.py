"""Helpers shared by the CLI tests: the provider variables a test environment drops, and the two ways of
running ``tierwise`` (click's CliRunner in process, the installed script in a subprocess)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from tierwise.cli.main import cli

SECRET = "sk-test-SECRET123456"
TIERWISE = Path(sys.executable).with_name("tierwise")
PROVIDER_VARS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY", "OPENAI_BASE_URL",
                 "OPENAI_MODEL", "XDG_CONFIG_HOME")


def is_provider_var(name: str) -> bool:
    """A variable that could make a tier usable or move the config: provider keys and ``TIERWISE_*``."""
    return name in PROVIDER_VARS or name.startswith("TIERWISE_")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def subprocess_env(home: Path, **extra: str) -> dict[str, str]:
    """The process environment without provider or ``TIERWISE_*`` variables, ``HOME`` at ``home``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not is_provider_var(k)}
    env.update({"HOME": str(home), **extra})
    return env

"""Import weight and small pure helpers of the gateway."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tierwise.gateway.provider import parse_retry_after
from tierwise.gateway.tokens import count_message_tokens, count_tokens, tokenizer_name


def test_importing_the_gateway_does_not_import_litellm() -> None:
    code = (
        "import sys, tierwise.gateway, tierwise.gateway.gateway, tierwise.gateway.routing, tierwise.gateway.pricing\n"
        "from tierwise.gateway import ModelGateway, Ledger\n"
        "from tierwise.config.model import Config\n"
        "ModelGateway(Config(), '.').ladder('fix')\n"
        "assert 'litellm' not in sys.modules, 'litellm imported'\n"
        "import tierwise.gateway.tokens as t; t.count_tokens('hello')\n"
        "assert 'litellm' not in sys.modules, 'litellm imported by token counting'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_warm_up_imports_litellm_in_the_background() -> None:
    code = (
        "import sys, time\n"
        "from tierwise.gateway import provider\n"
        "started = time.monotonic(); future = provider.warm_up(); returned = time.monotonic() - started\n"
        "assert returned < 0.5, returned\n"
        "assert provider.warm_up() is future\n"
        "module = future.result(timeout=120)\n"
        "assert module.telemetry is False and module.suppress_debug_info is True\n"
        "import os; assert os.environ['LITELLM_LOCAL_MODEL_COST_MAP'] == 'True'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr


def test_retry_after_forms() -> None:
    assert parse_retry_after("2") == 2.0 and parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = datetime(2030, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30)
    assert parse_retry_after("-5") == 0


def test_token_counts() -> None:
    assert tokenizer_name() == "cl100k_base"  # litellm's bundled BPE is found offline
    assert count_tokens("hello world") == 2 and count_tokens("") == 0
    assert count_tokens("<|endoftext|>") > 1  # special-token text counts as text, never raises
    assert count_message_tokens([("user", "hello world")]) == 3 + 1 + 2 + 3

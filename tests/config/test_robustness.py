"""Any input gives a Config or a ConfigError — never another exception (the server must not die)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.config.envvars import env_name
from tierwise.config.loader import ConfigError, load_config
from tierwise.config.model import Config

KEYS = ["tiers", "routes", "budget", "gateway", "loop", "mid", "fix", "model", "api_key_env", "price", "fallbacks",
        "tier_order", "per_task_usd", "input_per_mtok", "local", "escalate_after", "frontier", "light", "x"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "light", "mid", "frontier", "openai/x", "sk-test-SECRET123456", "none", "1,2"]),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
    max_leaves=12,
)


def _load(file_text: str | None = None, **kwargs) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if file_text is not None:
            (Path(folder) / ".tierwise.toml").write_text(file_text, encoding="utf-8", errors="surrogatepass")
        try:
            assert isinstance(load_config(Path(folder), env={"HOME": folder, **kwargs.pop("env", {})}, **kwargs), Config)
        except ConfigError as err:
            assert "SECRET123456" not in str(err)
            assert str(err).startswith("invalid tierwise configuration")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=5))
def test_random_overrides(data):
    _load(overrides=data)


DOTTED = ["budget.per_task_usd", "tiers.mid.model", "tiers.mid.fallbacks", "routes.fix", "tier_order",
          "escalate_after", "tiers.light.local", "tiers.mid.price", "loop.test_command", "tiers.x.price.input_per_mtok"]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(DOTTED).map(env_name), st.text(max_size=20).filter(lambda t: "\x00" not in t),
                       max_size=4))
def test_random_environment_values(env):
    _load(env=env)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_random_file_text(text):
    _load(file_text=text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(['[tiers.mid]', '[routes]', '[budget]', 'model = "openai/x"', 'fix = ["light"]',
                                 'per_task_usd = -1', 'per_task_usd = inf', 'modle = 1', 'fallbacks = ["a"]',
                                 'api_key_env = "sk-test-SECRET123456"', 'local = true', '[tiers.x.price]',
                                 'input_per_mtok = 1', 'tier_order = ["x"]', 'fix = "mdi"']), max_size=8))
def test_random_plausible_files(lines):
    _load(file_text="\n".join(lines) + "\n")

"""Scripted mode: per-task model behaviours served by the replay server, one server per run.

A task's ``replay.toml`` names behaviours, each an ordered list of replay rules without ``model``::

    [[strong]]                      # how a capable model answers
    match = "(?s)## Task.*median"
    reply = '''...'''

    [[weak]]                        # how a cheap model answers: first a refused block, then a fix
    match = "..."
    times = 1
    reply = '''...'''

    [[shared]]                      # optional: rules every behaviour falls back to, after its own
    reply = "..."

For a run, each tier's replay model (``replay-<tier>``) gets a copy of the rules of the behaviour the
configurations file maps that tier to (default: frontier and mid are ``strong``, light and local ``weak``),
followed by the ``shared`` rules. Each run starts its own replay server, so the rules' ``times`` counters
belong to that run alone. The outcome of a run then follows from which tier answered which request, through
the real loop — not from a table of results.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tierwise.bench.configs import ScriptedSettings, replay_model

SHARED = "shared"
SCRIPTED_KEY_ENV = "TIERWISE_BENCH_REPLAY_KEY"
"""The environment variable the scripted tiers read their (dummy) key from; set only in the gateway's env."""


class ScriptedError(ValueError):
    """A task's replay.toml is missing or invalid for scripted mode."""


def load_behaviours(file: Path) -> dict[str, list[dict[str, Any]]]:
    """Read a task's ``replay.toml``: behaviour name -> list of rule tables."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScriptedError(f"{file}: missing; --scripted needs a replay.toml beside each task") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ScriptedError(f"{file}: not valid TOML ({err})") from None
    behaviours: dict[str, list[dict[str, Any]]] = {}
    for name, rules in data.items():
        if not isinstance(rules, list) or not all(isinstance(rule, Mapping) for rule in rules):
            raise ScriptedError(f"{file}: {name!r} must be an array of rule tables ([[{name}]])")
        for index, rule in enumerate(rules):
            if "model" in rule:
                raise ScriptedError(
                    f"{file}: {name}[{index}] sets 'model'; behaviours are mapped to models by the "
                    "configurations file's [scripted] behaviours, so leave it out"
                )
        behaviours[name] = [dict(rule) for rule in rules]
    return behaviours


def compose_script(
    behaviours: Mapping[str, Sequence[Mapping[str, Any]]],
    tiers: Sequence[str],
    settings: ScriptedSettings,
    *,
    origin: str = "replay.toml",
) -> dict[str, Any]:
    """The replay server's script for one run: each tier's model answers from its behaviour's rules."""
    rules: list[dict[str, Any]] = []
    shared = list(behaviours.get(SHARED, ()))
    for tier in tiers:
        behaviour = settings.behaviour(tier)
        own = behaviours.get(behaviour)
        if own is None:
            known = ", ".join(sorted(name for name in behaviours if name != SHARED)) or "none"
            raise ScriptedError(
                f"{origin}: tier {tier!r} answers as behaviour {behaviour!r}, which this task does not define "
                f"(it defines: {known})"
            )
        model = replay_model(tier)
        for rule in [*own, *shared]:
            rules.append({**rule, "model": model})
    return {"rules": rules}


def validate_behaviours(file: Path, settings: ScriptedSettings, tiers: Sequence[str]) -> None:
    """Fail early (before any run) when a task's script is unusable: bad TOML, keys or regexes."""
    from tierwise.replay.script import ScriptError, script_from_data

    script = compose_script(load_behaviours(file), tiers, settings, origin=str(file))
    try:
        script_from_data(script, origin=str(file))
    except ScriptError as err:
        raise ScriptedError(str(err)) from None

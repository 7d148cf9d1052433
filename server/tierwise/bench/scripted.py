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
    phase = "review"
    reply = "..."

Besides the replay server's rule keys, a rule may say ``phase`` (plan, refine, implement, fix, review,
summarize, quickfix, commit_message: which of tierwise's prompts it answers), ``file`` (for implement: the
file being implemented; elsewhere: a path the prompt mentions), ``name`` and ``reply_from`` (reuse the reply
of the rule with that name, e.g. a refine pass that returns the plan unchanged). ``phase`` and ``file``
become regexes over the prompt (``PHASE_MARKERS``), so the scripts do not depend on prompt wording.

For a run, each tier's replay model (``replay-<tier>``) gets a copy of the rules of the behaviour the
configurations file maps that tier to (default: frontier and mid are ``strong``, light and local ``weak``),
followed by the ``shared`` rules. Each run starts its own replay server, so the rules' ``times`` counters
belong to that run alone. The outcome of a run then follows from which tier answered which request, through
the real loop — not from a table of results.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tierwise.bench.configs import ScriptedSettings, replay_model
from tierwise.bench.tomlio import read_toml

SHARED = "shared"
SCRIPTED_KEY_ENV = "TIERWISE_BENCH_REPLAY_KEY"
"""The environment variable the scripted tiers read their (dummy) key from; set only in the gateway's env."""


PHASE_MARKERS: dict[str, str] = {
    "plan": r"Write PLAN\.md for this task now",
    "refine": r"Return the revised PLAN\.md",
    "implement": r"Your file: `",
    "fix": r"Fix round \d+ \(tier: ",
    "review": r"Write REVIEW\.md",
    "summarize": r"You shrink test and lint output",
    "quickfix": r"Problem \([a-z]+, from ",
    "commit_message": r"You write git commit messages",
    "explore": r"Answer with the JSON object now",
}
"""How each phase's prompt (prompts/<action>.md) is recognised in a request."""

IMPLEMENT_FILE_MARKER = "Your file: `{path}`"
_BENCH_KEYS = ("phase", "file", "name", "reply_from")
_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


class ScriptedError(ValueError):
    """A task's replay.toml is missing or invalid for scripted mode."""


def load_behaviours(file: Path) -> dict[str, list[dict[str, Any]]]:
    """Read a task's ``replay.toml``: behaviour name -> list of rule tables."""
    data = read_toml(file, ScriptedError, missing="missing; --scripted needs a replay.toml beside each task")
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
    named = _named_replies(behaviours, origin)
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
            rules.append({**to_replay_rule(rule, named, origin=origin), "model": model})
    return {"rules": rules}


def _named_replies(behaviours: Mapping[str, Sequence[Mapping[str, Any]]], origin: str) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for rules in behaviours.values():
        for rule in rules:
            name = rule.get("name")
            if name is None:
                continue
            if name in named:
                raise ScriptedError(f"{origin}: two rules are named {name!r}")
            named[name] = rule.get("reply")
    return named


def rule_regex(phase: str | None, file: str | None, match: str | None) -> str | None:
    """One regex requiring the phase's marker, the file and the rule's own ``match``, in any order."""
    parts: list[str] = []
    flags = {"s"}
    if phase is not None:
        parts.append(PHASE_MARKERS[phase])
    if file is not None:
        marker = IMPLEMENT_FILE_MARKER if phase == "implement" else "{path}"
        parts.append(marker.format(path=re.escape(file)))
    if match is not None:
        found = _GLOBAL_FLAGS.match(match)
        if found:
            flags.update(found.group(1))
            match = match[found.end():]
        parts.append(match)
    if not parts:
        return None
    return f"(?{''.join(sorted(flags))})^" + "".join(f"(?=.*?(?:{part}))" for part in parts)


def to_replay_rule(rule: Mapping[str, Any], named: Mapping[str, Any], *, origin: str) -> dict[str, Any]:
    """A bench rule as a replay-server rule: ``phase``/``file``/``match`` folded into one ``match``."""
    phase = rule.get("phase")
    if phase is not None and phase not in PHASE_MARKERS:
        raise ScriptedError(f"{origin}: unknown phase {phase!r}; known: {', '.join(PHASE_MARKERS)}")
    out = {key: value for key, value in rule.items() if key not in _BENCH_KEYS}
    source = rule.get("reply_from")
    if source is not None:
        if source not in named or named[source] is None:
            raise ScriptedError(f"{origin}: reply_from names {source!r}, which is no named rule with a reply")
        out["reply"] = named[source]
    regex = rule_regex(phase, rule.get("file"), rule.get("match"))
    if regex is not None:
        out["match"] = regex
    return out


def validate_behaviours(file: Path, settings: ScriptedSettings, tiers: Sequence[str]) -> None:
    """Fail early (before any run) when a task's script is unusable: bad TOML, keys or regexes."""
    from tierwise.replay.script import ScriptError, script_from_data

    script = compose_script(load_behaviours(file), tiers, settings, origin=str(file))
    try:
        script_from_data(script, origin=str(file))
    except ScriptError as err:
        raise ScriptedError(str(err)) from None

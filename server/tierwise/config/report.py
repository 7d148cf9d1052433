"""What `tierwise config show` reports: every resolved key with its source, secrets masked.

Keys are never stored in the configuration — only the names of the variables holding them — so the report
shows those names and whether each is set. Any other value that looks like a key (pasted into ``api_base``,
say) is masked as ``sk-…abcd``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from tierwise.config.defaults import COMPATIBLE_SERVER_VARS, PROVIDER_KEY_VARS
from tierwise.config.keys import KNOWN_ACTIONS
from tierwise.config.layers import nearest_ancestor
from tierwise.config.loader import DEFAULT_LABEL, Resolution
from tierwise.config.model import Config
from tierwise.config.secrets import mask_secrets_in_text, secret_values


def key_variable_names(config: Config) -> list[str]:
    """Every variable the configuration reads a key from, provider variables first."""
    names = list(PROVIDER_KEY_VARS)
    for tier in config.tiers.values():
        for deployment in tier.deployments():
            if deployment.api_key_env and deployment.api_key_env not in names:
                names.append(deployment.api_key_env)
    return names


def mask_value(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` (nested JSON data) with every string's secrets masked."""
    if isinstance(value, str):
        return mask_secrets_in_text(value, secrets)
    if isinstance(value, list):
        return [mask_value(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: mask_value(item, secrets) for key, item in value.items()}
    return value


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) for every leaf; lists of tables are indexed, other lists are leaves."""
    if isinstance(value, dict) and value:
        rows: list[tuple[str, Any]] = []
        for key, child in value.items():
            rows.extend(flatten(child, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        rows = []
        for index, item in enumerate(value):
            rows.extend(flatten(item, f"{prefix}[{index}]"))
        return rows
    return [(prefix, value)]


def source_for(key: str, sources: Mapping[str, str]) -> str:
    return nearest_ancestor(sources, key) or DEFAULT_LABEL


def key_variables(config: Config, env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Per key variable: whether it is set (never its value) and which tiers use it."""
    out: dict[str, dict[str, Any]] = {}
    for name in key_variable_names(config):
        users = sorted(
            tier_name
            for tier_name, tier in config.tiers.items()
            if any(d.api_key_env == name for d in tier.deployments())
        )
        out[name] = {"set": bool(env.get(name, "").strip()), "used_by": users}
    return out


def _ordered_dump(config: Config) -> dict[str, Any]:
    """``config`` as JSON data, tiers strongest first and routes in the loop's order."""
    dumped = config.model_dump(mode="json")
    tiers = dumped["tiers"]
    dumped["tiers"] = {name: tiers[name] for name in config.tier_order if name in tiers} | tiers
    routes = dumped["routes"]
    dumped["routes"] = {action: routes[action] for action in KNOWN_ACTIONS if action in routes} | routes
    return dumped


def show_report(resolution: Resolution, env: Mapping[str, str]) -> dict[str, Any]:
    """The JSON-ready report behind `tierwise config show`."""
    config = resolution.config
    secrets = secret_values(env, key_variable_names(config))
    dumped = mask_value(_ordered_dump(config), secrets)
    rows = [
        {"key": key, "value": value, "source": source_for(key, resolution.sources)} for key, value in flatten(dumped)
    ]
    return {
        "workspace": str(resolution.root),
        "files": [
            {"label": f.label, "path": str(f.path) if f.path else None, "status": f.status, "note": f.note}
            for f in resolution.files
        ],
        "provider_defaults": resolution.provider.chosen,
        "compatible_server_vars": {name: bool(env.get(name, "").strip()) for name in COMPATIBLE_SERVER_VARS},
        "notes": [mask_secrets_in_text(note, secrets) for note in resolution.notes],
        "key_variables": key_variables(config, env),
        "config": dumped,
        "sources": dict(resolution.sources),
        "rows": rows,
    }


def format_value(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def render_show(report: dict[str, Any]) -> str:
    """Plain-text rendering of ``show_report`` (aligned columns, no colour)."""
    lines = [f"workspace: {report['workspace']}"]
    for file in report["files"]:
        detail = f" — {file['note']}" if file.get("note") else ""
        lines.append(f"file: {file['label']} ({file['status']}){detail}")
    chosen = report["provider_defaults"]
    lines.append(f"provider defaults: {'from ' + chosen if chosen else 'none (no provider variable set)'}")
    for note in report["notes"]:
        lines.append(f"note: {note}")
    lines.append("")
    variables = report["key_variables"]
    rows = []
    for row in report["rows"]:
        shown = format_value(row["value"])
        if row["key"].endswith("api_key_env") and isinstance(row["value"], str):
            state = variables.get(row["value"], {}).get("set")
            shown = f"{shown} ({'set' if state else 'not set'})"
        rows.append((row["key"], shown, row["source"]))
    width_key = max((len(r[0]) for r in rows), default=3)
    width_value = min(max((len(r[1]) for r in rows), default=5), 48)
    lines.append(f"{'key':<{width_key}}  {'value':<{width_value}}  source")
    for key, shown, source in rows:
        lines.append(f"{key:<{width_key}}  {shown:<{width_value}}  {source}")
    lines.append("")
    lines.append("key variables (values never shown):")
    for name, info in variables.items():
        users = f" — used by {', '.join(info['used_by'])}" if info["used_by"] else ""
        lines.append(f"  {name}: {'set' if info['set'] else 'not set'}{users}")
    return "\n".join(lines)

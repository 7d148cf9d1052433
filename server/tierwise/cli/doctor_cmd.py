"""`tierwise doctor` and `tierwise routes`: which tiers are usable, which keys were found, where actions run.

Never imports litellm: usability and routes come from ``tierwise.gateway.routing`` and prices from
``tierwise.gateway.pricing``, which reads the pinned price map as JSON. Key values are shown masked only.

Exit codes: 0 every route resolves; 1 some action has no usable tier; 2 configuration error, or no usable
tier at all (the message names the variables to set).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from tierwise.cli.config_cmd import EXIT_CONFIG, resolve_or_exit, workspace_option
from tierwise.config.defaults import COMPATIBLE_SERVER_VARS, PROVIDER_KEY_VARS
from tierwise.config.loader import Resolution
from tierwise.config.model import Config
from tierwise.config.report import key_variable_names, mask_value
from tierwise.config.secrets import mask, secret_values

NOTHING_CONFIGURED = (
    "No model tier is usable: no model is configured, or the variables holding its keys are not set.\n"
    "Set one of " + ", ".join(PROVIDER_KEY_VARS) + " (tierwise then picks that provider's models), "
    "or OPENAI_BASE_URL and OPENAI_MODEL for a local OpenAI-compatible server (Ollama, llama.cpp, vLLM), "
    "or configure [tiers.*] in .tierwise.toml. See docs/configuration.md."
)


def _price_info(deployment: Any) -> dict[str, Any] | None:
    from tierwise.gateway.pricing import price_for, price_source

    price = price_for(deployment)
    if price is None:
        return None
    return {
        "input_per_mtok": price.input_per_mtok,
        "output_per_mtok": price.output_per_mtok,
        "source": price_source(deployment),
    }


def _tiers_report(config: Config, env: Mapping[str, str]) -> dict[str, Any]:
    from tierwise.gateway.pricing import context_window_for
    from tierwise.gateway.routing import tier_status

    out: dict[str, Any] = {}
    for name, status in tier_status(config, env).items():
        tier = config.tiers[name]
        deployments = []
        for deployment, dstatus in zip(tier.deployments(), status.deployments, strict=False):
            deployments.append(
                {
                    "model": deployment.model,
                    "usable": dstatus.usable,
                    "reason": dstatus.reason,
                    "api_base": deployment.api_base,
                    "api_key_env": deployment.api_key_env,
                    "price_per_mtok": _price_info(deployment),
                    "context_window": context_window_for(deployment),
                }
            )
        out[name] = {
            "usable": status.usable,
            "model": status.model,
            "local": status.local,
            "reason": status.reason,
            "deployments": deployments,
        }
    return out


def _routes_report(config: Config, env: Mapping[str, str]) -> list[dict[str, Any]]:
    from tierwise.gateway.routing import resolve_routes

    return [
        {
            "action": route.action,
            "ladder": route.ladder,
            "effective": route.effective,
            "escalate_after": route.escalate_after,
            "usable": route.usable,
            "rungs": [rung.model_dump() for rung in route.rungs],
        }
        for route in resolve_routes(config, env)
    ]


def _keys_report(config: Config, env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in key_variable_names(config):
        value = env.get(name, "").strip()
        out[name] = {"set": bool(value), "masked": mask(value) if value else None}
    return out


def _health_report(root: Path) -> list[dict[str, Any]]:
    """Deployments cooling down now, or that failed recently or ignored max_tokens (.tierwise/deployments.json)."""
    import time

    from tierwise.gateway.health import read_records

    now = time.time()
    out = []
    for record in read_records(root).values():
        cooling = record.cooldown_until is not None and record.cooldown_until > now
        out.append(
            {
                "tier": record.tier,
                "model": record.model,
                "api_base": record.api_base,
                "cooling_down": cooling,
                "cooldown_remaining_s": round(record.cooldown_until - now, 1) if cooling else 0.0,  # type: ignore[operator]
                "cooldown_reason": record.cooldown_reason,
                "cooldowns": record.cooldowns,
                "recent_failures": len(record.failures),
                "overruns": record.overruns,
                "last_overrun": record.last_overrun,
            }
        )
    return sorted(out, key=lambda item: (item["tier"], item["model"]))


def doctor_report(resolution: Resolution, env: Mapping[str, str]) -> dict[str, Any]:
    """The JSON-ready report behind `tierwise doctor` (secrets masked)."""
    config = resolution.config
    tiers = _tiers_report(config, env)
    routes = _routes_report(config, env)
    problems: list[str] = []
    if not any(t["usable"] for t in tiers.values()):
        problems.append(NOTHING_CONFIGURED)
    else:
        for route in routes:
            if not route["usable"] or any(r["tier"] is None for r in route["rungs"]):
                notes = "; ".join(r["note"] for r in route["rungs"] if r["note"])
                problems.append(f"action {route['action']!r} has no usable tier for part of its ladder: {notes}")
    report = {
        "workspace": str(resolution.root),
        "ok": not problems,
        "provider_defaults": resolution.provider.chosen,
        "compatible_server": {name: bool(env.get(name, "").strip()) for name in COMPATIBLE_SERVER_VARS},
        "files": [{"label": f.label, "status": f.status} for f in resolution.files],
        "keys": _keys_report(config, env),
        "tiers": tiers,
        "routes": routes,
        "deployment_health": _health_report(Path(resolution.root)),
        "problems": problems,
        "notes": list(resolution.notes),
        "commands": _commands(config, resolution.root),
    }
    masked = mask_value(report, secret_values(env, key_variable_names(config)))
    assert isinstance(masked, dict)
    return masked


def _commands(config: Config, root: Path) -> dict[str, Any]:
    from tierwise.runner.summary import commands_summary

    return commands_summary(config, Path(root))


def _fmt_price(price: dict[str, Any] | None) -> str:
    if price is None:
        return "price unknown"
    return f"${price['input_per_mtok']:g} in / ${price['output_per_mtok']:g} out per Mtok ({price['source']})"


def render_doctor(report: dict[str, Any]) -> str:
    lines = [f"workspace: {report['workspace']}"]
    chosen = report["provider_defaults"]
    lines.append(f"provider defaults: {'from ' + chosen if chosen else 'none'}")
    lines.append("")
    lines.append("keys:")
    for name, info in report["keys"].items():
        lines.append(f"  {name}: {info['masked'] + ' (set)' if info['set'] else 'not set'}")
    lines.append("")
    lines.append("tiers (strongest first):")
    for name, tier in report["tiers"].items():
        mark = "ok " if tier["usable"] else "-- "
        model = tier["model"] or "(no model)"
        local = " [local]" if tier["local"] else ""
        lines.append(f"  {mark}{name:<10} {model}{local} — {tier['reason']}")
        for index, deployment in enumerate(tier["deployments"]):
            role = "primary " if index == 0 else "fallback"
            lines.append(f"       {role} {deployment['model']}: {_fmt_price(deployment['price_per_mtok'])}")
    lines.append("")
    lines.extend(render_routes(report["routes"]))
    lines.extend(render_health(report.get("deployment_health") or []))
    from tierwise.runner.summary import render_commands

    lines.append("")
    lines.extend(render_commands(report["commands"]))
    for note in report["notes"]:
        lines.append(f"note: {note}")
    for problem in report["problems"]:
        lines.append(f"problem: {problem}")
    return "\n".join(lines)


def render_health(health: list[dict[str, Any]]) -> list[str]:
    """Cooldowns (gateway.allowed_fails / cooldown_time_s) and providers that ignored max_tokens."""
    if not health:
        return []
    lines = ["", "deployment health (.tierwise/deployments.json):"]
    for item in health:
        where = f"{item['model']} ({item['api_base']})" if item["api_base"] else item["model"]
        head = f"  {item['tier'] or '?':<10} {where}:"
        if item["cooling_down"]:
            lines.append(f"{head} cooling down, {item['cooldown_remaining_s']:.0f} s left — {item['cooldown_reason']}")
        elif item["cooldowns"]:
            lines.append(f"{head} cooled down {item['cooldowns']} time(s) recently — {item['cooldown_reason']}")
        elif item["recent_failures"]:
            lines.append(f"{head} {item['recent_failures']} failure(s) in the last minute")
        if item["overruns"]:
            lines.append(
                f"{head} ignored max_tokens {item['overruns']} time(s); the stream was cut — {item['last_overrun']}"
            )
    return lines


def render_routes(routes: list[dict[str, Any]]) -> list[str]:
    lines = ["routes (action → ladder → effective tier: model):"]
    width = max((len(r["action"]) for r in routes), default=6)
    for route in routes:
        ladder = " → ".join(route["ladder"])
        rungs = ", ".join(
            f"{rung['tier']}: {rung['model']}" if rung["tier"] else f"{rung['requested']}: unusable"
            for rung in route["rungs"]
        )
        lines.append(f"  {route['action']:<{width}}  {ladder:<24}  {rungs}")
        for rung in route["rungs"]:
            if rung["note"]:
                lines.append(f"  {'':<{width}}  note: {rung['note']}")
    return lines


def _exit_code(report: dict[str, Any]) -> int:
    if not any(t["usable"] for t in report["tiers"].values()):
        return EXIT_CONFIG
    return 0 if report["ok"] else 1


@click.command("doctor")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def doctor_command(workspace: Path, as_json: bool) -> None:
    """Check the set-up: usable tiers, keys found (masked), routes, prices per million tokens."""
    env = dict(os.environ)
    report = doctor_report(resolve_or_exit(workspace), env)
    code = _exit_code(report)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif code != EXIT_CONFIG:
        click.echo(render_doctor(report))
    if code == EXIT_CONFIG:
        click.echo(NOTHING_CONFIGURED, err=True)
    raise SystemExit(code)


@click.command("routes")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def routes_command(workspace: Path, as_json: bool) -> None:
    """What each action routes to: action → tier ladder → effective tier and model."""
    env = dict(os.environ)
    resolution = resolve_or_exit(workspace)
    routes = _routes_report(resolution.config, env)
    masked = mask_value(routes, secret_values(env, key_variable_names(resolution.config)))
    click.echo(json.dumps(masked, indent=2, ensure_ascii=False) if as_json else "\n".join(render_routes(masked)))

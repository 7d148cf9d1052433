"""Options shared by every subcommand: ``tierwise --set KEY=VALUE …`` configuration flags."""

from __future__ import annotations

from typing import Any

import click


def parse_set_flags(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``("budget.per_task_usd=2", "routes.fix=light,mid")`` → overrides for ``load_config``.

    Raises ``click.BadParameter`` (exit 2) for a pair without ``=``; values are read like ``TIERWISE_*``
    variables, and unknown keys or bad values are reported by the loader with the flag named."""
    from tierwise.config.envvars import parse_setting

    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(
                f"{pair!r} is not KEY=VALUE (for example budget.per_task_usd=2)", param_hint="--set"
            )
        overrides[key] = parse_setting(key, raw)
    return overrides


def cli_overrides() -> dict[str, Any]:
    """The configuration flags given to the ``tierwise`` group, for the running subcommand."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    obj = root.obj if root is not None and isinstance(root.obj, dict) else {}
    return dict(obj.get("overrides", {}))

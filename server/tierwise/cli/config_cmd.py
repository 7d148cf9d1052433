"""`tierwise config show` and `tierwise config schema`. Light: no litellm, no network."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from tierwise.cli.options import cli_overrides
from tierwise.config.loader import ConfigError, Resolution, resolve_config

EXIT_CONFIG = 2

workspace_option = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Workspace root (where .tierwise.toml or pyproject.toml lives).",
)


def resolve_or_exit(workspace: Path) -> Resolution:
    """Resolve the configuration for ``workspace``; on a ConfigError print it to stderr and exit 2."""
    if not workspace.is_dir():
        click.echo(f"tierwise: workspace {str(workspace)!r} is not a directory", err=True)
        raise SystemExit(EXIT_CONFIG)
    try:
        return resolve_config(workspace, env=os.environ, overrides=cli_overrides())
    except ConfigError as err:
        click.echo(str(err), err=True)
        raise SystemExit(EXIT_CONFIG) from None


@click.group("config")
def config_group() -> None:
    """Show the resolved configuration, or its JSON Schema."""


@config_group.command("show")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def show_command(workspace: Path, as_json: bool) -> None:
    """Every resolved key, its value and where it came from (flag, env, file, provider default, default).

    Keys are never printed: only the names of the variables that hold them, and whether each is set."""
    from tierwise.config.report import render_show, show_report

    report = show_report(resolve_or_exit(workspace), os.environ)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_show(report))


@config_group.command("schema")
def schema_command() -> None:
    """Print the JSON Schema (draft 2020-12) of .tierwise.toml / [tool.tierwise]."""
    from tierwise.config.schema import config_json_schema

    click.echo(json.dumps(config_json_schema(), indent=2, ensure_ascii=False))

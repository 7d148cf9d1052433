"""The ``tierwise`` command: a click group whose subcommands are imported only when used.

Lazy loading keeps ``tierwise --version`` and ``tierwise serve`` start-up free of heavy imports; each
subcommand module owns its options. Exit codes: 0 ok, 1 work left undone (refused edits, failing tests),
2 usage or configuration error, 3 stopped by budget, 4 cancelled.
"""

from __future__ import annotations

import importlib
import os

import click

from tierwise import __version__

# Must be set before anything imports litellm: otherwise it fetches its price map from the network at import.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, attribute)
    "config": ("tierwise.cli.config_cmd", "config_group"),
    "doctor": ("tierwise.cli.doctor_cmd", "doctor_command"),
    "routes": ("tierwise.cli.doctor_cmd", "routes_command"),
    "cost": ("tierwise.cli.cost_cmd", "cost_command"),
    "replay-server": ("tierwise.cli.replay_cmd", "replay_server_command"),
    "apply": ("tierwise.cli.apply_cmd", "apply_command"),
    "run": ("tierwise.cli.loop_cmd", "run_command"),
    "plan": ("tierwise.cli.loop_cmd", "plan_command"),
    "refine": ("tierwise.cli.loop_cmd", "refine_command"),
    "implement": ("tierwise.cli.loop_cmd", "implement_command"),
    "fix": ("tierwise.cli.loop_cmd", "fix_command"),
    "review": ("tierwise.cli.loop_cmd", "review_command"),
    "undo": ("tierwise.cli.loop_cmd", "undo_command"),
    "demo": ("tierwise.cli.demo_cmd", "demo_command"),
    "serve": ("tierwise.cli.serve_cmd", "serve_command"),
    "acp": ("tierwise.cli.acp_cmd", "acp_command"),
    "bench": ("tierwise.cli.bench_cmd", "bench_command"),
    "context": ("tierwise.cli.context_cmd", "context_command"),
}


class LazyGroup(click.Group):
    """Resolves subcommands from ``SUBCOMMANDS`` on demand; names whose module is absent are hidden."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in SUBCOMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name == module_name:
                return None
            raise
        command = getattr(module, attribute, None)
        return command if isinstance(command, click.Command) else None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="tierwise")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set a configuration key for this command, above every other source "
    "(e.g. --set budget.per_task_usd=1 --set routes.fix=light,mid). Repeatable.",
)
@click.pass_context
def cli(ctx: click.Context, settings: tuple[str, ...]) -> None:
    """tierwise: plan with a frontier model, implement with a mid tier, fix with a light one — in your editor."""
    ctx.obj = {"overrides": {}}
    if not settings:
        return  # keep start-up light: `tierwise serve` must not import pydantic before `initialize`
    from tierwise.cli.options import parse_set_flags
    from tierwise.config.errors import ConfigError

    try:
        ctx.obj["overrides"] = parse_set_flags(settings)
    except ConfigError as err:
        click.echo(str(err), err=True)
        ctx.exit(2)


def main() -> None:
    from tierwise.process_privacy import hide_environment

    hide_environment()  # code under test may not read the keys from /proc/<our pid>/environ
    cli(prog_name="tierwise")

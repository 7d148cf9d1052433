"""``tierwise acp``: the coding loop as an Agent Client Protocol agent over stdio (Zed, JetBrains, Neovim)."""

from __future__ import annotations

import logging
import sys

import click


@click.command("acp")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Write the agent's log here (default: stderr).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="warning",
              show_default=True)
def acp_command(log_file: str | None, log_level: str) -> None:
    """Run tierwise as an ACP agent on stdin/stdout (editors start this)."""
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, log_level.upper()), handlers=[handler], force=True)
    from tierwise.acp import serve_stdio

    serve_stdio()

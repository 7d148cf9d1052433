"""``tierwise serve``: the language server over stdio (default) or TCP (``--tcp HOST:PORT``, for debugging).

Only click and the LSP layer load here; the model stack loads after the editor's ``initialized``.
"""

from __future__ import annotations

import click


def _check_tcp(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter("expected HOST:PORT, e.g. 127.0.0.1:2087")
    return f"{host or '127.0.0.1'}:{port}"


@click.command("serve")
@click.option("--stdio", "stdio", is_flag=True, default=True, help="Talk LSP over stdin/stdout (default).")
@click.option("--tcp", metavar="HOST:PORT", callback=_check_tcp, help="Listen on TCP instead (debugging).")
@click.option(
    "--log-file", type=click.Path(dir_okay=False), help="Write the server's log here (default: stderr)."
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="warning",
    show_default=True,
)
def serve_command(stdio: bool, tcp: str | None, log_file: str | None, log_level: str) -> None:
    """Run the tierwise language server (editors start this)."""
    from tierwise.lsp.logsetup import claim_stdout, configure_logging

    configure_logging(log_level, log_file)
    frames = claim_stdout(log_file) if tcp is None else None  # stdio: stdout carries protocol frames only
    from tierwise.lsp.server import serve

    serve(tcp, stdout=frames)

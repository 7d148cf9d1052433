"""``tierwise replay-server``: run the scripted OpenAI-compatible model server until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

import click

from tierwise.replay.script import ScriptError, load_script


async def _serve(script_path: Path, port: int, log: Path | None) -> None:
    from tierwise.replay.server import ReplayServer

    server = ReplayServer(load_script(script_path), log_path=log, port=port)
    url = await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows: KeyboardInterrupt ends it there
            loop.add_signal_handler(signum, stop.set)
    click.echo(url)
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await server.stop()


@click.command("replay-server")
@click.option(
    "--script",
    "script_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Replay script (TOML, or JSON when the name ends in .json). See docs/replay.md.",
)
@click.option("--port", default=0, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--log", "log", type=click.Path(dir_okay=False, path_type=Path), help="Append each request as a JSON line.")
def replay_server_command(script_path: Path, port: int, log: Path | None) -> None:
    """Serve scripted model answers at http://127.0.0.1:PORT/v1 (the URL is printed on the first line)."""
    try:
        load_script(script_path)  # fail fast with a clear message, before binding a port
    except ScriptError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    try:
        asyncio.run(_serve(script_path, port, log))
    except OSError as err:
        click.echo(f"error: cannot serve on 127.0.0.1:{port}: {err.strerror or err}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        pass

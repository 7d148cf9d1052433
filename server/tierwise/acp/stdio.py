"""stdin/stdout for the ACP agent: stdout carries protocol frames and nothing else.

The real stdout is duplicated for the protocol, then file descriptor 1 and ``sys.stdout`` point at stderr,
so that a print, a library's log handler or a child process can never corrupt the stream. Lines that are
not JSON-RPC objects get a JSON-RPC error (the SDK would drop them silently, or stop on a non-object).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from asyncio.streams import FlowControlMixin
from typing import Any, BinaryIO

LINE_LIMIT = 50 * 1024 * 1024


class _Output(FlowControlMixin, asyncio.Protocol):
    """Write side with back-pressure (what ``asyncio.StreamWriter.drain`` needs)."""


def _error(code: int, message: str) -> bytes:
    return (json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}) + "\n").encode()


def screen_line(line: bytes) -> tuple[bytes | None, bytes | None]:
    """(line to pass on, error frame to answer with) for one input line (pure)."""
    text = line.strip()
    if not text:
        return None, None
    try:
        message: Any = json.loads(text)
    except ValueError as err:
        return None, _error(-32700, f"Parse error: not JSON ({err})")
    if not isinstance(message, dict):
        return None, _error(-32600, "Invalid Request: expected one JSON-RPC object per line")
    if "method" not in message and "id" not in message:
        return None, _error(-32600, "Invalid Request: neither a method nor an id")
    return text + b"\n", None


async def _screen(raw: asyncio.StreamReader, checked: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                line = await raw.readuntil(b"\n")
            except asyncio.IncompleteReadError as err:
                line = err.partial
                if not line:
                    break
            except asyncio.LimitOverrunError:
                writer.write(_error(-32600, f"Invalid Request: a message over {LINE_LIMIT} bytes"))
                while True:  # skip the rest of the oversized line
                    try:
                        await raw.readuntil(b"\n")
                        break
                    except asyncio.LimitOverrunError as over:
                        await raw.readexactly(over.consumed)
                continue
            passed, error = screen_line(line)
            if error is not None:
                writer.write(error)
            if passed is not None:
                checked.feed_data(passed)
    finally:
        checked.feed_eof()


async def _serve(protocol_out: BinaryIO) -> None:
    from acp import run_agent

    from tierwise.acp.agent import TierwiseAgent

    loop = asyncio.get_running_loop()
    raw = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(raw), sys.stdin)
    transport, output = await loop.connect_write_pipe(_Output, protocol_out)
    writer = asyncio.StreamWriter(transport, output, None, loop)
    checked = asyncio.StreamReader(limit=LINE_LIMIT)
    screen = asyncio.create_task(_screen(raw, checked, writer))
    try:
        await run_agent(TierwiseAgent(), writer, checked)
    finally:
        screen.cancel()


def run_stdio_agent() -> None:
    sys.stdout.flush()
    protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    asyncio.run(_serve(protocol_out))

"""``tierwise serve --tcp HOST:PORT`` answers LSP on a socket (for debugging)."""

from __future__ import annotations

import asyncio
import json
import socket
import sys

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _read_message(reader: asyncio.StreamReader) -> dict:
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(await reader.readexactly(length))


@pytest.mark.slow
async def test_serve_over_tcp(tmp_path):
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tierwise",
        "serve",
        "--tcp",
        f"127.0.0.1:{port}",
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        else:
            pytest.fail("the server did not listen")
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
            }
        ).encode()
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        answer = await asyncio.wait_for(_read_message(reader), timeout=30)
        assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "tierwise"
        assert "tierwise.plan" in answer["result"]["capabilities"]["executeCommandProvider"]["commands"]
        writer.close()
    finally:
        proc.kill()
        await proc.wait()


async def test_a_bad_tcp_address_is_a_usage_error():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tierwise", "serve", "--tcp", "localhost", stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    assert proc.returncode == 2 and b"expected HOST:PORT" in err

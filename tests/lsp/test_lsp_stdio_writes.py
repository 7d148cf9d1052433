"""Frames are written without blocking the event loop (``tierwise.lsp.stdio``; issue #12, no request waits).

With pygls's blocking stdio writer, a client that sends many requests before reading any answer deadlocks
with the server once both pipes are full: the server's loop blocks writing an answer, so it stops reading
requests, so the client blocks writing them. Here a client writes 24 large ``codeAction`` requests (each
answer echoes 200 diagnostics: ~1.5 MB of answers) without reading; every write must go through, and then
every answer arrives, in order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow]


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frame(stream: Any) -> dict[str, Any]:
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    assert length, "the server closed its output"
    return json.loads(stream.read(length))


def read_answer(stream: Any, ident: int) -> dict[str, Any]:
    while True:
        message = read_frame(stream)
        if message.get("id") == ident and "method" not in message:
            return message


def test_a_client_that_writes_before_reading_never_deadlocks_the_server(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    text = "".join(f"    value_{n} = compute(x, {n})\n" for n in range(400))
    (root / "big.py").write_text(text, encoding="utf-8")
    uri = (root / "big.py").as_uri()
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    proc = subprocess.Popen([sys.executable, "-m", "tierwise", "serve", "--log-level", "warning"], cwd=root,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": root.as_uri(), "capabilities": {},
            "initializationOptions": {"tierwise": {"lsp": {"warmUp": False}}}}}))
        proc.stdin.flush()
        assert "result" in read_answer(proc.stdout, 1)
        diagnostics = [{"range": {"start": {"line": n, "character": 4}, "end": {"line": n, "character": 12}},
                        "message": f"undefined name 'compute' ({n}) " + "x" * 200, "severity": 1,
                        "source": "pyflakes"} for n in range(200)]
        requests = [frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
                    frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                        "uri": uri, "languageId": "python", "version": 0, "text": text}}})]
        for ident in range(2, 26):
            requests.append(frame({"jsonrpc": "2.0", "id": ident, "method": "textDocument/codeAction", "params": {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 400, "character": 0}},
                "context": {"diagnostics": diagnostics}}}))
        sent = threading.Event()

        def send() -> None:
            for request in requests:
                proc.stdin.write(request)
                proc.stdin.flush()
            sent.set()

        threading.Thread(target=send, daemon=True).start()
        assert sent.wait(90), "the client could not write its requests: the server stopped reading (deadlock)"
        answers = [read_answer(proc.stdout, ident) for ident in range(2, 26)]
        assert all(len(a["result"]) >= 200 for a in answers)  # one quick fix per diagnostic, at least
    finally:
        proc.kill()
        proc.wait(timeout=30)

"""`tierwise serve --log-level debug` over stdio: nothing but protocol frames reaches stdout (issue #12, item 8).

A real client (pytest-lsp) drives a plan whose model call goes through litellm to the replay server, with
the server's stdout recorded on its way to the client; every byte of it must belong to a well-formed
``Content-Length`` frame holding JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import lsp_scripts as s
import pytest
from lsp_helpers import (
    SAMPLE_FILES,
    TEST_KEY,
    TEST_KEY_ENV,
    EditorState,
    capabilities,
    execute,
    make_repo,
    uri,
    write_config,
)
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, make_test_lsp_client

from tierwise.replay.fixtures import replay_tier_config
from tierwise.replay.server import run_in_thread

pytestmark = [pytest.mark.slow]

# Runs the server, passing stdin through and copying its stdout both to the client and to a file.
TEE = r"""
import subprocess, sys, threading
record, command = sys.argv[1], sys.argv[2:]
child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def pump_in():
    try:
        while chunk := sys.stdin.buffer.read1(65536):
            child.stdin.write(chunk); child.stdin.flush()
    except (BrokenPipeError, ValueError):
        pass
    finally:
        try: child.stdin.close()
        except OSError: pass
threading.Thread(target=pump_in, daemon=True).start()
with open(record, "wb") as out:
    while chunk := child.stdout.read1(65536):
        out.write(chunk); out.flush()
        sys.stdout.buffer.write(chunk); sys.stdout.buffer.flush()
import os
os._exit(child.wait())  # not sys.exit: the stdin thread may be blocked in a read
"""


def frames(stream: bytes) -> list[dict[str, Any]]:
    """Every message of an LSP byte stream; fails on any byte outside a well-formed frame."""
    messages = []
    pos = 0
    while pos < len(stream):
        end = stream.find(b"\r\n\r\n", pos)
        assert end != -1, f"bytes outside any frame at {pos}: {stream[pos:pos + 200]!r}"
        headers = dict(
            line.split(": ", 1) for line in stream[pos:end].decode("ascii", "replace").split("\r\n")
        )
        assert set(headers) <= {"Content-Length", "Content-Type"}, f"not a header at {pos}: {stream[pos:end][:200]!r}"
        length = int(headers["Content-Length"])
        body = stream[end + 4 : end + 4 + length]
        assert len(body) == length, "truncated frame"
        messages.append(json.loads(body))
        pos = end + 4 + length
    return messages


@pytest.mark.parametrize("log_to_file", [True, False], ids=["log-file", "stderr"])
async def test_debug_logging_never_reaches_the_protocol_stream(tmp_path: Path, log_to_file: bool) -> None:
    root = make_repo(tmp_path / "ws", SAMPLE_FILES)
    replay = run_in_thread(s.loop_script(), tmp_path / "replay.jsonl")
    record, log_file = tmp_path / "stdout.bin", tmp_path / "server.log"
    write_config(root, replay_tier_config(replay.url))
    serve = [sys.executable, "-m", "tierwise", "serve", "--log-level", "debug"]
    if log_to_file:
        serve += ["--log-file", str(log_file)]
    env = {
        TEST_KEY_ENV: TEST_KEY,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "DEBUG",  # litellm's own handler at its most talkative
        "PYTHONUNBUFFERED": "1",
    }
    config = ClientServerConfig(
        server_command=[sys.executable, "-c", TEE, str(record), *serve],
        client_factory=make_test_lsp_client,
        server_env={**os.environ, **env},
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    editor = EditorState(client, "utf-16")

    def on_status(params):  # type: ignore[no-untyped-def]
        editor.on_status(params)

    async def apply_edit(params):  # type: ignore[no-untyped-def]
        return await editor.apply_edit(params)

    client.feature("tierwise/status")(on_status)
    client.feature(types.WORKSPACE_APPLY_EDIT)(apply_edit)
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities("neovim"),
                root_uri=from_fs_path(str(root)),
                workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)) or "", name="ws")],
            )
        )
        await execute(client, "tierwise.status")
        calc = uri(root, "calc.py")
        answer = await execute(client, "tierwise.plan", {"task": "Fix add() in calc.py: it subtracts", "uris": [calc]})
        final = await editor.wait_status(str(answer["taskId"]), ("ready", "failed", "done"), timeout=120)
        assert final["state"] == "ready", final  # the model call went through litellm to the replay server
        assert replay.requests(), "no model call reached the replay server"
    finally:
        await client.shutdown_session()
        replay.stop()
    messages = frames(record.read_bytes())
    assert any(m.get("id") is not None and "result" in m for m in messages)
    if log_to_file:
        log = log_file.read_text(encoding="utf-8", errors="replace")
        assert " DEBUG " in log and "LiteLLM" in log, log[-2000:]


GUARDED = r"""
import os, subprocess, sys
from tierwise.lsp.logsetup import claim_stdout
frames = claim_stdout(sys.argv[1] if len(sys.argv) > 1 else None)
print("stray print")
sys.__stdout__.write("stray original stdout\n"); sys.__stdout__.flush()
subprocess.run(["sh", "-c", "echo stray child"], check=True)
frames.write(b"FRAME"); frames.flush()
"""


@pytest.mark.parametrize("to_file", [False, True], ids=["stderr", "log-file"])
def test_claimed_stdout_keeps_only_frames(tmp_path: Path, to_file: bool) -> None:
    import subprocess

    log = tmp_path / "server.log"
    args = [str(log)] if to_file else []
    done = subprocess.run([sys.executable, "-c", GUARDED, *args], capture_output=True, timeout=60, check=True)
    assert done.stdout == b"FRAME"
    elsewhere = log.read_text() if to_file else done.stderr.decode()
    assert all(f"stray {what}" in elsewhere for what in ("print", "original stdout", "child")), elsewhere

"""``tierwise acp`` with an independent client (the official TypeScript SDK on Node) and with bad input on
the raw stream: JSON-RPC errors with clear messages, never a crash, nothing but protocol frames on stdout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from acp_support import DEMO_TASK, agent_env, demo_rules, demo_workspace

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

TS_CLIENT = Path(__file__).parent / "ts_client"


def _node_client() -> Path:
    """The TypeScript client with its packages (``npm ci`` on first use); skipped without Node unless CI
    requires it (TIERWISE_REQUIRE_NODE=1)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("TIERWISE_REQUIRE_NODE"):
            pytest.fail("node and npm are required (TIERWISE_REQUIRE_NODE=1)")
        pytest.skip("node is not installed")
    if not (TS_CLIENT / "node_modules" / "@agentclientprotocol" / "sdk").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=TS_CLIENT, check=True, timeout=300,
                       capture_output=True)
    return TS_CLIENT / "client.mjs"


def test_typescript_sdk_client_runs_a_task(tmp_path: Path, replay_server, tier_config) -> None:
    script = _node_client()
    server = replay_server({"rules": demo_rules()})
    root = demo_workspace(tmp_path, server.url, tier_config)
    proc = subprocess.run(["node", str(script), sys.executable, str(root), DEMO_TASK], capture_output=True,
                          text=True, timeout=360, env=agent_env(tmp_path), check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["init"]["agentInfo"]["name"] == "tierwise"
    assert got["stopReason"] == "end_turn"
    assert got["permissions"] == ["Implement this plan?"]
    kinds = [u["sessionUpdate"] for u in got["updates"]]
    assert "plan" in kinds and "tool_call" in kinds and "agent_message_chunk" in kinds
    diffs = [c for u in got["updates"] if u["sessionUpdate"] == "tool_call" for c in u.get("content", [])
             if c.get("type") == "diff"]
    assert any(d["path"].endswith("textstats/stats.py") for d in diffs)
    text = "".join(u["content"]["text"] for u in got["updates"] if u["sessionUpdate"] == "agent_message_chunk")
    assert "pass" in text and "Cost: $" in text
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                           capture_output=True, text=True, timeout=120, check=False)
    assert tests.returncode == 0, tests.stdout[-2000:]


class RawAgent:
    """``tierwise acp`` on pipes, spoken to line by line."""

    def __init__(self, tmp_path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tierwise", "acp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=agent_env(tmp_path))
        self.lines: list[dict[str, Any]] = []

    def send(self, raw: str | dict[str, Any]) -> None:
        line = raw if isinstance(raw, str) else json.dumps(raw)
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def read(self, timeout: float = 60) -> dict[str, Any]:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            message = json.loads(line)  # every stdout line must be a protocol frame
            self.lines.append(message)
            return message
        raise AssertionError("no answer from the agent")

    def answer(self, request_id: int) -> dict[str, Any]:
        while True:
            message = self.read()
            if message.get("id") == request_id and "method" not in message:
                return message


def test_bad_input_gets_errors_and_the_agent_lives(tmp_path: Path, replay_server, tier_config) -> None:
    rules = demo_rules()
    for rule in rules:
        if "planning engineer" in rule["match"]:
            rule["hang_before_s"] = 30  # the first prompt stays busy while the second one arrives
    server = replay_server({"rules": rules})
    root = demo_workspace(tmp_path, server.url, tier_config)
    raw = RawAgent(tmp_path)
    try:
        raw.send("{this is not json")
        assert raw.read()["error"]["code"] == -32700
        raw.send("[1, 2, 3]")
        assert raw.read()["error"]["code"] == -32600
        raw.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": 1}})
        assert raw.answer(1)["result"]["agentInfo"]["name"] == "tierwise"
        raw.send({"jsonrpc": "2.0", "id": 2, "method": "no/such/method", "params": {}})
        assert raw.answer(2)["error"]["code"] == -32601
        raw.send({"jsonrpc": "2.0", "id": 3, "method": "session/prompt",
                  "params": {"sessionId": "tw-nope", "prompt": [{"type": "text", "text": "hi"}]}})
        unknown = raw.answer(3)["error"]
        assert unknown["code"] == -32602 and "unknown session" in unknown["data"]["message"]
        raw.send({"jsonrpc": "2.0", "id": 4, "method": "session/new", "params": {"cwd": "relative/dir",
                                                                                 "mcpServers": []}})
        assert "absolute" in raw.answer(4)["error"]["data"]["message"]
        raw.send({"jsonrpc": "2.0", "id": 5, "method": "session/new", "params": {"cwd": str(root), "mcpServers": []}})
        session_id = raw.answer(5)["result"]["sessionId"]
        prompt = {"sessionId": session_id, "prompt": [{"type": "text", "text": DEMO_TASK}]}
        raw.send({"jsonrpc": "2.0", "id": 6, "method": "session/prompt", "params": prompt})
        time.sleep(1.0)
        raw.send({"jsonrpc": "2.0", "id": 7, "method": "session/prompt", "params": prompt})
        busy = raw.answer(7)["error"]
        assert busy["code"] == -32600 and "already running" in busy["data"]["message"]
        raw.send({"jsonrpc": "2.0", "method": "session/cancel", "params": {"sessionId": session_id}})
        assert raw.answer(6)["result"]["stopReason"] == "cancelled"
        assert raw.proc.poll() is None, "the agent is still running"
    finally:
        raw.proc.kill()
        raw.proc.wait(timeout=30)
    assert all(m.get("jsonrpc") == "2.0" for m in raw.lines)

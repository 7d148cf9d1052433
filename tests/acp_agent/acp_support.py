"""A recording ACP client (the Python SDK's client side) that spawns ``tierwise acp`` on an example project."""

from __future__ import annotations

import asyncio
import os
import sys
import tomllib
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acp import PROTOCOL_VERSION, spawn_agent_process, text_block
from acp.schema import (
    AllowedOutcome,
    ClientCapabilities,
    DeniedOutcome,
    FileSystemCapabilities,
    ReadTextFileResponse,
    RequestPermissionResponse,
    WriteTextFileResponse,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from e2e_support import DEMO_TASK, PYTEST, project, script, toml_config  # noqa: E402

__all__ = ["DEMO_TASK", "RecordingClient", "agent", "demo_rules", "demo_workspace"]

PROVIDER_VARS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY", "OPENAI_BASE_URL",
                 "OPENAI_MODEL")


@dataclass
class RecordingClient:
    """Answers permission requests with ``allow``; serves fs requests from ``buffers`` (unsaved editor text)
    over the disk, and writes to both, as an editor saving its buffers would."""

    allow: bool = True
    buffers: dict[str, str] = field(default_factory=dict)
    updates: list[Any] = field(default_factory=list)
    permissions: list[Any] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)

    async def request_permission(self, session_id: str, tool_call: Any, options: list[Any], **_: Any):
        self.permissions.append(tool_call)
        if self.allow:
            return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id="allow"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id="reject"))

    async def session_update(self, session_id: str, update: Any, **_: Any) -> None:
        self.updates.append(update)

    async def read_text_file(self, session_id: str, path: str, **_: Any) -> ReadTextFileResponse:
        self.reads.append(path)
        text = self.buffers.get(path)
        return ReadTextFileResponse(content=text if text is not None else Path(path).read_text(encoding="utf-8"))

    async def write_text_file(self, session_id: str, path: str, content: str, **_: Any) -> WriteTextFileResponse:
        self.writes.append(path)
        self.buffers[path] = content
        Path(path).write_text(content, encoding="utf-8")
        return WriteTextFileResponse()

    def on_connect(self, conn: Any) -> None:
        self.conn = conn

    # -- reading what came --------------------------------------------------------------------------------
    def of_kind(self, kind: str) -> list[Any]:
        return [u for u in self.updates if getattr(u, "session_update", None) == kind]

    def message_text(self) -> str:
        return "".join(u.content.text for u in self.of_kind("agent_message_chunk"))

    def tool_calls(self, kind: str) -> list[Any]:
        return [u for u in self.of_kind("tool_call") if u.kind == kind]


def demo_rules(**changes: Any) -> list[dict[str, Any]]:
    return tomllib.loads(script("demo.replay.toml").read_text(encoding="utf-8"))["rules"]


def demo_workspace(tmp_path: Path, url: str, tier_config: Any, **overrides: Any) -> Path:
    root = project("demo-project", tmp_path)
    loop = {"test_command": PYTEST, "test_timeout_s": 120}
    routes = {"fix": {"tiers": ["light", "mid", "frontier"], "escalate_after": 1}}  # as the demo's story wants
    data = tier_config(url, loop=loop, gateway={"max_retries": 0, "timeout_s": 60}, routes=routes, **overrides)
    (root / ".tierwise.toml").write_text(toml_config(data), encoding="utf-8")
    with (root / ".git" / "info" / "exclude").open("a", encoding="utf-8") as handle:
        handle.write(".tierwise.toml\n")
    return root


def agent_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_VARS and not k.startswith("TIERWISE_")}
    env["TIERWISE_TEST_KEY"] = os.environ.get("TIERWISE_TEST_KEY", "")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


@asynccontextmanager
async def agent(client: RecordingClient, tmp_path: Path, *, fs: bool = True):
    """``tierwise acp`` in a subprocess, initialized; yields the client-side connection."""
    async with spawn_agent_process(client, sys.executable, "-m", "tierwise", "acp",
                                   env=agent_env(tmp_path)) as (conn, process):
        caps = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs))
        init = await asyncio.wait_for(conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=caps), 60)
        assert init.agent_info.name == "tierwise"
        yield conn


def prompt(text: str) -> list[Any]:
    return [text_block(text)]


_ = DeniedOutcome  # the other outcome a client may send; kept importable for tests

"""The ACP agent: protocol methods translated to sessions. No engine logic here."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from acp import PROTOCOL_VERSION, RequestError
from acp.helpers import update_agent_message_text, update_available_commands
from acp.schema import (
    AgentCapabilities,
    AuthenticateResponse,
    Implementation,
    InitializeResponse,
    LoadSessionResponse,
    NewSessionResponse,
    PromptCapabilities,
    PromptResponse,
    SetSessionModeResponse,
)

from tierwise import __version__
from tierwise.acp.session import AcpSession, SessionRecord, load_record, mode_state
from tierwise.acp.updates import available_commands

log = logging.getLogger(__name__)

ANNOUNCE_DELAY_S = 0.05
"""Session-scoped updates after session/new or session/load wait this long, so that they follow the response."""


class TierwiseAgent:
    def __init__(self) -> None:
        self.conn: Any = None
        self.sessions: dict[str, AcpSession] = {}
        self.can_read = False
        self.can_write = False

    def on_connect(self, conn: Any) -> None:
        self.conn = conn

    async def initialize(self, protocol_version: int, client_capabilities: Any = None, client_info: Any = None,
                         **_: Any) -> InitializeResponse:
        fs = getattr(client_capabilities, "fs", None)
        self.can_read = bool(getattr(fs, "read_text_file", False))
        self.can_write = bool(getattr(fs, "write_text_file", False))
        return InitializeResponse(
            protocol_version=min(protocol_version, PROTOCOL_VERSION),
            agent_capabilities=AgentCapabilities(
                load_session=True,
                prompt_capabilities=PromptCapabilities(embedded_context=True, image=False, audio=False),
            ),
            agent_info=Implementation(name="tierwise", title="tierwise", version=__version__),
            auth_methods=[],
        )

    async def authenticate(self, method_id: str, **_: Any) -> AuthenticateResponse:
        return AuthenticateResponse()  # keys stay in the environment and configuration

    async def new_session(self, cwd: str, mcp_servers: list[Any] | None = None, **_: Any) -> NewSessionResponse:
        root = _workspace(cwd)
        session = AcpSession.create(root, _config(root), self.conn, can_read=self.can_read, can_write=self.can_write)
        self.sessions[session.id] = session
        self._announce(session, ignored_mcp=len(mcp_servers or []))
        return NewSessionResponse(session_id=session.id, modes=mode_state(session.record.mode))

    async def load_session(self, cwd: str, session_id: str, mcp_servers: list[Any] | None = None,
                           **_: Any) -> LoadSessionResponse:
        root = _workspace(cwd)
        record = load_record(root, session_id)
        if record is None:
            raise RequestError.resource_not_found({"message": f"no tierwise session {session_id!r} in {root}"})
        running = self.sessions.get(session_id)
        if running is not None:
            await running.cancel()
        session = AcpSession(SessionRecord.model_validate(record.model_dump()), root, _config(root), self.conn,
                             can_read=self.can_read, can_write=self.can_write)
        self.sessions[session.id] = session
        session.replay()
        await session.sender.flush()  # the history is sent before the response, as the protocol asks
        self._announce(session, ignored_mcp=len(mcp_servers or []))
        return LoadSessionResponse(modes=mode_state(session.record.mode))

    async def set_session_mode(self, session_id: str, mode_id: str, **_: Any) -> SetSessionModeResponse:
        self._session(session_id).set_mode(mode_id)
        return SetSessionModeResponse()

    async def prompt(self, session_id: str, prompt: list[Any], **_: Any) -> PromptResponse:
        session = self._session(session_id)
        return PromptResponse(stop_reason=await session.prompt(prompt))  # type: ignore[arg-type]

    async def cancel(self, session_id: str, **_: Any) -> None:
        session = self.sessions.get(session_id)
        if session is None:
            log.info("session/cancel for unknown session %s ignored", session_id)
            return
        await session.cancel()

    # -- helpers ------------------------------------------------------------------------------------------
    def _session(self, session_id: str) -> AcpSession:
        session = self.sessions.get(session_id)
        if session is None:
            raise RequestError.invalid_params(
                {"message": f"unknown session {session_id!r}; create one with session/new or session/load"})
        return session

    def _announce(self, session: AcpSession, *, ignored_mcp: int) -> None:
        def post() -> None:
            session.sender.post(update_available_commands(available_commands()))
            if ignored_mcp:
                session.sender.post(update_agent_message_text(
                    f"note: tierwise does not use MCP servers; {ignored_mcp} ignored.\n\n"))

        asyncio.get_running_loop().call_later(ANNOUNCE_DELAY_S, post)


def _workspace(cwd: str) -> Path:
    path = Path(cwd)
    if not path.is_absolute():
        raise RequestError.invalid_params({"message": f"cwd must be an absolute path, got {cwd!r}"})
    if not path.is_dir():
        raise RequestError.invalid_params({"message": f"cwd {cwd!r} is not a folder"})
    return path.resolve()


def _config(root: Path) -> Any:
    from tierwise.config.loader import ConfigError, resolve_config

    try:
        return resolve_config(root).config
    except ConfigError as err:
        raise RequestError.invalid_params({"message": f"tierwise configuration: {err}"}) from None

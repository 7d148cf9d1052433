"""The replay model server: an OpenAI-compatible endpoint on 127.0.0.1 that answers from a script.

Use it in-process (``async with ReplayServer(script) as srv: srv.url``), from synchronous code
(``run_in_thread(script, log_path)``), or as ``tierwise replay-server --script FILE``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web

from tierwise.replay import wire
from tierwise.replay.caching import PromptCache, usage_body
from tierwise.replay.script import Rule, Script, coerce_script

ScriptSource = Script | Mapping[str, Any] | str | PathLike[str]
SHUTDOWN_GRACE_S = 1.0


class _State:
    """Rule use counters, the request log and the shutdown signal of one server."""

    def __init__(self, script: Script, log_path: Path | None) -> None:
        self.script = script
        self.uses = [0] * len(script.rules)
        self.records: list[dict[str, Any]] = []
        self.log_path = log_path
        self._log: TextIO | None = None
        self.closing = asyncio.Event()
        self.counter = 0
        self.cache = PromptCache(script.caching)

    def open(self) -> None:
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("a", encoding="utf-8")

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def choose(self, model: str, text: str) -> int | None:
        for index, rule in enumerate(self.script.rules):
            if rule.times and self.uses[index] >= rule.times:
                continue
            if rule.matches(model, text):
                self.uses[index] += 1
                return index
        return None

    def record(self, entry: dict[str, Any]) -> None:
        self.records.append(entry)
        if self._log is not None:
            self._log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._log.flush()

    async def sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the server shuts down."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), timeout=seconds)

    def next_id(self) -> str:
        self.counter += 1
        return f"chatcmpl-replay-{self.counter}"


STATE = web.AppKey("state", _State)


def _retry_after(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


async def _chat(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    try:
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("body is not a JSON object")
    except ValueError as err:
        return web.json_response(wire.error_body(400, f"invalid JSON body: {err}"), status=400)
    model = str(body.get("model", ""))
    raw_messages = body.get("messages")
    messages: list[dict[str, Any]] = raw_messages if isinstance(raw_messages, list) else []
    stream = bool(body.get("stream"))
    text = wire.prompt_text(messages)
    index = state.choose(model, text)
    rule = state.script.rules[index] if index is not None else None
    status = 404 if rule is None else (rule.status or 200)
    reply = (rule.reply or "") if rule is not None else ""
    if rule is not None and rule.ignore_max_tokens is not None:
        reply = reply * rule.ignore_max_tokens  # a provider that ignores max_tokens: a huge reply
    if rule is not None and rule.blank_lines:
        reply = wire.pad_blank_lines(reply)
    use = _usage(state, rule, model, messages, reply) if status == 200 else None
    state.record(
        {
            "time": round(time.time(), 6),
            "model": model,
            "messages": messages,
            "stream": stream,
            "rule": index,
            "status": status,
            "max_tokens": body.get("max_tokens"),
            "usage": use,
        }
    )
    if rule is None:
        last = wire.prompt_text(messages[-1:])[:200]
        message = f"replay: no rule matches model {model!r}; last message starts: {last!r}"
        return web.json_response(wire.error_body(404, message), status=404)
    await state.sleep(rule.hang_before_s)
    if rule.status is not None:
        headers = {"Retry-After": _retry_after(rule.retry_after)} if rule.retry_after is not None else None
        return web.json_response(
            wire.error_body(rule.status, rule.error), status=rule.status, headers=headers
        )
    assert use is not None
    if stream:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage")) and not rule.omit_usage
        return await _stream(request, state, rule, model, use, reply, include_usage)
    return await _whole(request, state, rule, model, use, reply)


def _usage(state: _State, rule: Rule | None, model: str, messages: list[dict[str, Any]], reply: str) -> dict[str, Any]:
    """The answer's usage in the provider's format, with the simulated prompt cache applied."""
    hit = state.cache.lookup(model, messages)
    reasoning = rule.reasoning_tokens if rule is not None else 0
    return usage_body(hit, wire.count_tokens(reply), reasoning)


async def _whole(
    request: web.Request, state: _State, rule: Rule, model: str, use: dict[str, Any], reply: str
) -> web.StreamResponse:
    if rule.hang_after_tokens is not None:
        await state.sleep(rule.hang_s)
    if rule.malformed_chunk:
        return web.Response(text='{"id": "broken', content_type="application/json")
    payload = json.dumps(wire.completion_body(state.next_id(), model, reply, use))
    if rule.cut_after_tokens is None:
        return web.Response(text=payload, content_type="application/json")
    response = web.StreamResponse(
        headers={"Content-Type": "application/json", "Content-Length": str(len(payload))}
    )
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        await response.write(payload[: len(payload) // 2].encode())
    _drop(request)
    return response


def _drop(request: web.Request) -> None:
    """Close the connection abruptly (no terminating chunk, no [DONE])."""
    transport = request.transport
    if transport is not None:
        transport.close()


async def _stream(
    request: web.Request,
    state: _State,
    rule: Rule,
    model: str,
    use: dict[str, Any],
    reply: str,
    include_usage: bool,
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    request_id = state.next_id()
    pieces = wire.split_stream(reply)
    malformed_at = min(1, len(pieces)) if rule.malformed_chunk else -1
    spacer = b"\n\n" if rule.blank_lines else b""
    try:
        await response.write(wire.sse(wire.chunk_body(request_id, model, role="assistant", content="")))
        for position in range(len(pieces) + 1):
            if rule.cut_after_tokens is not None and position == rule.cut_after_tokens:
                _drop(request)
                return response
            if rule.hang_after_tokens is not None and position == rule.hang_after_tokens:
                await state.sleep(rule.hang_s)
            if position == malformed_at:
                await response.write(b'data: {"id": "broken", "choices": [\n\n')
            if position == len(pieces):
                break
            await response.write(
                spacer + wire.sse(wire.chunk_body(request_id, model, content=pieces[position]))
            )
            await state.sleep(rule.token_delay_s)
        await response.write(wire.sse(wire.chunk_body(request_id, model, finish="stop")))
        if include_usage:
            await response.write(
                wire.sse(wire.chunk_body(request_id, model, use=use))
            )
        await response.write(spacer + wire.sse("[DONE]"))
        await response.write_eof()
    except (ConnectionError, RuntimeError):
        pass  # the client went away (cancelled or timed out): nothing more to send
    return response


async def _models(request: web.Request) -> web.Response:
    state = request.app[STATE]
    names = sorted({rule.model for rule in state.script.rules if rule.model})
    data = [{"id": name, "object": "model", "created": 0, "owned_by": "tierwise-replay"} for name in names]
    return web.json_response({"object": "list", "data": data})


async def _unknown(request: web.Request) -> web.Response:
    message = f"replay: no route {request.method} {request.path} (use /v1/chat/completions or /v1/models)"
    return web.json_response(wire.error_body(404, message), status=404)


def make_app(state: _State) -> web.Application:
    app = web.Application()
    app[STATE] = state
    app.router.add_post("/v1/chat/completions", _chat)
    app.router.add_post("/chat/completions", _chat)
    app.router.add_get("/v1/models", _models)
    app.router.add_route("*", "/{tail:.*}", _unknown)
    return app


class ReplayServer:
    """An in-process replay server. ``async with ReplayServer(script, log_path=...) as srv: srv.url``."""

    def __init__(
        self,
        script: ScriptSource,
        *,
        log_path: str | PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.script = coerce_script(script)
        self.log_path = Path(log_path) if log_path is not None else None
        self.host = host
        self.port = port
        self._state: _State | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the replay server is not running")
        return f"http://{self.host}:{self.port}/v1"

    def requests(self) -> list[dict[str, Any]]:
        """Every request received so far, as logged (oldest first)."""
        return list(self._state.records) if self._state is not None else []

    async def start(self) -> str:
        self._state = _State(self.script, self.log_path)
        self._state.open()
        runner = web.AppRunner(
            make_app(self._state),
            handler_cancellation=True,
            shutdown_timeout=SHUTDOWN_GRACE_S,
            access_log=None,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        sockets = getattr(site._server, "sockets", None) or []  # noqa: SLF001 - the only way to read port 0
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self.url

    async def stop(self) -> None:
        if self._state is not None:
            self._state.closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._state is not None:
            self._state.close()

    async def __aenter__(self) -> ReplayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class ThreadedReplayServer:
    """A replay server on its own event loop in a daemon thread, for synchronous callers."""

    def __init__(self, server: ReplayServer) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="tierwise-replay", daemon=True)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def log_path(self) -> Path | None:
        return self.server.log_path

    def requests(self) -> list[dict[str, Any]]:
        return self.server.requests()

    def start(self, timeout_s: float = 10.0) -> ThreadedReplayServer:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise RuntimeError("the replay server did not start in time")
        if self._error is not None:
            raise self._error
        return self

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            await self.server.start()
        except BaseException as err:  # noqa: BLE001 - handed to the starting thread
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self.server.stop()

    def stop(self, timeout_s: float = 10.0) -> None:
        if self._thread.is_alive() and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout_s)

    def __enter__(self) -> ThreadedReplayServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_in_thread(
    script: ScriptSource, log_path: str | PathLike[str] | None = None, *, port: int = 0
) -> ThreadedReplayServer:
    """Start a replay server in a background thread; returns a handle with ``url``, ``requests()``, ``stop()``."""
    return ThreadedReplayServer(ReplayServer(script, log_path=log_path, port=port)).start()

"""``WorkerBackend``: the gateway's provider work done by a model worker process (``tierwise.gateway.worker``).

One worker per language server, started in the background when the server starts (``start``); litellm is
never imported in the server's process. Calls from any event loop are multiplexed over the worker's pipes
(one JSON object per line) by three daemon threads that spend their time blocked in ``read``/``write``
(they hold the GIL only to decode or encode one line): a reader that hands each answer to the awaiting
loop (``call_soon_threadsafe``), a writer fed by a queue (a large prompt never blocks the event loop on a
full pipe) and a relay of the worker's stderr into this process's log (API keys sent so far masked).

Cancelling a call sends ``cancel`` (the worker closes that HTTP stream). When the worker dies, the calls in
flight fail as retryable attempts (``AttemptFailed("retry")``: the gateway's retries and fallbacks apply)
and the next call starts a new worker; the server itself never dies with it. Pricing and counting fall back
to the in-process estimates when the worker is gone (logged).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

from tierwise.config.model import Deployment
from tierwise.gateway.invoice import call_cost
from tierwise.gateway.provider import AttemptFailed, AttemptResult
from tierwise.gateway.secrets import mask
from tierwise.gateway.tokens import count_message_tokens
from tierwise.gateway.types import GatewayError, Message, TokenUsage

log = logging.getLogger("tierwise.gateway.worker")
TOKENS_TIMEOUT_S = 30.0


class WorkerGone(Exception):
    """The worker process ended while a call waited for it."""


class _Process:
    """One worker process (a generation): its pipes, threads and the calls waiting on it."""

    def __init__(self, argv: list[str], env: dict[str, str], keys: set[str]) -> None:
        self.popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      env=env, close_fds=True)
        self.pid = self.popen.pid
        self.ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self.pending: dict[int, Waiting] = {}
        self.dead = False
        self.fatal: str | None = None
        self._keys = keys
        self._outbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        for target, name in ((self._read, "reader"), (self._write, "writer"), (self._relay, "stderr")):
            threading.Thread(target=target, name=f"tierwise-model-worker-{name}", daemon=True).start()

    def send(self, message: dict[str, Any]) -> None:
        self._outbox.put(message)

    def stop(self) -> None:
        self._outbox.put(None)
        with contextlib.suppress(OSError):
            self.popen.terminate()

    def _write(self) -> None:
        stdin = self.popen.stdin
        assert stdin is not None
        while (message := self._outbox.get()) is not None:
            try:
                stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
                stdin.flush()
            except (OSError, ValueError):
                break  # the worker is gone: the reader sees its end and fails the calls
        with contextlib.suppress(OSError, ValueError):
            stdin.close()

    def _read(self) -> None:
        stdout = self.popen.stdout
        assert stdout is not None
        for line in stdout:
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("model worker: unreadable line dropped")
                continue
            if message.get("op") == "ready":
                self.ready.set_result(None)
            elif message.get("op") == "fatal":
                self.fatal = str(message.get("error") or "the model worker could not start")
            elif "id" in message:
                waiting = self.pending.pop(message["id"], None)
                if waiting is not None:
                    _settle(waiting, message)
        code = self.popen.wait()
        self.dead = True
        self._outbox.put(None)
        if not self.ready.done():
            self.ready.set_exception(GatewayError(self.fatal or f"the model worker exited (code {code}) while starting"))
        gone = WorkerGone(f"the model worker stopped (exit code {code}); a new one is started for the next call")
        for ident in list(self.pending):
            waiting = self.pending.pop(ident, None)
            if waiting is not None:
                _settle(waiting, gone)

    def _relay(self) -> None:
        stderr = self.popen.stderr
        assert stderr is not None
        for raw in stderr:
            line = mask(raw.decode("utf-8", "replace").rstrip(), self._keys)
            if line:
                level = logging.WARNING if line.startswith(("WARNING", "ERROR", "CRITICAL", "Traceback")) else logging.INFO
                log.log(level, "model worker %s: %s", self.pid, line)


Waiting = tuple[asyncio.AbstractEventLoop, asyncio.Future[dict[str, Any]]] | concurrent.futures.Future[dict[str, Any]]


def _settle(waiting: Waiting, value: Any) -> None:
    """Hand an answer (or the exception a dead worker leaves) to whoever waits: an event loop's future, or a
    thread blocked in ``count_texts``."""
    if isinstance(waiting, concurrent.futures.Future):
        if not waiting.done():
            if isinstance(value, BaseException):
                waiting.set_exception(value)
            else:
                waiting.set_result(value)
        return
    loop, future = waiting

    def settle() -> None:
        if future.done():
            return
        if isinstance(value, BaseException):
            future.set_exception(value)
        else:
            future.set_result(value)

    with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
        loop.call_soon_threadsafe(settle)


class WorkerBackend:
    """``ModelBackend`` over a model worker process (see the module docstring)."""

    def __init__(self, argv: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        self._argv = argv or [sys.executable, "-m", "tierwise.gateway.worker"]
        self._env = env
        self._lock = threading.Lock()
        self._proc: _Process | None = None
        self._ids = itertools.count(1)
        self._keys: set[str] = set()  # keys sent to the worker: masked out of what it logs
        self.started = 0  # processes started so far (1 + restarts)
        self._closed = False

    # -- process ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker unless one is running (spawning takes a few ms: call it off the event loop)."""
        self._ensure()

    def _ensure(self) -> _Process:
        with self._lock:
            if self._closed:
                raise GatewayError("the model worker was shut down")
            if self._proc is None or self._proc.dead:
                env = dict(os.environ if self._env is None else self._env)
                env.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
                env.setdefault("LITELLM_LOG", "CRITICAL")
                env["TIERWISE_WORKER_LOG_LEVEL"] = logging.getLevelName(logging.getLogger().getEffectiveLevel())
                self._proc = _Process(self._argv, env, self._keys)
                self.started += 1
                log.info("model worker started (pid %s)", self._proc.pid)
            return self._proc

    async def _live(self) -> _Process:
        proc = self._proc
        if proc is None or proc.dead:
            proc = await asyncio.to_thread(self._ensure)
        await asyncio.shield(asyncio.wrap_future(proc.ready))  # a cancelled caller leaves the start alone
        return proc

    async def ready(self) -> None:
        await self._live()

    def is_ready(self) -> bool:
        proc = self._proc
        return proc is not None and not proc.dead and proc.ready.done() and proc.ready.exception() is None

    def describe(self) -> dict[str, Any]:
        """For ``tierwise.status``: the worker's pid, state and how many times it was started."""
        proc = self._proc
        if proc is None:
            state = "not started"
        elif proc.dead:
            state = "stopped"
        else:
            state = "ready" if self.is_ready() else "starting"
        return {"pid": proc.pid if proc is not None else None, "state": state, "started": self.started}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            proc, self._proc = self._proc, None
        if proc is not None:
            proc.stop()

    # -- calls ----------------------------------------------------------------------------------------------
    async def _request(self, op: str, payload: dict[str, Any]) -> dict[str, Any]:
        proc = await self._live()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        ident = next(self._ids)
        proc.pending[ident] = (loop, future)
        if proc.dead:  # it ended between the check and the registration
            proc.pending.pop(ident, None)
            raise WorkerGone("the model worker stopped; a new one is started for the next call")
        proc.send({"id": ident, "op": op, **payload})
        try:
            return await future
        except asyncio.CancelledError:
            if not proc.dead:
                proc.send({"id": ident, "op": "cancel"})
            raise
        finally:
            proc.pending.pop(ident, None)

    async def attempt(self, deployment: Deployment, messages: Sequence[Message], **options: Any) -> AttemptResult:
        if options.get("api_key"):
            self._keys.add(str(options["api_key"]))
        payload = {
            "deployment": deployment.model_dump(mode="json"),
            "messages": [m.model_dump(mode="json") for m in messages],
            "options": options,
        }
        try:
            answer = await self._request("attempt", payload)
        except WorkerGone as gone:
            raise AttemptFailed("retry", str(gone)) from None
        if "failed" in answer:
            f = answer["failed"]
            raise AttemptFailed(f["kind"], f["message"], retry_after=f.get("retry_after"),
                                partial_text=f.get("partial_text") or "", status=f.get("status"),
                                partial_tokens=f.get("partial_tokens"))
        if "error" in answer:
            raise GatewayError(f"the model worker failed: {answer['error']}")
        ok = answer["ok"]
        return AttemptResult(text=ok["text"], prompt_tokens=ok.get("prompt_tokens"),
                             completion_tokens=ok.get("completion_tokens"), scripted=bool(ok.get("scripted")),
                             usage=ok.get("usage"))

    async def _ask(self, op: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A request that can be repeated (price, count): once more on a new worker if this one died."""
        try:
            return await self._request(op, payload)
        except WorkerGone:
            return await self._request(op, payload)

    def count_texts(self, texts: Sequence[str], timeout_s: float = TOKENS_TIMEOUT_S) -> list[int]:
        """cl100k counts of ``texts``, counted in the worker (a blocking call: for threads, never an event loop).

        The worker answers these from its start, before litellm is loaded. Raises ``WorkerGone`` when the
        worker is gone or does not answer within ``timeout_s`` (the caller counts in its own process)."""
        proc = self._ensure()
        future: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        ident = next(self._ids)
        proc.pending[ident] = future
        if proc.dead:
            proc.pending.pop(ident, None)
            raise WorkerGone("the model worker stopped")
        proc.send({"id": ident, "op": "tokens", "texts": list(texts)})
        try:
            answer = future.result(timeout=timeout_s)
        except concurrent.futures.TimeoutError:
            raise WorkerGone(f"the model worker did not count tokens within {timeout_s:.0f} s") from None
        finally:
            proc.pending.pop(ident, None)
        counts = answer.get("ok")
        if not isinstance(counts, list) or len(counts) != len(texts):
            raise WorkerGone(f"the model worker could not count tokens: {answer.get('error')}")
        return [int(n) for n in counts]

    async def price(self, items: Sequence[tuple[Deployment, TokenUsage]]) -> list[float]:
        payload = {"items": [[d.model_dump(mode="json"), u.model_dump(mode="json")] for d, u in items]}
        try:
            answer = await self._ask("price", payload)
            if "ok" in answer:
                return [float(cost) for cost in answer["ok"]]
            log.warning("model worker could not price a call: %s", answer.get("error"))
        except (WorkerGone, GatewayError) as err:
            log.warning("pricing with the pinned map's plain prices: %s", err)
        return [call_cost(deployment, usage) for deployment, usage in items]

    async def count_prompt_tokens(self, model: str, pairs: Sequence[tuple[str, str]]) -> int:
        try:
            answer = await self._ask("count", {"model": model, "pairs": [list(p) for p in pairs]})
            if isinstance(answer.get("ok"), int):
                return int(answer["ok"])
        except (WorkerGone, GatewayError) as err:
            log.warning("counting prompt tokens with the cl100k estimate: %s", err)
        return count_message_tokens(pairs)

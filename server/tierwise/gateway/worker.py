"""The model worker process: ``python -m tierwise.gateway.worker``.

The language server starts one (``tierwise.gateway.worker_client``) so that litellm lives outside its
process: the import (7–10 s, long C-level steps that hold the GIL), the first call's set-up and each call's
parsing and cost logging run here, on this process's own GIL. The worker runs exactly the in-process code
(``tierwise.gateway.backend.InProcessBackend``: ``provider.stream_once``, ``invoice.call_cost``,
``tokens.count_prompt_tokens``); it has no routing, retries, budgets or ledger — those stay in the gateway.

Protocol: one JSON object per line. The server sends ``{"id", "op": "attempt"|"price"|"count", ...}`` and
``{"id", "op": "cancel"}`` (cancels request ``id``: its HTTP stream is closed); the worker answers
``{"op": "ready"}`` once litellm is loaded (or ``{"op": "fatal", "error"}`` and exits), then per request
``{"id", "ok": value}``, ``{"id", "failed": AttemptFailed's fields}`` or ``{"id", "error": message}``.
``{"id", "op": "tokens", "texts": [...]}`` (cl100k counts of each text, ``tierwise.gateway.tokens``) is
answered from the start, while litellm still imports: the server counts here so that its own process never
builds tiktoken's encoder (one ~100 ms call that holds the GIL).
Requests run concurrently. The API key travels inside an attempt's request only; nothing here logs a
request. Stdout carries the protocol only: descriptor 1 is pointed at stderr (litellm's handler writes
to stdout), and stderr is relayed to the server's log. The worker exits when its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import sys
from typing import IO, Any

from tierwise.process_privacy import hide_environment

log = logging.getLogger("tierwise.gateway.worker")

# What litellm's first streamed call imports lazily: the OpenAI SDK's resources (~450 modules), anyio's
# backend, jiter and litellm's default tokenizer (about 4 s). Imported at start instead.
FIRST_CALL_MODULES = (
    "openai.resources",
    "anyio._backends._asyncio",
    "jiter",
    "litellm._service_logger",
    "litellm.litellm_core_utils.default_encoding",
    "litellm.llms.openai_like.dynamic_config",
    "litellm.llms.litellm_proxy.chat.transformation",
    "litellm.llms.openai.chat.gpt_audio_transformation",
    "litellm.types.litellm_core_utils.streaming_chunk_builder_utils",
)


def plain(value: Any) -> Any:
    """A JSON-ready copy of a provider's usage (litellm's pydantic ``Usage``, a dict or None)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        with contextlib.suppress(Exception):
            return plain(dump())
    fields = getattr(value, "__dict__", None)
    return plain({k: v for k, v in fields.items() if not k.startswith("_")}) if isinstance(fields, dict) else None


def preload() -> None:
    """Import litellm and load what its first call (and ours) would otherwise load then."""
    import importlib

    from tierwise.gateway import provider

    provider._import_litellm()
    for name in FIRST_CALL_MODULES:
        try:
            importlib.import_module(name)
        except Exception as err:  # noqa: BLE001 - another litellm version: the first call imports what it needs
            log.debug("could not preload %s: %s", name, err)


class Worker:
    def __init__(self, out: IO[bytes]) -> None:
        from tierwise.gateway.backend import InProcessBackend

        self.out = out
        self.backend = InProcessBackend()
        self.tasks: dict[int, asyncio.Task[None]] = {}

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self.out.flush()

    async def serve(self, reader: asyncio.StreamReader, loaded: asyncio.Future[None]) -> None:
        """Answer requests until stdin closes: ``tokens`` at once, the others once ``loaded`` (litellm) is."""
        while line := await reader.readline():
            try:
                message = json.loads(line)
                ident, op = int(message["id"]), message["op"]
            except (ValueError, KeyError, TypeError) as err:
                log.error("unreadable request dropped: %s", err)
                continue
            if op == "cancel":
                task = self.tasks.get(ident)
                if task is not None:
                    task.cancel()
                continue
            if op == "tokens":
                self.tasks[ident] = asyncio.create_task(self.count(ident, message))
                continue
            self.tasks[ident] = asyncio.create_task(self.handle(ident, op, message, loaded))
        for task in list(self.tasks.values()):  # the server went away: close every stream
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)

    async def count(self, ident: int, message: dict[str, Any]) -> None:
        from tierwise.gateway.tokens import count_tokens

        try:
            texts = [str(t) for t in message["texts"]]
            self.send({"id": ident, "ok": await asyncio.to_thread(lambda: [count_tokens(t) for t in texts])})
        except asyncio.CancelledError:
            pass
        except Exception as err:  # noqa: BLE001 - answered, never fatal to the worker
            self.send({"id": ident, "error": f"{type(err).__name__}: {err}"})
        finally:
            self.tasks.pop(ident, None)

    async def handle(self, ident: int, op: str, message: dict[str, Any], loaded: asyncio.Future[None]) -> None:
        from tierwise.config.model import Deployment
        from tierwise.gateway.provider import AttemptFailed
        from tierwise.gateway.types import Message, TokenUsage

        try:
            await asyncio.shield(loaded)
            if op == "attempt":
                result = await self.backend.attempt(
                    Deployment.model_validate(message["deployment"]),
                    [Message.model_validate(m) for m in message["messages"]],
                    **message["options"],
                )
                self.send({"id": ident, "ok": {
                    "text": result.text, "prompt_tokens": result.prompt_tokens,
                    "completion_tokens": result.completion_tokens, "scripted": result.scripted,
                    "usage": plain(result.usage)}})
            elif op == "price":
                items = [(Deployment.model_validate(d), TokenUsage.model_validate(u)) for d, u in message["items"]]
                self.send({"id": ident, "ok": await self.backend.price(items)})
            elif op == "count":
                pairs = [(str(r), str(c)) for r, c in message["pairs"]]
                self.send({"id": ident, "ok": await self.backend.count_prompt_tokens(message["model"], pairs)})
            else:
                self.send({"id": ident, "error": f"unknown operation {op!r}"})
        except AttemptFailed as fail:
            self.send({"id": ident, "failed": {
                "kind": fail.kind, "message": str(fail), "retry_after": fail.retry_after,
                "partial_text": fail.partial_text, "status": fail.status, "partial_tokens": fail.partial_tokens}})
        except asyncio.CancelledError:
            pass  # the server stopped waiting; the stream is closed
        except Exception as err:  # noqa: BLE001 - answered, never fatal to the worker
            self.send({"id": ident, "error": f"{type(err).__name__}: {err}"})
        finally:
            self.tasks.pop(ident, None)


def claim_stdout() -> IO[bytes]:
    """The real stdout for the protocol; descriptor 1 (and ``sys.stdout``) now lead to stderr."""
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    return out


async def _main(out: IO[bytes]) -> int:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 30)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker(out)
    await asyncio.to_thread(_warm_tokens)  # first: the server's token counts wait for it
    loaded = asyncio.ensure_future(asyncio.to_thread(preload))
    serving = asyncio.ensure_future(worker.serve(reader, loaded))
    try:
        await loaded
    except BaseException as err:  # noqa: BLE001 - told to the server, which reports it to the user
        message = f"cannot import litellm ({type(err).__name__}: {err}); reinstall tierwise's dependencies"
        with contextlib.suppress(OSError):  # the server may be gone already
            worker.send({"op": "fatal", "error": message})
        serving.cancel()
        return 3
    worker.send({"op": "ready", "pid": os.getpid()})
    await serving
    return 0


def _warm_tokens() -> None:
    from tierwise.gateway.tokens import count_tokens

    count_tokens("warm up")


def main() -> int:
    hide_environment()  # the worker holds the provider keys too
    out = claim_stdout()
    level = os.environ.get("TIERWISE_WORKER_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(level=getattr(logging, level, logging.WARNING), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s", force=True)
    os.environ.setdefault("LITELLM_LOG", "CRITICAL")
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError, OSError):
        return asyncio.run(_main(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

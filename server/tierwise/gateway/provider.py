"""One streamed call to one deployment through litellm, with an idle timeout and classified errors.

litellm is imported lazily, on a background thread (it takes seconds and ~190 MB), with
``LITELLM_LOCAL_MODEL_COST_MAP=True`` set first so it never fetches its price map from the network.
Retries, fallbacks and bookkeeping are the gateway's: litellm's own are switched off here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import email.utils
import importlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tierwise.config.model import Deployment
from tierwise.gateway.caching import wire_messages
from tierwise.gateway.tokens import count_tokens
from tierwise.gateway.types import GatewayError, Message

FailureKind = Literal["retry", "auth", "context", "deployment", "fatal", "overrun"]
"""retry: transient (429, 5xx, connection, idle stream) · auth: 401/403, try the next deployment ·
context: prompt too long for this deployment · deployment: 404 model unknown here · fatal: 400, give up ·
overrun: the provider streamed past ``max_tokens`` (plus a margin); the stream was closed."""

_import_lock = threading.Lock()
_import_future: concurrent.futures.Future[Any] | None = None
NO_KEY = "tierwise-no-key"  # OpenAI clients insist on some key; keyless endpoints ignore it


def _import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    module = importlib.import_module("litellm")
    module.telemetry = False
    module.suppress_debug_info = True
    module.turn_off_message_logging = True
    module.drop_params = True  # a provider that lacks e.g. stream_options gets the call without it
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "openai"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return module


def warm_up() -> concurrent.futures.Future[Any]:
    """Start importing litellm in a background thread (idempotent); returns the import's future."""
    global _import_future
    with _import_lock:
        if _import_future is None:
            future: concurrent.futures.Future[Any] = concurrent.futures.Future()

            def work() -> None:
                try:
                    future.set_result(_import_litellm())
                except BaseException as err:  # noqa: BLE001 - delivered to whoever awaits the import
                    future.set_exception(err)

            threading.Thread(target=work, name="tierwise-litellm-import", daemon=True).start()
            _import_future = future
        return _import_future


async def load_litellm() -> Any:
    """The litellm module, imported off the event loop."""
    try:
        # shield: a cancelled caller must not cancel the import every later call shares
        return await asyncio.shield(asyncio.wrap_future(warm_up()))
    except ImportError as err:
        raise GatewayError(f"cannot import litellm ({err}); reinstall tierwise's dependencies") from None


@dataclass
class AttemptResult:
    text: str
    prompt_tokens: int | None  # None: the provider reported no usage
    completion_tokens: int | None
    scripted: bool = False
    usage: Any = None  # the provider's usage as litellm relayed it (cache and reasoning details included)


class AttemptFailed(Exception):
    """One attempt failed. ``partial_text`` is what streamed before the failure (it may have cost money)."""

    def __init__(
        self,
        kind: FailureKind,
        message: str,
        *,
        retry_after: float | None = None,
        partial_text: str = "",
        status: int | None = None,
        partial_tokens: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.partial_text = partial_text
        self.status = status  # the HTTP status when the provider answered with one
        self.partial_tokens = partial_tokens  # output tokens counted while streaming (None: not counted)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


def _retry_after_of(err: BaseException) -> float | None:
    for source in (
        getattr(err, "litellm_response_headers", None),
        getattr(getattr(err, "response", None), "headers", None),
    ):
        if source is None:
            continue
        try:
            millis = source.get("retry-after-ms")
            if millis:
                return max(0.0, float(millis) / 1000)
            seconds = parse_retry_after(source.get("retry-after"))
        except (AttributeError, TypeError, ValueError):
            continue
        if seconds is not None:
            return seconds
    return None


def _status_of(err: BaseException) -> int | None:
    status = getattr(err, "status_code", None)
    return status if isinstance(status, int) else None


def classify(err: BaseException, litellm: Any) -> FailureKind:
    """How the gateway reacts to a litellm (or transport) exception."""
    exc = litellm.exceptions
    if isinstance(err, exc.ContextWindowExceededError):
        return "context"
    if isinstance(err, exc.AuthenticationError | exc.PermissionDeniedError):
        return "auth"
    if isinstance(err, exc.NotFoundError):
        return "deployment"
    if isinstance(err, exc.BadRequestError | exc.UnprocessableEntityError):
        return "fatal"
    status = getattr(err, "status_code", None)
    if isinstance(status, int):
        if status in (401, 403):
            return "auth"
        if status == 404:
            return "deployment"
        if 400 <= status < 500 and status not in (408, 409, 429):
            return "fatal"
    return "retry"


def _request(
    deployment: Deployment,
    messages: Sequence[Message],
    api_key: str | None,
    max_tokens: int,
    temperature: float,
    timeout_s: float,
    cache_breakpoints: bool = False,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": deployment.model,
        "messages": wire_messages(messages, breakpoints=cache_breakpoints),
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": max_tokens,
        "temperature": temperature,
        "num_retries": 0,
        "max_retries": 0,
        "timeout": timeout_s,
    }
    if deployment.api_base:
        kwargs["api_base"] = deployment.api_base
    if api_key:
        kwargs["api_key"] = api_key
    elif deployment.model.startswith(("openai/", "text-completion-openai/")):
        kwargs["api_key"] = NO_KEY
    return kwargs


async def stream_once(
    deployment: Deployment,
    messages: Sequence[Message],
    *,
    api_key: str | None,
    max_tokens: int,
    temperature: float,
    idle_timeout_s: float,
    timeout_s: float,
    cache_breakpoints: bool = False,
    output_cap: int | None = None,
) -> AttemptResult:
    """Stream one answer. Raises ``AttemptFailed``; cancelling closes the HTTP stream.

    ``output_cap``: stop reading once the streamed output passes this many tokens (a provider ignoring
    ``max_tokens``), close the stream and raise ``AttemptFailed("overrun")`` with what was received."""
    litellm = await load_litellm()
    kwargs = _request(deployment, messages, api_key, max_tokens, temperature, timeout_s, cache_breakpoints)
    parts: list[str] = []
    try:
        async with asyncio.timeout(idle_timeout_s):
            stream = await litellm.acompletion(**kwargs)
    except TimeoutError:
        raise AttemptFailed("retry", f"no response within {idle_timeout_s:g} s (idle timeout)") from None
    except Exception as err:  # noqa: BLE001 - litellm raises many types; classify them all
        raise AttemptFailed(
            classify(err, litellm), str(err), retry_after=_retry_after_of(err), status=_status_of(err)
        ) from None
    usage: Any = None
    streamed = 0  # output tokens counted so far (each piece counted alone: never less than the whole)
    finished = False
    scripted = False
    try:
        iterator = stream.__aiter__()
        while True:
            try:
                async with asyncio.timeout(idle_timeout_s):
                    chunk = await iterator.__anext__()
            except StopAsyncIteration:
                break
            scripted = scripted or str(getattr(chunk, "id", "")).startswith("chatcmpl-replay-")
            usage = getattr(chunk, "usage", None) or usage
            for choice in getattr(chunk, "choices", None) or []:
                content = getattr(getattr(choice, "delta", None), "content", None)
                if content:
                    parts.append(content)
                    if output_cap is not None:
                        streamed += count_tokens(content)
                finished = finished or bool(getattr(choice, "finish_reason", None))
            if output_cap is not None and streamed > output_cap:
                raise AttemptFailed(
                    "overrun",
                    f"ignored max_tokens={max_tokens}: tierwise stopped reading after {streamed} output tokens "
                    f"(limit {output_cap} with margin) and closed the stream",
                    partial_text="".join(parts),
                    partial_tokens=streamed,
                )
    except AttemptFailed:
        raise
    except TimeoutError:
        raise AttemptFailed(
            "retry",
            f"stream stalled: no data for {idle_timeout_s:g} s (idle timeout)",
            partial_text="".join(parts),
        ) from None
    except Exception as err:  # noqa: BLE001
        raise AttemptFailed(
            classify(err, litellm),
            str(err),
            retry_after=_retry_after_of(err),
            partial_text="".join(parts),
            status=_status_of(err),
        ) from None
    finally:
        await _close(stream)
    if not finished and usage is None:
        raise AttemptFailed(
            "retry", "stream ended before the answer was complete", partial_text="".join(parts)
        )
    prompt = getattr(usage, "prompt_tokens", None) if usage is not None else None
    completion = getattr(usage, "completion_tokens", None) if usage is not None else None
    return AttemptResult(
        text="".join(parts), prompt_tokens=prompt, completion_tokens=completion, scripted=scripted, usage=usage
    )


async def _close(stream: Any) -> None:
    closer = getattr(stream, "aclose", None)
    if closer is None:
        return
    with contextlib.suppress(Exception):  # closing is best effort
        await asyncio.shield(closer())  # a cancellation arriving now still lets the close finish

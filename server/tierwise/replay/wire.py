"""OpenAI chat-completions wire format: the JSON bodies and SSE chunks the replay server sends."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from tierwise.gateway.tokens import content_text, count_message_tokens, count_tokens

BLANK_RUN = "\n" * 6
DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Bad request (replayed)."),
    401: ("invalid_api_key", "Incorrect API key provided (replayed)."),
    403: ("permission_denied", "Permission denied (replayed)."),
    404: ("not_found", "Not found (replayed)."),
    429: ("rate_limit_exceeded", "Rate limit reached (replayed). Please retry after a while."),
    500: ("server_error", "The server had an error while processing your request (replayed)."),
    503: ("service_unavailable", "The engine is currently overloaded (replayed)."),
}

_PIECE = re.compile(r"\s*\S+|\s+")


def split_stream(text: str) -> list[str]:
    """Pieces streamed one per chunk: each non-space run with the whitespace before it. Fault options
    counted in "tokens" (``hang_after_tokens``, ``cut_after_tokens``) count these pieces."""
    return _PIECE.findall(text)


def pad_blank_lines(text: str) -> str:
    """The ``blank_lines`` fault: runs of blank lines before, after and between paragraphs."""
    return BLANK_RUN + text.replace("\n\n", "\n" + BLANK_RUN) + BLANK_RUN


def prompt_text(messages: list[dict[str, Any]]) -> str:
    """All message contents joined by newlines: what rule ``match`` regexes search."""
    return "\n".join(content_text(m.get("content")) for m in messages if isinstance(m, dict))


def usage(messages: list[dict[str, Any]], reply: str) -> dict[str, int]:
    pairs = [
        (str(m.get("role", "")), content_text(m.get("content"))) for m in messages if isinstance(m, dict)
    ]
    prompt = count_message_tokens(pairs)
    completion = count_tokens(reply)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    code, default = DEFAULT_ERRORS.get(status, ("error", f"HTTP {status} (replayed)."))
    kind = "invalid_request_error" if status in (400, 404) else code
    return {"error": {"message": message or default, "type": kind, "param": None, "code": code}}


def completion_body(request_id: str, model: str, text: str, use: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": use,
    }


def chunk_body(
    request_id: str,
    model: str,
    *,
    content: str | None = None,
    role: str | None = None,
    finish: str | None = None,
    use: dict[str, Any] | None = None,
) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    body: dict[str, Any] = {
        "id": request_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [] if use is not None else [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if use is not None:
        body["usage"] = use
    return body


def sse(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n".encode()

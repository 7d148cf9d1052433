"""Provider prompt caching on the request side: where cache breakpoints go.

OpenAI, Gemini and DeepSeek cache a prompt's prefix on their own; Anthropic-style providers cache only
up to explicit breakpoints (``cache_control`` on a content block, at most four per request). With a tier's
``cache = "auto"`` and an explicit-caching deployment (``pricing.explicit_caching``) the gateway marks:

1. every message flagged ``cache_break`` (the end of the stable prefix the prompt templates lay out), and
2. the last message of a continued conversation (one that already holds an assistant turn: a fix round or
   an edit retry), so the next round of the same conversation reads it back.

Only the last four marks are kept (Anthropic's limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tierwise.gateway.types import Message

MAX_BREAKPOINTS = 4
EPHEMERAL = {"type": "ephemeral"}


def breakpoint_indices(messages: Sequence[Message]) -> list[int]:
    marks = [i for i, m in enumerate(messages) if m.cache_break]
    if messages and any(m.role == "assistant" for m in messages) and len(messages) - 1 not in marks:
        marks.append(len(messages) - 1)
    return marks[-MAX_BREAKPOINTS:]


def wire_messages(messages: Sequence[Message], *, breakpoints: bool) -> list[dict[str, Any]]:
    """The OpenAI-format messages litellm sends; with ``breakpoints``, marked messages become one text
    block carrying ``cache_control`` (litellm translates it for each provider)."""
    marks = set(breakpoint_indices(messages)) if breakpoints else set()
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if index in marks:
            block = {"type": "text", "text": message.content, "cache_control": dict(EPHEMERAL)}
            out.append({"role": message.role, "content": [block]})
        else:
            out.append({"role": message.role, "content": message.content})
    return out

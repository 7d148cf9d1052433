"""Provider prompt caching, simulated by the replay server (docs/replay.md, "Prompt caching").

Two styles, per model:

- ``openai`` (implicit, also how Gemini and DeepSeek behave): a prompt's prefix is cached once it is at
  least 1,024 tokens long, in 128-token steps; a later request for the same model that starts with a
  cached prefix reads it. Usage reports ``prompt_tokens_details.cached_tokens``.
- ``anthropic`` (explicit): only prefixes that end at a ``cache_control`` breakpoint (a content block
  carrying ``{"cache_control": {"type": "ephemeral"}}``) are cached, when at least 1,024 tokens long.
  Writing a prefix is reported as ``cache_creation_input_tokens`` (charged above the input price), reading
  as ``cache_read_input_tokens`` (discounted); a request reads the longest cached prefix ending at one of
  its block boundaries (the provider's look-back) and writes up to its last breakpoint.

``auto`` (the default) picks ``anthropic`` for a request that carries breakpoints and ``openai`` otherwise;
``off`` caches nothing. Tokens are cl100k tokens laid out with OpenAI's chat framing, so the counts agree
with ``tierwise.gateway.tokens.count_message_tokens``. Entries never expire (a test or bench run is short).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from tierwise.gateway.tokens import TOKENS_PER_MESSAGE, TOKENS_PER_REPLY, encode

CacheStyle = Literal["auto", "openai", "anthropic", "off"]
MIN_PREFIX = 1024
STEP = 128


@dataclass
class Layout:
    """A prompt as framed tokens: the running prefix hashes we need, and where its blocks end."""

    length: int = 0
    boundaries: list[int] = field(default_factory=list)  # token offsets where a content block ends
    breakpoints: list[int] = field(default_factory=list)  # offsets where a cache_control block ends
    _digests: dict[int, str] = field(default_factory=dict)

    def digest(self, offset: int) -> str:
        return self._digests[offset]


def _blocks(content: Any) -> list[tuple[str, bool]]:
    """(text, has a cache_control breakpoint) for each block of a message's content."""
    if content is None:
        return [("", False)]
    if isinstance(content, str):
        return [(content, False)]
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict):
                text = part.get("text") if isinstance(part.get("text"), str) else ""
                out.append((text, bool(part.get("cache_control"))))
            elif isinstance(part, str):
                out.append((part, False))
        return out or [("", False)]
    return [(str(content), False)]


def framed_tokens(messages: list[dict[str, Any]], result: Layout | None = None) -> list[Any]:
    """The prompt as one token sequence with OpenAI's chat framing (3 framing tokens per message, the
    role, the content); block ends and breakpoints are recorded in ``result`` when given."""
    tokens: list[Any] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        tokens += [("frame", str(message.get("role", "")))] * TOKENS_PER_MESSAGE
        tokens += encode(str(message.get("role", "")))
        for text, marked in _blocks(message.get("content")):
            tokens += encode(text)
            if result is not None:
                result.boundaries.append(len(tokens))
                if marked:
                    result.breakpoints.append(len(tokens))
    return tokens


def layout(messages: list[dict[str, Any]], offsets: set[int] | None = None) -> Layout:
    """Tokenise ``messages``; records a prefix digest at every block end and at every offset in
    ``offsets`` (plus every 128-token step from 1,024 when ``offsets`` is None)."""
    result = Layout()
    tokens = framed_tokens(messages, result)
    result.length = len(tokens) + TOKENS_PER_REPLY
    wanted = set(result.boundaries)
    wanted |= set(range(MIN_PREFIX, len(tokens) + 1, STEP)) if offsets is None else set(offsets)
    hasher = hashlib.sha1()
    previous = 0
    for offset in sorted(o for o in wanted if 0 < o <= len(tokens)):
        hasher.update(repr(tokens[previous:offset]).encode())
        result._digests[offset] = hasher.copy().hexdigest()  # noqa: SLF001 - filled here only
        previous = offset
    return result


@dataclass
class CacheHit:
    style: str
    prompt_tokens: int
    cached_read: int = 0
    cache_write: int = 0


class PromptCache:
    """The prefixes one replay server has seen, per model."""

    def __init__(self, styles: dict[str, CacheStyle] | None = None) -> None:
        self.styles = dict(styles or {})
        self._seen: dict[str, set[str]] = {}

    def style_for(self, model: str, marked: bool) -> str:
        style = self.styles.get(model) or self.styles.get("*") or "auto"
        if style == "auto":
            return "anthropic" if marked else "openai"
        return style

    def lookup(self, model: str, messages: list[dict[str, Any]]) -> CacheHit:
        """What this request reads from and writes to the cache; remembers its cacheable prefixes."""
        shape = layout(messages)
        style = self.style_for(model, bool(shape.breakpoints))
        hit = CacheHit(style=style, prompt_tokens=shape.length)
        if style == "off":
            return hit
        seen = self._seen.setdefault(model, set())
        if style == "openai":
            steps = [o for o in range(MIN_PREFIX, shape.length - TOKENS_PER_REPLY + 1, STEP)]
            hit.cached_read = max((o for o in steps if shape.digest(o) in seen), default=0)
            seen.update(shape.digest(o) for o in steps)
            return hit
        candidates = [o for o in shape.boundaries if o >= MIN_PREFIX]
        hit.cached_read = max((o for o in candidates if shape.digest(o) in seen), default=0)
        marks = [o for o in shape.breakpoints if o >= MIN_PREFIX]
        if marks and marks[-1] > hit.cached_read:
            hit.cache_write = marks[-1] - hit.cached_read
        seen.update(shape.digest(o) for o in marks)
        return hit


def usage_body(hit: CacheHit, completion_tokens: int, reasoning_tokens: int = 0) -> dict[str, Any]:
    """The ``usage`` object in the answering provider's format (on the OpenAI wire, as litellm relays it).

    ``prompt_tokens`` always counts the whole prompt (cached and written parts included); reasoning tokens
    are part of ``completion_tokens``."""
    completion = completion_tokens + reasoning_tokens
    body: dict[str, Any] = {
        "prompt_tokens": hit.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": hit.prompt_tokens + completion,
    }
    if hit.style == "anthropic":
        body["cache_creation_input_tokens"] = hit.cache_write
        body["cache_read_input_tokens"] = hit.cached_read
        body["prompt_tokens_details"] = {"cached_tokens": hit.cached_read}
    elif hit.style == "openai":
        body["prompt_tokens_details"] = {"cached_tokens": hit.cached_read}
    if reasoning_tokens or hit.style == "openai":
        body["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    return body


"""Token counting without the network and without importing litellm.

We use tiktoken's ``cl100k_base`` encoding. tiktoken normally downloads its BPE file; litellm ships a copy
in ``litellm/litellm_core_utils/tokenizers/`` named by the SHA-1 of the download URL (tiktoken's cache
key). We point ``TIKTOKEN_CACHE_DIR`` at that folder just while the encoding loads, and only when the file
is there, so tiktoken never touches the network. When it cannot be loaded we estimate ~4 characters per
token (rounded up). Either way the count is an estimate for models with other tokenizers; budget checks
add a safety margin on top (see ``tierwise.gateway.budget``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import sys
import threading
import time
from asyncio import events as asyncio_events
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from tierwise.gateway.litellm_files import litellm_path

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
TOKENS_PER_MESSAGE = 3  # OpenAI chat framing: <|start|>role\n ... <|end|>
TOKENS_PER_REPLY = 3  # every reply is primed with <|start|>assistant<|message|>

_load_lock = threading.Lock()


@lru_cache(maxsize=1)
def _encoding() -> Any | None:
    """The cl100k encoding loaded from litellm's bundled copy, or None when that is not possible."""
    folder = litellm_path("litellm_core_utils", "tokenizers", folder=True)
    if folder is None:
        return None
    cache_key = hashlib.sha1(CL100K_URL.encode()).hexdigest()
    if not (folder / cache_key).is_file():
        return None  # tiktoken would try to download it: never do that
    try:
        import tiktoken
    except ImportError:
        return None
    with _load_lock:
        previous = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
        try:
            return tiktoken.get_encoding("cl100k_base")
        except Exception:  # noqa: BLE001 - any failure means "use the estimate"
            return None
        finally:
            if previous is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = previous


def tokenizer_name() -> str:
    """``"cl100k_base"`` or ``"chars/4"``: which method ``count_tokens`` uses (for docs and logs)."""
    return "cl100k_base" if _encoding() is not None else "chars/4"


Counter = Callable[[Sequence[str]], list[int]]
_elsewhere: Counter | None = None
_resume_at = 0.0  # after a failure, counts are made here until then
RETRY_ELSEWHERE_S = 60.0
log = logging.getLogger(__name__)


def count_elsewhere(counter: Counter | None) -> None:
    """Count with ``counter`` (texts → their cl100k counts, the same function run in another process) on
    threads without a running event loop; an event loop's own thread, or a failed ``counter``, counts here.

    The language server counts in its model worker (``WorkerBackend.count_texts``): building tiktoken's
    encoder is one ~100 ms call that holds the GIL, a freeze for every request the server answers then."""
    global _elsewhere, _resume_at
    _elsewhere, _resume_at = counter, 0.0


class _Remembered:
    """Counts made elsewhere, by text (a round trip each otherwise): the same map rows, outlines and bodies
    are counted by explore, plan and implement. At most ``CHARS`` characters of text are kept (oldest go)."""

    CHARS = 8_000_000

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, text: str) -> int | None:
        return self._counts.get(text)

    def put(self, texts: Sequence[str], counts: Sequence[int]) -> None:
        with self._lock:
            for text, count in zip(texts, counts, strict=True):
                if text not in self._counts and len(text) <= self.CHARS // 8:
                    self._counts[text] = count
                    self._chars += len(text)
            while self._chars > self.CHARS:
                oldest = next(iter(self._counts))
                self._chars -= len(oldest)
                del self._counts[oldest]


_remembered = _Remembered()


def _counted_elsewhere(texts: Sequence[str]) -> list[int] | None:
    global _resume_at
    counter = _elsewhere
    if counter is None or asyncio_events._get_running_loop() is not None or time.monotonic() < _resume_at:
        return None
    known = [_remembered.get(t) for t in texts]
    missing = [t for t, n in zip(texts, known, strict=True) if n is None]
    try:
        counts = counter(missing) if missing else []
    except Exception as err:  # noqa: BLE001 - the same counts are made here instead
        log.warning("counting tokens in this process for %.0f s: %s", RETRY_ELSEWHERE_S, err)
        _resume_at = time.monotonic() + RETRY_ELSEWHERE_S  # a worker that cannot start is not retried per count
        return None
    if len(counts) != len(missing):
        return None
    _remembered.put(missing, counts)
    fresh = iter(counts)
    return [n if n is not None else next(fresh) for n in known]


def count_tokens(text: str) -> int:
    """Tokens in ``text`` (special-token text is counted as plain text)."""
    if not text:
        return 0
    counted = _counted_elsewhere((text,))
    return counted[0] if counted is not None else _count_here(text)


def count_many(texts: Sequence[str]) -> list[int]:
    """``count_tokens`` of each text (one request when counting elsewhere)."""
    wanted = [t for t in texts if t]
    counted = _counted_elsewhere(wanted) if wanted else []
    found = iter(counted if counted is not None else [_count_here(t) for t in wanted])
    return [next(found) if t else 0 for t in texts]


def _count_here(text: str) -> int:
    encoding = _encoding()
    if encoding is None:
        return math.ceil(len(text) / 4)
    return len(encoding.encode(text, disallowed_special=()))


def encode(text: str) -> list[Any]:
    """The tokens of ``text``: cl100k ids, or 4-character pieces when the encoding is unavailable."""
    if not text:
        return []
    encoding = _encoding()
    if encoding is None:
        return [text[i : i + 4] for i in range(0, len(text), 4)]
    return list(encoding.encode(text, disallowed_special=()))


def content_text(content: Any) -> str:
    """The text of an OpenAI message ``content`` (a string, or a list of parts with ``text``)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "".join(parts)
    return str(content)


def count_message_tokens(messages: Iterable[tuple[str, str]]) -> int:
    """Prompt tokens of chat messages given as ``(role, content)`` pairs, OpenAI framing included."""
    texts = [text for pair in messages for text in pair]
    return TOKENS_PER_REPLY + TOKENS_PER_MESSAGE * (len(texts) // 2) + sum(count_many(texts))


def count_prompt_tokens(model: str, messages: Iterable[tuple[str, str]]) -> int:
    """Prompt tokens with ``model``'s own tokenizer (``litellm.token_counter``) once litellm is imported;
    before that (the language server's start path never imports it) the cl100k estimate."""
    pairs = list(messages)
    litellm = sys.modules.get("litellm")
    counter = getattr(litellm, "token_counter", None) if litellm is not None else None
    if counter is not None:
        try:
            counted = counter(model=model, messages=[{"role": r, "content": c} for r, c in pairs])
        except Exception:  # noqa: BLE001 - an unknown tokenizer: fall back to the estimate
            counted = None
        if isinstance(counted, int) and counted > 0:
            return counted
    return count_message_tokens(pairs)

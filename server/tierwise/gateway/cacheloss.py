"""Cache loss of a tier switch: what a warm prompt cache was worth when a task's calls move to another tier.

Provider caches are per model. When the fix ladder escalates (or any action of a task changes tier), the
prefix the previous tier had cached — the part of the new prompt that repeats the previous call's prompt
of the same task and action, when at least ``MIN_CACHEABLE`` tokens long — must be paid in full on the new
tier, less what the new tier happens to serve from its own cache. The gateway records those tokens on the
ledger line (``cache_loss_tokens``) with their price above the new tier's cached-input price
(``cache_loss_usd``). Memory is per gateway (one process), which is where a task's calls run.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from tierwise.gateway.tokens import count_tokens
from tierwise.gateway.types import Message, TokenUsage

MIN_CACHEABLE = 1024
SEPARATOR = "\x00"


def prompt_key(messages: Sequence[Message]) -> str:
    return SEPARATOR.join(f"{m.role}{SEPARATOR}{m.content}" for m in messages)


def common_prefix_tokens(old: str, new: str) -> int:
    """Tokens of the longest common prefix of two flattened prompts."""
    limit = min(len(old), len(new))
    index = 0
    while index < limit and old[index] == new[index]:
        index += 1
    return count_tokens(new[:index].replace(SEPARATOR, "\n"))


class CacheMemory:
    """The last prompt each (task, action) sent, and to which tier. Thread-safe."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], tuple[str, str]] = {}
        self._lock = threading.Lock()

    def switch_loss(
        self, task_id: str, action: str, tier: str, messages: Sequence[Message], usage: TokenUsage
    ) -> int:
        """Prompt tokens this call paid in full because the previous call of the same task and action ran
        on another tier (0 when it did not, or the shared prefix was too short to be cached)."""
        key = prompt_key(messages)
        with self._lock:
            previous = self._last.get((task_id, action))
            self._last[(task_id, action)] = (tier, key)
        if previous is None or previous[0] == tier:
            return 0
        shared = common_prefix_tokens(previous[1], key)
        if shared < MIN_CACHEABLE:
            return 0
        return max(shared - usage.cached_read_tokens, 0)

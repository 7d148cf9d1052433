"""Where the gateway's provider work runs: the one streamed attempt, the invoice and the model's tokenizer.

``ModelGateway`` keeps routing, retries, fallbacks, budgets and the ledger; the three things that need
litellm go through a ``ModelBackend``:

- ``InProcessBackend`` (the CLI, the ACP agent, tests): litellm imported in this process, on a thread;
- ``tierwise.gateway.worker_client.WorkerBackend`` (the language server): the same calls made by a model
  worker process (``python -m tierwise.gateway.worker``), so litellm's import, its first-call set-up and
  its per-call work never hold this process's GIL while an editor waits for an answer.

Both run the same code for the attempt (``provider.stream_once``), the price (``invoice.call_cost``) and the
count (``tokens.count_prompt_tokens``); the worker only carries the arguments and answers over a pipe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from tierwise.config.model import Deployment
from tierwise.gateway import provider
from tierwise.gateway.invoice import call_cost
from tierwise.gateway.tokens import count_prompt_tokens
from tierwise.gateway.types import Message, TokenUsage


class ModelBackend(Protocol):
    async def ready(self) -> None:
        """Wait until a call will not wait for litellm's import; ``GatewayError`` when it cannot load."""

    def start(self) -> None:
        """Begin loading litellm in the background (idempotent, returns at once)."""

    def is_ready(self) -> bool:
        """litellm is loaded (the first call will not wait for it)."""

    async def attempt(self, deployment: Deployment, messages: Sequence[Message], **options: Any) -> provider.AttemptResult:
        """One streamed attempt (``provider.stream_once``'s arguments); raises ``provider.AttemptFailed``."""

    async def price(self, items: Sequence[tuple[Deployment, TokenUsage]]) -> list[float]:
        """``invoice.call_cost`` of each (deployment, usage)."""

    async def count_prompt_tokens(self, model: str, pairs: Sequence[tuple[str, str]]) -> int:
        """Prompt tokens with ``model``'s own tokenizer (``tokens.count_prompt_tokens``)."""


class InProcessBackend:
    """litellm in this process (imported on a background thread by ``provider.warm_up``)."""

    def start(self) -> None:
        provider.warm_up()

    async def ready(self) -> None:
        await provider.load_litellm()

    def is_ready(self) -> bool:
        return provider.warm_up().done()

    async def attempt(self, deployment: Deployment, messages: Sequence[Message], **options: Any) -> provider.AttemptResult:
        return await provider.stream_once(deployment, messages, **options)

    async def price(self, items: Sequence[tuple[Deployment, TokenUsage]]) -> list[float]:
        return [call_cost(deployment, usage) for deployment, usage in items]

    async def count_prompt_tokens(self, model: str, pairs: Sequence[tuple[str, str]]) -> int:
        return count_prompt_tokens(model, pairs)

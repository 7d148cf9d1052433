"""Finishing a step that must not stop halfway (an edit the editor may already hold, and its record) when the
task is cancelled meanwhile: the step runs to its end, then the cancellation goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


async def uninterrupted(work: Awaitable[T]) -> T:
    """Await ``work`` to its end even when the caller is cancelled meanwhile; then re-raise the cancellation.

    ``work`` runs in its own task, which a cancellation of the caller never reaches (``asyncio.shield``)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                continue
            except Exception:  # noqa: BLE001 - reported below; the cancellation wins
                break
        if not task.cancelled() and task.exception() is not None:
            log.warning("a step finished after cancellation failed: %s", task.exception())
        raise

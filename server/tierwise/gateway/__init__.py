"""The model gateway: every model call of the product goes through here (routing, budgets, ledger).

Importing this package is cheap; ``ModelGateway`` and ``Ledger`` are loaded on first access, and litellm
only on the first model call (or ``ModelGateway.warm_up()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tierwise.gateway.types import (
    BudgetExceeded,
    Completion,
    GatewayError,
    LedgerLine,
    Message,
    ModelCallFailed,
    NoModelConfigured,
    PriceUnknown,
)

if TYPE_CHECKING:
    from tierwise.gateway.gateway import ModelGateway
    from tierwise.gateway.ledger import Ledger

_LAZY = {"ModelGateway": "tierwise.gateway.gateway", "Ledger": "tierwise.gateway.ledger"}

__all__ = [
    "BudgetExceeded",
    "Completion",
    "GatewayError",
    "Ledger",
    "LedgerLine",
    "Message",
    "ModelCallFailed",
    "ModelGateway",
    "NoModelConfigured",
    "PriceUnknown",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tierwise.gateway' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

"""The model gateway: every model call of the product goes through here (routing, budgets, ledger).

Importing this package is cheap; litellm is imported lazily by the gateway on first use.
"""

from tierwise.gateway.types import (
    BudgetExceeded,
    Completion,
    GatewayError,
    LedgerLine,
    Message,
    ModelCallFailed,
    NoModelConfigured,
)

__all__ = [
    "BudgetExceeded",
    "Completion",
    "GatewayError",
    "LedgerLine",
    "Message",
    "ModelCallFailed",
    "NoModelConfigured",
]

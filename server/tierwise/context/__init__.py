"""The context engine: a symbol index of the workspace, retrieval, and token-budgeted context packs.

An adapter like the gateway: it never imports the loop's engine. The loop reaches it through
``tierwise.engine.ports.ContextPort`` (implemented by ``tierwise.context.port.WorkspaceContext``). Names are
loaded lazily so that importing ``tierwise.context.types`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierwise.context.engine import ContextEngine
    from tierwise.context.types import ContextItem, ContextPack

__all__ = ["ContextEngine", "ContextItem", "ContextPack"]


def __getattr__(name: str) -> Any:
    if name == "ContextEngine":
        from tierwise.context.engine import ContextEngine

        return ContextEngine
    if name in ("ContextItem", "ContextPack"):
        from tierwise.context import types

        return getattr(types, name)
    raise AttributeError(name)

"""``tierwise acp``: the coding loop as an Agent Client Protocol agent (Zed, JetBrains IDEs, Neovim plugins).

A third thin driver beside the language server and the CLI: ``agent`` answers the protocol's methods,
``session`` turns a prompt into engine calls, ``ports`` implements the engine's files, user and command
ports on top of the client, ``updates`` builds the session updates (pure functions), and ``stdio`` keeps
stdout for protocol frames only. No engine logic lives here.
"""

from __future__ import annotations

__all__ = ["serve_stdio"]


def serve_stdio() -> None:
    """Run the agent on stdin/stdout until the client closes the stream."""
    from tierwise.acp.stdio import run_stdio_agent

    run_stdio_agent()

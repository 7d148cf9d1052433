"""The LSP driver: ``tierwise serve`` translates the Language Server Protocol to engine calls.

Layout (each module small, none holds domain logic):

- ``server``        the pygls server object, start-up path and feature registration
- ``protocol``      JSON-RPC hardening: garbage params get an error reply, ``$/cancelRequest`` maps to tasks
- ``session``       per-connection state shared by the handlers
- ``paths``         URI ↔ workspace-relative path, kept inside the workspace
- ``files``         ``FilesPort`` over editor buffers, versioned ``workspace/applyEdit`` and atomic disk writes
- ``workspace_edit`` pure: engine ``FileChange`` → LSP ``WorkspaceEdit``
- ``ui``            ``UserPort``: work-done progress, ``tierwise/status``, log/show message, show document
- ``tasks``         task id → asyncio task registry (cancellation)
- ``code_actions``  pure builders for quick fixes and source actions (answered from memory)
- ``resolve``       ``codeAction/resolve``: the quick fix's model call, kept for the action's command
- ``client_edits``  what resolve prepared, until ``tierwise.applyCodeAction`` applies it via ``applyEdit``
- ``findings``      review findings as diagnostics, cleared when their lines change
- ``settings``      configuration from initializationOptions / didChangeConfiguration / workspace/configuration
- ``watcher``       configuration files only: client file watchers, else non-recursive watchdog (lazy)
- ``engine_host``   builds the engine and the model stack off the event loop
- ``commands``      ``workspace/executeCommand`` handlers
- ``payloads``      pydantic models of command arguments (imported on first command)

Nothing here imports litellm, gitpython, watchdog or rich at import time.
"""

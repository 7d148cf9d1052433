"""Workspace trust, as the editor decides it (VS Code's Restricted Mode).

The client says whether the workspace is trusted: ``initializationOptions.trusted`` (default true, for clients
that know nothing of trust) and later the ``tierwise/trust`` notification ``{trusted: bool}`` (VS Code sends it
when the user grants trust). In an untrusted workspace the server

- ignores the workspace's ``.tierwise.toml`` / ``[tool.tierwise]`` (it could point a tier's ``api_base``
  anywhere with your key, or name the test command): the user file, the environment and editor settings
  still apply;
- refuses the commands that run the project's test or lint commands (``tierwise.testFix``, and
  ``tierwise.run`` when its phases include ``fix``) with a ``RequestFailed`` error saying why, and builds the
  engine with a command runner that refuses too;
- says so in ``tierwise.status`` (``trusted: false`` and ``trustNote``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

TRUST_NOTIFICATION = "tierwise/trust"
NOTE = (
    "untrusted workspace: its .tierwise.toml / [tool.tierwise] is ignored (user file, environment and editor "
    "settings apply) and the project's test and lint commands are not run (tierwise.testFix, tierwise.run "
    "with the fix phase); trust the workspace in the editor to lift this"
)


def from_init_options(options: Any) -> tuple[bool, Any, str | None]:
    """``(trusted, options without the trust key, problem)`` from ``initializationOptions``. ``trusted`` sits
    beside ``tierwise`` (``{"tierwise": {...}, "trusted": false}``); a value that is not a boolean counts as
    untrusted, so a client that meant "false" is never trusted by mistake."""
    if not isinstance(options, dict) or "trusted" not in options:
        return True, options, None
    rest = {k: v for k, v in options.items() if k != "trusted"}
    value = options["trusted"]
    if isinstance(value, bool):
        return value, rest, None
    return False, rest, f"initializationOptions.trusted must be true or false, got {value!r}: treated as untrusted"


def runs_project_commands(command: str, phases: Sequence[str] | None) -> bool:
    """Whether a ``workspace/executeCommand`` runs the configured or detected test / lint commands."""
    if command == "tierwise.testFix":
        return True
    return command == "tierwise.run" and (not phases or "fix" in phases)


def refusal(command: str) -> str:
    return (
        f"{command} is refused in an untrusted workspace: it runs the project's test and lint commands, and "
        "code from an untrusted folder must not run. Trust the workspace in your editor (VS Code: Manage "
        "Workspace Trust), or use tierwise.run with phases that leave out fix."
    )


class RefusingCommands:
    """The engine's ``CommandPort`` in an untrusted workspace: nothing runs (defence in depth behind the
    command check above)."""

    async def run(self, command: str, *, cwd: Path, timeout_s: float) -> Any:
        from tierwise.runner import CommandNotRunnable

        raise CommandNotRunnable(f"not running {command!r}: the workspace is not trusted")

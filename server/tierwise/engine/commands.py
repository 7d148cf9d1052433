"""The test and lint commands of a task: resolved once, checked before the first paid call, recorded in
task.json, and verified unchanged before every phase and every check run.

A command decides whether a task is done, so it may not move under a task: when its resolution changes
while the task runs (a configuration file edited on disk, a detected command that became another), the
task stops with a message naming both commands. Put the setting back, or start a new task.

A command's output enters the engine through :func:`masked_result`: API keys are masked (``***``) before the
output is stored (``tests/*.log``), parsed, summarized, shown or put into a prompt — a failing test may well
print a key it read from the project's ``.env`` (docs/security.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from tierwise.config.model import Config
from tierwise.config.secrets import redact_env
from tierwise.engine.ports import ChecksCommands, CommandResult
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState
from tierwise.runner import detect_test_command


class NoTestCommand(LookupError):
    """Neither a configured nor a detectable test command."""


class CommandsChanged(ValueError):
    """The test or lint command resolves differently from what the task recorded when it started."""


class ProtectedFilesChanged(RuntimeError):
    """A test or lint run changed files no command may change (the runner put them back)."""


def protected_message(kind: str, command: str, changes: tuple[str, ...] | list[str]) -> str:
    """The stop message of a run that changed protected files (``CommandResult.protected_changes``)."""
    return (
        f"the {kind} command {command!r} changed files no command may change: " + "; ".join(changes)
        + ". tierwise put them back and stopped the task: code the command ran (the project's code, as the "
        "tests import it) wrote them. Review the task's changes (tierwise review, git diff) before running "
        "its tests again"
    )


@dataclass(frozen=True)
class Resolved:
    test: str | None
    lint: str | None


def resolve_commands(ctx: PhaseContext) -> Resolved:
    """The test command (configured, else detected from the workspace) and the lint command, as of now
    (the configuration is re-read when the driver gave the engine a way to, ``PhaseContext.reload_config``)."""
    config = ctx.current_config()
    test = config.loop.test_command or detect_test_command(ctx.root)
    return Resolved(test=test or None, lint=config.loop.lint_command or None)


def _no_test_command(ctx: PhaseContext) -> NoTestCommand:
    return NoTestCommand(
        f"no test command: set loop.test_command in .tierwise.toml (none could be detected in {ctx.root})"
    )


def check_runnable(ctx: PhaseContext, resolved: Resolved) -> None:
    """Raise ``NoTestCommand`` / ``CommandNotRunnable`` unless the commands can start (no model call made)."""
    if not resolved.test:
        raise _no_test_command(ctx)
    if isinstance(ctx.commands, ChecksCommands):
        ctx.commands.preflight(resolved.test, cwd=ctx.root)
        if resolved.lint:
            ctx.commands.preflight(resolved.lint, cwd=ctx.root)


def record_commands(ctx: PhaseContext, state: TaskState, *, require: bool) -> None:
    """Resolve and record the task's commands once. ``require`` (the task will run its checks): a missing
    or unrunnable command stops the task now, before any paid call. Recorded tasks are verified instead."""
    if state.commands_recorded:
        verify_commands(ctx, state)
        return
    resolved = resolve_commands(ctx)
    if require:
        check_runnable(ctx, resolved)
    if resolved.test:
        state.test_command, state.lint_command = resolved.test, resolved.lint
        state.commands_recorded = True
        ctx.save(state)


def verify_commands(ctx: PhaseContext, state: TaskState) -> None:
    """Raise ``CommandsChanged`` when the commands no longer resolve to what the task recorded."""
    if not state.commands_recorded:
        return
    try:
        now = resolve_commands(ctx)
    except Exception as err:  # noqa: BLE001 - e.g. a configuration that no longer loads
        raise CommandsChanged(
            f"the test and lint commands cannot be resolved any more ({err}); the task recorded "
            f"test command {state.test_command!r}. Fix the configuration, or start a new task"
        ) from err
    changes = [
        f"the {kind} command was {before!r} when the task started and is now {after!r}"
        for kind, before, after in (("test", state.test_command, now.test), ("lint", state.lint_command, now.lint))
        if before != after
    ]
    if changes:
        raise CommandsChanged(
            "; ".join(changes) + ". tierwise stops rather than let a changed command decide whether the task "
            "passes; put the setting back (loop.test_command / loop.lint_command, or the files the test "
            "command is detected from), or start a new task"
        )


def key_env_names(config: Config | None) -> set[str]:
    """The variables the configuration's tiers (and their fallbacks) read an API key from."""
    if config is None:
        return set()
    names = {t.api_key_env for t in config.tiers.values() if t.api_key_env}
    names.update(d.api_key_env for t in config.tiers.values() for d in t.deployments() if d.api_key_env)
    return names


def mask_output(config: Config | None, text: str, env: Mapping[str, str] | None = None) -> str:
    """``text`` (a command's output) with API keys masked the way provider errors are
    (``tierwise.config.secrets.redact``): the values of the tiers' key variables and of every
    secret-looking variable of ``env`` (default: the process environment), and key-shaped strings."""
    return redact_env(text, os.environ if env is None else env, key_env_names(config))


def masked_result(config: Config | None, result: CommandResult) -> CommandResult:
    """``result`` with its output masked (:func:`mask_output`); the one way command output enters the engine."""
    return replace(result, output=mask_output(config, result.output))

"""What `tierwise doctor` says about the test and lint commands: which ones a new task would record, where
they come from, and whether they can start (the same check the engine makes before the first paid call)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tierwise.engine.ports import CommandNotRunnable
from tierwise.runner.detect import detect_test_command
from tierwise.runner.process import SubprocessRunner


def commands_summary(config: Any, root: Path) -> dict[str, Any]:
    """``{"test": {"command", "source", "problem"}, "lint": {...}, "env_passthrough": [...]}``."""
    runner = SubprocessRunner(passthrough=config.commands.env_passthrough)
    configured = config.loop.test_command
    test = configured or detect_test_command(root)
    out: dict[str, Any] = {"env_passthrough": list(config.commands.env_passthrough)}
    for kind, command, source in (("test", test, "configured" if configured else "detected"),
                                  ("lint", config.loop.lint_command, "configured")):
        problem = None
        if command:
            try:
                runner.preflight(command, cwd=root)
            except CommandNotRunnable as err:
                problem = str(err)
        elif kind == "test":
            problem = "no test command: set loop.test_command (none could be detected)"
        out[kind] = {"command": command, "source": source if command else None, "problem": problem}
    return out


def render_commands(summary: dict[str, Any]) -> list[str]:
    lines = ["commands (recorded by each new task, checked before its first model call):"]
    for kind in ("test", "lint"):
        item = summary[kind]
        if item["command"]:
            state = f"problem: {item['problem']}" if item["problem"] else "ok"
            lines.append(f"  {kind}: {item['command']} ({item['source']}) — {state}")
        else:
            lines.append(f"  {kind}: none" + (f" — {item['problem']}" if item["problem"] else ""))
    passthrough = summary["env_passthrough"]
    lines.append(f"  environment: allow-list{' + ' + ', '.join(passthrough) if passthrough else ''}")
    return lines

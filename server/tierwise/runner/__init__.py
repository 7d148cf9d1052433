"""Running the project's configured commands: subprocess runner, test-command detection, failure parsing
and log trimming. Nothing here ever runs a command chosen by a model."""

from tierwise.engine.ports import CommandNotRunnable  # re-exported: the CommandPort's error, raised here
from tierwise.runner.detect import detect_test_command
from tierwise.runner.env import build_env, passthrough_warnings
from tierwise.runner.failures import FailureReport, parse_failures, rerun_command
from tierwise.runner.process import SubprocessRunner
from tierwise.runner.trim import trim_log

__all__ = [
    "CommandNotRunnable",
    "FailureReport",
    "SubprocessRunner",
    "build_env",
    "detect_test_command",
    "parse_failures",
    "passthrough_warnings",
    "rerun_command",
    "trim_log",
]

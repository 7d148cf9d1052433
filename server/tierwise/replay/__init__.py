"""A scripted, OpenAI-compatible model server on 127.0.0.1 for tests, demos and benchmarks.

``tierwise.replay.server.ReplayServer`` (async), ``tierwise.replay.server.run_in_thread`` (sync) and the
``tierwise replay-server`` command share one implementation. Script format: docs/replay.md.
"""

from tierwise.replay.script import Rule, Script, ScriptError, load_script, parse_script

__all__ = ["Rule", "Script", "ScriptError", "load_script", "parse_script"]

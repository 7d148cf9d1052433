"""``tierwise demo``: the whole loop, offline, on a small project with a real bug — answers are scripted.

The example project is copied into a temporary git repository; a replay server (127.0.0.1, in a thread)
plays examples/demo.replay.toml; the loop runs through the same code as real use (engine → gateway →
litellm → HTTP → the replay server; real pytest runs). Nothing leaves the machine and no key is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.rule import Rule

from tierwise.safe_git import run_git

DEMO_TASK = (
    "Fix textstats.median(): for an even number of values it must return the mean of the two middle "
    "values, and an empty sequence must raise ValueError like mean() does."
)
DEMO_KEY_ENV = "TIERWISE_DEMO_KEY"

SCRIPTED_NOTE = (
    "Every model answer in this demo was scripted (examples/demo.replay.toml), served by tierwise's replay "
    "server on 127.0.0.1: no network, no API key. Routing, budgets, edits, test runs and the cost ledger "
    "were real."
)
REAL_USE = """To run tierwise on your own code with real models:
  - a provider key: export ANTHROPIC_API_KEY=... (or OPENAI_API_KEY, GEMINI_API_KEY, OPENROUTER_API_KEY)
  - or a local model: export OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_MODEL=qwen2.5-coder (Ollama,
    llama.cpp, vLLM, LM Studio)
  - or configure tiers in .tierwise.toml (`tierwise config show`, `tierwise doctor`)
then, in your project: tierwise run "describe the change\""""


def demo_files() -> tuple[Path, Path]:
    """The example project and its replay script: packaged ``tierwise/examples``, else the repository's."""
    candidates: list[Path] = []
    with contextlib.suppress(ModuleNotFoundError, TypeError):
        candidates.append(Path(str(resources.files("tierwise") / "examples")))
    candidates.append(Path(__file__).resolve().parents[3] / "examples")
    for folder in candidates:
        project, script = folder / "demo-project", folder / "demo.replay.toml"
        if project.is_dir() and script.is_file():
            return project, script
    raise click.ClickException("the demo files (examples/demo-project, examples/demo.replay.toml) are missing")


def test_command() -> str:
    if importlib.util.find_spec("pytest") is not None:
        return f"{shlex.quote(sys.executable)} -m pytest -q -p no:cacheprovider"
    return "python3 -m pytest -q -p no:cacheprovider"


def demo_config(url: str) -> Any:
    from tierwise.config.model import Config
    from tierwise.replay.fixtures import replay_tier_config

    data = replay_tier_config(
        url,
        key_env=DEMO_KEY_ENV,
        routes={"fix": {"tiers": ["light", "mid", "frontier"], "escalate_after": 1}},
        loop={"test_command": test_command(), "test_timeout_s": 120},
        gateway={"max_retries": 0, "timeout_s": 60},
    )
    return Config.model_validate(data)


def init_repository(root: Path) -> None:
    identity = ["-c", "user.name=tierwise demo", "-c", "user.email=demo@tierwise.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", "textstats with a median bug"]):
        proc = run_git(args, root, timeout=60)  # tierwise.safe_git: no fsmonitor command, no keys
        if proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, ["git", *args], proc.stdout, proc.stderr)


def _show_results(console: Console, engine: Any, state: Any) -> None:
    from tierwise.headless.report import print_diff, print_findings, print_summary, print_test_rounds

    console.print(Rule("Edits made by the task"))
    diff = asyncio.run(engine.ctx.checkpoints.diff(state.id)) if engine.ctx.checkpoints is not None else ""
    print_diff(console, diff)
    console.print(Rule("Test rounds"))
    print_test_rounds(console, engine.root, state)
    console.print(Rule("Review"))
    print_findings(console, state.findings)
    console.print(Rule("Cost"))
    print_summary(console, engine, state)


@click.command("demo")
@click.option("--keep", is_flag=True, help="Keep the temporary project folder and print its path.")
@click.option("--quiet", "-q", is_flag=True, help="Less progress output.")
def demo_command(keep: bool, quiet: bool) -> None:
    """Run the whole loop offline on a small example project, with scripted model answers."""
    from tierwise.headless.console import ConsoleUI
    from tierwise.headless.report import exit_code_for
    from tierwise.headless.wiring import build_engine
    from tierwise.replay.server import run_in_thread

    console = Console(highlight=False)
    project, script = demo_files()
    tmp = Path(tempfile.mkdtemp(prefix="tierwise-demo-"))
    root = tmp / "demo-project"
    shutil.copytree(project, root)
    init_repository(root)
    console.print(Rule("tierwise demo (scripted answers)"))
    console.print(SCRIPTED_NOTE, markup=False)
    console.print(f"Task: {DEMO_TASK}", markup=False)
    server = run_in_thread(script, tmp / "replay-requests.jsonl")
    code = 1
    try:
        ui = ConsoleUI(root, console=console, assume_yes=True, verbose=not quiet)
        env = {**os.environ, DEMO_KEY_ENV: "scripted-demo-key"}
        engine = build_engine(root, demo_config(server.url), ui=ui, env=env)
        state = asyncio.run(engine.run(DEMO_TASK))
        _show_results(console, engine, state)
        code = exit_code_for(state)
    except KeyboardInterrupt:
        code = 4
        console.print("cancelled")
    finally:
        server.stop()
        console.print(Rule())
        console.print(SCRIPTED_NOTE, markup=False)
        console.print(REAL_USE, markup=False)
        if keep:
            console.print(f"Demo project kept in {root} (task artifacts in .tierwise/tasks/)", markup=False)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(code)

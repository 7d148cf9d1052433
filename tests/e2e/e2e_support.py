"""Helpers for the end-to-end tests: example projects in temporary (git) folders, configurations that point
every tier at the replay server, a recording UserPort, and reading the replay request log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierwise.config.model import Config
from tierwise.engine import Engine
from tierwise.engine.ports import ProgressEvent
from tierwise.headless.wiring import build_engine

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"
DEMO_TASK = "Fix median() for even lengths and empty input"

_KINDS = {
    "You are the planning engineer": "plan",
    "You review an implementation plan": "refine",
    "You implement one step": "implement",
    "You fix failing checks": "fix",
    "You are the reviewer": "review",
    "You fix exactly one problem": "quickfix",
    "You write git commit messages": "commit_message",
    "You shrink test and lint output": "summarize",
}


@dataclass
class RecordingUI:
    answer: bool = True
    events: list[ProgressEvent] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)

    def progress(self, event: ProgressEvent) -> None:
        self.events.append(event)

    def notify(self, level: str, message: str) -> None:
        self.notices.append((level, message))

    async def confirm(self, question: str, detail: str = "") -> bool:
        return self.answer

    async def show_document(self, path: str) -> None:
        return None


GIT_ID = ["-c", "user.name=tierwise tests", "-c", "user.email=tests@tierwise.invalid", "-c", "commit.gpgsign=false"]


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *GIT_ID, *args], cwd=root, capture_output=True, text=True, timeout=60, check=True)
    return proc.stdout


def project(name: str, dest: Path, *, use_git: bool = True) -> Path:
    """A copy of ``examples/<name>`` in ``dest``; a git repository with one commit unless ``use_git`` is False."""
    root = dest / Path(name).name
    shutil.copytree(EXAMPLES / name, root)
    if use_git:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial")
    return root


def script(name: str) -> Path:
    return EXAMPLES / name


def config(tier_config: Any, url: str, **overrides: Any) -> Config:
    """Every tier on the replay server; pytest as the test command unless ``loop`` says otherwise."""
    loop = {"test_command": PYTEST, "test_timeout_s": 120, **overrides.pop("loop", {})}
    gateway = {"max_retries": 0, "timeout_s": 60, **overrides.pop("gateway", {})}
    return Config.model_validate(tier_config(url, loop=loop, gateway=gateway, **overrides))


def engine(root: Path, cfg: Config, ui: RecordingUI | None = None) -> Engine:
    return build_engine(root, cfg, ui=ui or RecordingUI(), env=dict(os.environ))


def kind_of(request: dict[str, Any]) -> str:
    text = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
    for marker, kind in _KINDS.items():
        if marker in text:
            return kind
    return "?"


def calls(log: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(model, kind) of every logged request, in order."""
    return [(str(r.get("model")), kind_of(r)) for r in log]


def last_user_message(request: dict[str, Any]) -> str:
    users = [m for m in request.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]["content"]) if users else ""


def run_pytest(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                          capture_output=True, text=True, timeout=120, check=False)


def task_json(root: Path, task_id: str) -> dict[str, Any]:
    return json.loads((root / ".tierwise" / "tasks" / task_id / "task.json").read_text(encoding="utf-8"))


def toml_config(data: dict[str, Any]) -> str:
    """A small TOML writer for configuration dicts (tables of scalars, nested tables, inline price tables)."""
    lines: list[str] = []

    def scalar(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, list):
            return "[" + ", ".join(scalar(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k} = {scalar(v)}" for k, v in value.items()) + "}"
        return json.dumps(str(value))

    def table(prefix: str, values: dict[str, Any]) -> None:
        simple = {k: v for k, v in values.items() if not (isinstance(v, dict) and k not in ("price",))}
        nested = {k: v for k, v in values.items() if k not in simple}
        if prefix and simple:
            lines.append(f"[{prefix}]")
        for key, value in simple.items():
            lines.append(f"{key} = {scalar(value)}")
        for key, value in nested.items():
            table(f"{prefix}.{key}" if prefix else key, value)

    table("", data)
    return "\n".join(lines) + "\n"

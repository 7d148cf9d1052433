"""Running headless Neovim scripts for the editor tests and reading their JSON results."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "editor-clients" / "nvim"
SCRIPTS = Path(__file__).resolve().parent / "nvim"
MIN_VERSION = (0, 11)


def find_nvim() -> str | None:
    """The venv's Neovim (installed by editor-clients/install-e2e-deps.sh) first, then PATH; None if too old."""
    candidates = [Path(sys.executable).parent / "nvim", REPO / ".venv" / "bin" / "nvim"]
    on_path = shutil.which("nvim")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if (
            candidate.is_file()
            and os.access(candidate, os.X_OK)
            and nvim_version(str(candidate)) >= MIN_VERSION
        ):
            return str(candidate)
    return None


def nvim_version(binary: str) -> tuple[int, int]:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return (0, 0)
    first = out.splitlines()[0] if out else ""
    try:
        major, minor = first.split("v", 1)[1].split("-", 1)[0].split(".")[:2]
        return (int(major), int(minor))
    except (IndexError, ValueError):
        return (0, 0)


@dataclass
class NvimRun:
    returncode: int
    output: str
    result: dict

    def failures(self) -> list[str]:
        return [
            f"{case['name']}: {'skipped (an earlier step failed)' if case.get('skipped') else case.get('error')}"
            for case in self.result.get("cases", [])
            if not case.get("ok")
        ]

    def explain(self) -> str:
        log = "\n".join(self.result.get("log", [])[-60:])
        notes = "\n".join(f"[{n['level']}] {n['msg']}" for n in self.result.get("notifications", [])[-30:])
        return (
            f"nvim exit {self.returncode}\n--- failures\n"
            + "\n".join(self.failures())
            + f"\n--- log\n{log}\n--- notifications\n{notes}\n--- nvim output\n{self.output[-4000:]}"
        )


def run_script(
    nvim: str, script: Path, result_path: Path, *, env: dict[str, str], cwd: Path, timeout: float
) -> NvimRun:
    """Runs ``nvim --headless --clean -u minimal_init.lua -c "luafile SCRIPT"`` and reads its result file."""
    full_env = {**os.environ, **env, "TIERWISE_NVIM_PLUGIN": str(PLUGIN), "TIERWISE_RESULT": str(result_path)}
    full_env.setdefault("XDG_STATE_HOME", str(result_path.parent / "xdg-state"))
    full_env.setdefault("XDG_DATA_HOME", str(result_path.parent / "xdg-data"))
    full_env.setdefault("XDG_CONFIG_HOME", str(result_path.parent / "xdg-config"))
    command = [
        nvim,
        "--headless",
        "--clean",
        "-n",
        "-i",
        "NONE",
        "-u",
        str(SCRIPTS / "minimal_init.lua"),
        "-c",
        f"luafile {script}",
    ]
    try:
        proc = subprocess.run(
            command,
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        returncode, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as err:
        returncode = -9
        output = f"nvim timed out after {timeout}s\n" + _text(err.stdout) + _text(err.stderr)
    result: dict = {}
    if result_path.exists():
        result = json.loads(result_path.read_text(encoding="utf-8"))
    return NvimRun(returncode, output, result)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")

"""``tierwise apply`` through click's runner and through a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tierwise.cli.apply_cmd import apply_command

from ._helpers import sr

GOOD = sr("a.py", "x = 1\n", "x = 2\n")
BAD = sr("b.py", "nope\n", "y\n")


def _setup(ws: Path) -> None:
    (ws / "a.py").write_text("x = 1\n")
    (ws / "b.py").write_text("y = 1\n")


def test_apply_writes_and_exits_zero(ws: Path) -> None:
    _setup(ws)
    result = CliRunner().invoke(apply_command, ["--workspace", str(ws), "-"], input=GOOD)
    assert result.exit_code == 0, result.output
    assert (ws / "a.py").read_text() == "x = 2\n"
    assert "applied" in result.output and "Wrote 1 file(s): a.py" in result.output


def test_dry_run_json_and_partial_refusal(ws: Path, tmp_path: Path) -> None:
    _setup(ws)
    reply = tmp_path / "reply.md"
    reply.write_text(GOOD + BAD)
    result = CliRunner().invoke(apply_command, [str(reply), "--workspace", str(ws), "--dry-run", "--json"])
    assert result.exit_code == 1
    rows = json.loads(result.output)
    assert [(r["file"], r["block"], r["status"], r["strategy"], r["reason"]) for r in rows] == [
        ("a.py", 1, "applied", "exact", None),
        ("b.py", 2, "refused", None, "not_found"),
    ]
    assert "not found" in rows[1]["message"]
    assert (ws / "a.py").read_text() == "x = 1\n"  # dry run


def test_refused_file_untouched_other_written(ws: Path) -> None:
    _setup(ws)
    result = CliRunner().invoke(apply_command, ["-w", str(ws)], input=GOOD + BAD)
    assert result.exit_code == 1
    assert (ws / "a.py").read_text() == "x = 2\n"
    assert (ws / "b.py").read_text() == "y = 1\n"
    assert "Block 2 (b.py) was not applied" in result.output


def test_usage_errors_exit_two(ws: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(apply_command, ["missing-reply.md", "-w", str(ws)]).exit_code == 2
    assert runner.invoke(apply_command, ["-", "-w", str(ws / "nope")], input=GOOD).exit_code == 2


def test_no_blocks_exits_one(ws: Path) -> None:
    result = CliRunner().invoke(apply_command, ["-w", str(ws)], input="Sorry, I cannot help.")
    assert result.exit_code == 1


def test_real_subprocess(ws: Path) -> None:
    _setup(ws)
    env = dict(os.environ)
    server = str(Path(__file__).resolve().parents[2] / "server")
    env["PYTHONPATH"] = server + os.pathsep + env.get("PYTHONPATH", "")
    code = "from tierwise.cli.apply_cmd import apply_command; apply_command()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "--workspace", str(ws), "--json", "-"],
        input=GOOD + BAD, capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert [r["status"] for r in json.loads(proc.stdout)] == ["applied", "refused"]
    assert (ws / "a.py").read_text() == "x = 2\n"

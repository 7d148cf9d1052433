"""SubprocessRunner with real processes: output, exit codes, timeouts and cancellation killing the tree,
the environment the command sees."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
import time
from pathlib import Path

import pytest
from runner_support import alive, wait_for_file, wait_gone

from tierwise.runner import CommandNotRunnable, SubprocessRunner, build_env, passthrough_warnings

PY = shlex.quote(sys.executable)

# A parent that starts a sleeping child, writes both pids, then sleeps itself.
TREE_SCRIPT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {child.pid}")
time.sleep(60)
"""


def _tree_command(tmp_path: Path) -> tuple[str, Path]:
    script = tmp_path / "tree.py"
    script.write_text(TREE_SCRIPT)
    pids = tmp_path / "pids.txt"
    return f"{PY} {shlex.quote(str(script))} {shlex.quote(str(pids))}", pids


async def test_output_and_exit_code(tmp_path: Path) -> None:
    result = await SubprocessRunner().run(
        f"{PY} -c \"import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)\"",
        cwd=tmp_path,
        timeout_s=30,
    )
    assert result.exit_code == 3
    assert not result.passed and not result.timed_out
    assert "out" in result.output and "err" in result.output
    assert result.duration_s > 0


async def test_timeout_kills_the_process_tree(tmp_path: Path) -> None:
    command, pids = _tree_command(tmp_path)
    started = time.monotonic()
    result = await SubprocessRunner(grace_s=0.5).run(command, cwd=tmp_path, timeout_s=2)
    assert time.monotonic() - started < 15
    assert result.timed_out and not result.passed
    assert "timed out after 2s" in result.output
    parent, child = (int(p) for p in pids.read_text().split())
    assert wait_gone(parent) and wait_gone(child), "the child of the timed-out command survived"


async def test_sigterm_ignoring_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "stubborn.py"
    script.write_text(
        "import os, signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "open(sys.argv[1], 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    )
    pid_file = tmp_path / "pid.txt"
    result = await SubprocessRunner(grace_s=0.3).run(
        f"{PY} {shlex.quote(str(script))} {shlex.quote(str(pid_file))}", cwd=tmp_path, timeout_s=1.5
    )
    assert result.timed_out
    assert wait_gone(int(pid_file.read_text()))


async def test_cancellation_kills_the_tree_and_reraises(tmp_path: Path) -> None:
    command, pids = _tree_command(tmp_path)
    task = asyncio.create_task(SubprocessRunner(grace_s=0.5).run(command, cwd=tmp_path, timeout_s=60))
    text = await asyncio.to_thread(wait_for_file, pids)
    parent, child = (int(p) for p in text.split())
    assert alive(parent) and alive(child)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_gone(parent) and wait_gone(child), "cancellation left processes running"


async def test_background_children_do_not_keep_the_run_open(tmp_path: Path) -> None:
    """A command that leaves a child holding the output pipe returns when it exits; the child is killed."""
    pid_file = tmp_path / "bg.txt"
    code = (
        "import subprocess, sys; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); print('leader done')"
    )
    started = time.monotonic()
    result = await SubprocessRunner(grace_s=0.5).run(
        f"{PY} -c {shlex.quote(code)}", cwd=tmp_path, timeout_s=30
    )
    assert time.monotonic() - started < 10
    assert result.passed and "leader done" in result.output
    assert wait_gone(int(pid_file.read_text()))


async def test_environment_strips_secrets_and_sets_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    monkeypatch.setenv("anthropic_api_key", "sk-lower-case")
    monkeypatch.setenv("TIERWISE_TEST_KEY", "configured-tier-key")
    monkeypatch.setenv("HARMLESS_SETTING", "kept")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-value")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-token-value")
    monkeypatch.setenv("UNLISTED_SETTING", "dropped")
    monkeypatch.setenv("LC_TIME", "C")
    runner = SubprocessRunner(secret_env_names=["TIERWISE_TEST_KEY"], passthrough=["HARMLESS_*"])
    result = await runner.run(
        f'{PY} -c "import json, os; print(json.dumps(dict(os.environ)))"',
        cwd=tmp_path,
        timeout_s=30,
        env={"EXTRA": "1"},
    )
    seen = json.loads(result.output.strip().splitlines()[-1])
    assert (
        "OPENAI_API_KEY" not in seen and "anthropic_api_key" not in seen and "TIERWISE_TEST_KEY" not in seen
    )
    assert "sk-" not in result.output and "configured-tier-key" not in result.output
    assert "AWS_SECRET_ACCESS_KEY" not in seen and "GITHUB_TOKEN" not in seen and "UNLISTED_SETTING" not in seen
    assert "aws-secret-value" not in result.output and "ghp-token-value" not in result.output
    assert seen["HARMLESS_SETTING"] == "kept" and seen["EXTRA"] == "1" and seen["PATH"] and seen["LC_TIME"] == "C"
    assert seen["CI"] == "1" and seen["PYTHONDONTWRITEBYTECODE"] == "1" and seen["NO_COLOR"] == "1"


def test_passthrough_of_a_secret_name_is_passed_but_warned() -> None:
    base = {"PATH": "/usr/bin", "AWS_SECRET_ACCESS_KEY": "x", "MYAPP_MODE": "y", "TIER_KEY_VAR": "z"}
    env = build_env(base, passthrough=["AWS_*", "MYAPP_*"])
    assert env["AWS_SECRET_ACCESS_KEY"] == "x" and env["MYAPP_MODE"] == "y" and "TIER_KEY_VAR" not in env
    warnings = passthrough_warnings(["AWS_*", "MYAPP_*", "TIER_KEY_VAR"], base=base, secret_names=["TIER_KEY_VAR"])
    assert len(warnings) == 2
    assert "AWS_SECRET_ACCESS_KEY" in warnings[0] and "TIER_KEY_VAR" in warnings[1]
    assert all("x" not in w.split("passes")[1].split(" to ")[0] for w in warnings)  # names only, no values


def test_the_masker_and_the_runner_share_one_secret_name_rule() -> None:
    from tierwise.config.secrets import is_secret_name, secret_values
    from tierwise.gateway import secrets as gateway_secrets
    from tierwise.runner import env as runner_env

    assert gateway_secrets.is_secret_name is is_secret_name and runner_env.is_secret_name is is_secret_name
    names = {"GITHUB_TOKEN": "t" * 10, "AWS_SECRET_ACCESS_KEY": "s" * 10, "DB_PASSWORD": "p" * 10,
             "PATH": "/usr/bin/x"}
    assert set(secret_values(names)) == {"t" * 10, "s" * 10, "p" * 10}
    assert not is_secret_name("PATH") and is_secret_name("npm_config__authToken")


def test_build_env_drops_secret_extras() -> None:
    env = build_env({"PATH": "/usr/bin", "GEMINI_API_KEY": "x"}, {"MY_API_KEY": "y", "OK": "1"})
    assert env["PATH"] == "/usr/bin" and env["OK"] == "1"
    assert "GEMINI_API_KEY" not in env and "MY_API_KEY" not in env


async def test_output_is_capped_keeping_head_and_tail(tmp_path: Path) -> None:
    code = "print('HEAD-MARK'); print('x' * 200_000); print('TAIL-MARK')"
    result = await SubprocessRunner(max_output_bytes=4000).run(
        f"{PY} -c {shlex.quote(code)}", cwd=tmp_path, timeout_s=30
    )
    assert result.passed
    assert result.output.startswith("HEAD-MARK")
    assert result.output.rstrip().endswith("TAIL-MARK")
    assert "bytes of output omitted" in result.output
    assert len(result.output) < 4200


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("", "empty"),
        ("python3 -c 'unterminated", "cannot parse"),
        ("no-such-program-xyz --go", "cannot start"),
    ],
)
async def test_unrunnable_commands_raise_clear_errors(tmp_path: Path, command: str, fragment: str) -> None:
    with pytest.raises(CommandNotRunnable, match=fragment):
        await SubprocessRunner().run(command, cwd=tmp_path, timeout_s=5)


async def test_missing_working_directory(tmp_path: Path) -> None:
    with pytest.raises(CommandNotRunnable, match="does not exist"):
        await SubprocessRunner().run("true", cwd=tmp_path / "missing", timeout_s=5)


async def test_no_shell_is_involved(tmp_path: Path) -> None:
    result = await SubprocessRunner().run("echo $HOME && echo second", cwd=tmp_path, timeout_s=5)
    assert result.output.strip() == "$HOME && echo second"

"""Code under test runs as the same user as tierwise: it must not read tierwise's keys from
/proc/<pid>/environ (tierwise.process_privacy). Real processes of one unprivileged user: a holder with a
secret in its environment, and a reader in the role of the code under test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import tierwise.process_privacy as privacy

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")

HOLDER = """
import sys, time
sys.path.insert(0, sys.argv[1])
import process_privacy
if sys.argv[2] == "hide":
    assert process_privacy.hide_environment() and process_privacy.environment_hidden()
print("ready", flush=True)
time.sleep(30)
"""
READER = """
import sys
try:
    print(open(f"/proc/{sys.argv[1]}/environ", "rb").read().decode(errors="replace"))
except OSError as err:
    print("refused:", type(err).__name__)
"""


def _as_one_user() -> list[str]:
    """Run both processes as one unprivileged user (as root, `nobody` via setpriv: root reads anything)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot act as an ordinary user")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def _python() -> str:
    """An interpreter the unprivileged user can run (ours may live under root's home)."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        probe = subprocess.run([*_as_one_user(), candidate, "-c", "pass"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return candidate
    pytest.skip("no Python the unprivileged user can run")


@pytest.mark.parametrize("mode", ["hide", "plain"])
def test_a_same_user_process_cannot_read_a_hidden_environment(mode: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tw-privacy-"))
    try:
        folder.chmod(0o755)
        shutil.copy(privacy.__file__, folder / "process_privacy.py")
        (folder / "process_privacy.py").chmod(0o644)
        user, python = _as_one_user(), _python()
        env = {"PATH": os.environ.get("PATH", ""), "TW_FAKE_PROVIDER_KEY": "sk-fake-0123456789abcdef"}
        holder = subprocess.Popen([*user, python, "-c", HOLDER, str(folder), mode], stdout=subprocess.PIPE,
                                  env=env, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
            seen = subprocess.run([*user, python, "-c", READER, str(holder.pid)], capture_output=True,
                                  text=True, timeout=30, env={"PATH": env["PATH"]}).stdout
        finally:
            holder.kill()
            holder.wait(timeout=10)
        if mode == "hide":
            assert "sk-fake" not in seen and seen.startswith("refused")
        else:  # the control: without the call, the same reader does see it
            assert "sk-fake-0123456789abcdef" in seen
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_tierwise_command_hides_its_environment() -> None:
    """`tierwise` (every CLI command and the language server) calls it before anything else."""
    code = ("import sys\nimport tierwise.cli.main as m\nimport tierwise.process_privacy as p\n"
            "sys.argv = ['tierwise', '--help']\ntry:\n    m.main()\nexcept SystemExit:\n"
            "    print('hidden:', p.environment_hidden())\n")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert ran.stdout.strip().endswith("hidden: True"), (ran.stdout, ran.stderr)

"""Issue #11 item 9 leftover: deployment health (``.tierwise/deployments.json``) is shared by processes (a CLI
run and the language server in one workspace). Real processes hammer updates at the same time: no update is
lost, and the file is never seen corrupt."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tierwise.gateway import health
from tierwise.gateway.health import DeploymentHealth, health_path, interprocess_lock, lock_path, read_records

ROUNDS = 120
WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tierwise.gateway.health import DeploymentHealth
    root, name, rounds, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    health = DeploymentHealth(root, allowed_fails=10**6, cooldown_time_s=60)
    while not go.exists():
        time.sleep(0.001)
    for i in range(rounds):
        health.record_overrun("openai/shared", "http://127.0.0.1:1", "cheap", f"{name} {i}")
        health.record_failure("openai/shared", "http://127.0.0.1:1", "cheap", f"{name} {i}")
        health.record_overrun(f"openai/{name}", None, "cheap", f"{name} {i}")
    """
)


def _hammer(root: Path, names: list[str], rounds: int) -> list[str]:
    """Start one worker process per name, release them together, and read the file while they run; returns
    every content that did not parse as a JSON object."""
    go = root / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(root), name, str(rounds), str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in names
    ]
    time.sleep(1.5)  # let the interpreters start and wait at the barrier
    go.touch()
    corrupt: list[str] = []
    while any(proc.poll() is None for proc in procs):
        try:
            text = health_path(root).read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        try:
            if not isinstance(json.loads(text), dict):
                corrupt.append(text[:200])
        except ValueError:
            corrupt.append(text[:200])
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    return corrupt


def test_two_processes_lose_no_update_and_never_corrupt_the_file(tmp_path: Path) -> None:
    corrupt = _hammer(tmp_path, ["a", "b"], ROUNDS)
    assert corrupt == []
    records = read_records(tmp_path)
    shared = records["openai/shared@http://127.0.0.1:1"]
    assert shared.overruns == 2 * ROUNDS  # every increment of both processes is there
    assert len(shared.failures) == 2 * ROUNDS  # allowed_fails is huge: every failure is in the window
    assert records["openai/a@"].overruns == ROUNDS and records["openai/b@"].overruns == ROUNDS
    assert not list(tmp_path.joinpath(".tierwise").glob("*.tierwise-tmp"))  # no temporary file left behind


def test_a_held_lock_is_waited_for(tmp_path: Path) -> None:
    """An update waits while another holder has the lock, then applies on top of what that holder wrote."""
    first = DeploymentHealth(tmp_path, allowed_fails=3, cooldown_time_s=60)
    first.record_overrun("m", None, "cheap", "one")
    released = threading.Event()
    with interprocess_lock(lock_path(tmp_path)) as held:
        assert held
        worker = threading.Thread(target=lambda: (first.record_overrun("m", None, "cheap", "two"), released.set()))
        worker.start()
        time.sleep(0.3)
        assert not released.is_set()  # blocked on the lock (flock locks are per open file, so threads wait too)
    worker.join(timeout=10)
    assert released.is_set()
    assert read_records(tmp_path)["m@"].overruns == 2


def test_a_stuck_holder_delays_an_update_by_the_timeout_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "LOCK_TIMEOUT_S", 0.2)
    probe = DeploymentHealth(tmp_path, allowed_fails=0, cooldown_time_s=60)
    probe.record_overrun("m", None, "cheap", "first")
    with interprocess_lock(lock_path(tmp_path)):
        started = time.monotonic()
        cooled = probe.record_failure("m", None, "cheap", "boom")
        waited = time.monotonic() - started
    assert cooled is not None and 0.15 <= waited < 5  # gave up waiting, then saved the change anyway
    assert read_records(tmp_path)["m@"].cooldowns == 1


def test_without_fcntl_updates_still_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "fcntl", None)
    probe = DeploymentHealth(tmp_path, allowed_fails=1, cooldown_time_s=60)
    assert probe.record_failure("m", None, "cheap", "x") is None
    assert probe.record_failure("m", None, "cheap", "y") is not None
    assert probe.cooling("m", None) is not None
    assert not lock_path(tmp_path).exists()


def test_a_read_only_state_folder_never_fails_a_call(tmp_path: Path) -> None:
    (tmp_path / ".tierwise").write_text("not a folder")  # ensure_state_dir cannot create it
    probe = DeploymentHealth(tmp_path, allowed_fails=0, cooldown_time_s=60)
    assert probe.record_failure("m", None, "cheap", "x") is not None  # reported, though nothing is saved
    assert read_records(tmp_path) == {}

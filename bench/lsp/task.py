"""The longest request wait while a task runs: ``textDocument/codeAction`` (cursor) sent every 20 ms from
the start of a ``tierwise.run`` to its end, per phase, with the model streamed by the replay server.

The workspace is a git repository with many files (``--files``, default 4,000 in 200 folders). The plan
modifies ``--touch`` of them (default 40): each is checkpointed (git blobs + private refs) before its edit
and recorded after it. The test command streams about 2 MB of pytest-like output over ~2 s and fails until
``calc.py`` is fixed; the fix round fixes it and the tests run again (the large log is parsed and trimmed,
and shrunk by the ``summarize`` route). Review reads the checkpoint diff. Every model reply is streamed
token by token (``token_delay_s``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rpc import RpcClient, initialize_params

from tierwise.replay.fixtures import replay_tier_config

KEY_ENV, KEY = "TIERWISE_BENCH_KEY", "sk-bench-0000"
TOKEN_DELAY_S = 0.002
FINAL = {"done", "failed", "resumable", "cancelled", "budget_stopped"}

TESTS = '''"""Streams pytest-like output (about 2 MB over 2 s); fails while calc.add subtracts."""
import sys, time
from calc import add
for n in range(20):
    for i in range(500):
        sys.stdout.write(f"tests/test_mod_{n}.py::test_case_{i} PASSED  [{i % 100:3d}%] " + "." * 150 + "\\n")
    sys.stdout.flush()
    time.sleep(0.1)
if add(2, 3) != 5:
    print("tests/test_calc.py::test_add FAILED")
    print("=================================== FAILURES ===================================")
    print("____________________________________ test_add ____________________________________")
    print("    def test_add():")
    print(">       assert add(2, 3) == 5")
    print("E       assert -1 == 5")
    print("tests/test_calc.py:5: AssertionError")
    print("=========================== short test summary info ============================")
    print("FAILED tests/test_calc.py::test_add - assert -1 == 5")
    print("1 failed, 10000 passed in 2.01s")
    sys.exit(1)
print("10001 passed in 2.01s")
'''


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def make_repo(files: int, touch: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="tierwise-bench-task-"))
    for i in range(files):
        folder = root / "pkg" / f"d{i % 200:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        body = "".join(f"def f{j}(x):\n    return x + {i * 100 + j}\n\n\n" for j in range(20))
        (folder / f"mod_{i:05d}.py").write_text(f'"""Module {i}."""\n\n\n' + body, encoding="utf-8")
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n", encoding="utf-8")
    (root / "run_tests.py").write_text(TESTS, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "bench repository")
    return root


def touched(touch: int) -> list[str]:
    return [f"pkg/d{i % 200:03d}/mod_{i:05d}.py" for i in range(touch)]


def _plan(paths: list[str]) -> str:
    files = "\n".join(f"- modify `{p}`: say in the module docstring that it is checked." for p in paths)
    return (
        "# Plan: mark the modules as checked\n\n## Goal and user requirements\nEvery listed module says it"
        " is checked.\n\n## Constraints\nNothing else changes.\n\n## Files\n" + files + "\n\n## API contract"
        " changes\nNone.\n\n## Data model or migration changes\nNone.\n\n## Dependency changes\nNone.\n\n"
        "## Test strategy\n`python run_tests.py` passes.\n\n## Success criteria\nThe test command passes.\n"
    )


def _edit(path: str, index: int) -> str:
    return (f"{path}\n<<<<<<< SEARCH\n\"\"\"Module {index}.\"\"\"\n=======\n\"\"\"Module {index} (checked).\"\"\"\n"
            ">>>>>>> REPLACE\n")


FIX = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"
REVIEW = "# Review\n\nSummary: the modules are marked and add() adds. No findings.\n"


def script(paths: list[str]) -> dict[str, Any]:
    def rule(mark: str, reply: str, times: int = 1) -> dict[str, Any]:
        return {"match": mark, "reply": reply, "times": times, "token_delay_s": TOKEN_DELAY_S}

    return {
        "rules": [
            rule("You are the planning engineer", _plan(paths)),
            *(rule("You implement one step of an approved plan", _edit(p, i)) for i, p in enumerate(paths)),
            rule("You shrink test and lint output", "tests/test_calc.py::test_add fails: assert -1 == 5", 0),
            rule("You fix failing checks", FIX, 0),
            rule("You are the reviewer", REVIEW, 0),
        ]
    }


def _replay_process(data: dict[str, Any], path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """``tierwise replay-server`` in its own process, like a model provider (its work never shares our GIL)."""
    path.write_text(json.dumps(data), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "tierwise", "replay-server", "--script", str(path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise RuntimeError(f"the replay server did not start: {url!r}")
    return proc, url


def _summary(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "requests": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 2),
        "max_ms": round(max(values), 2),
    }


def during_task(caps: dict[str, Any], env: dict[str, str], argv: list[str], *, files: int, touch: int,
                code_action: Any) -> dict[str, Any]:
    """codeAction waits from ``tierwise.run`` to the task's end, overall and per phase."""
    built = time.perf_counter()
    root = make_repo(files, touch)
    build_s = time.perf_counter() - built
    paths = touched(touch)
    replay, url = _replay_process(script(paths), root.parent / f"{root.name}-replay.json", env)
    config = replay_tier_config(
        url, key_env=KEY_ENV,
        loop={"test_command": f"{sys.executable} run_tests.py", "fix_rounds": 2, "test_timeout_s": 120},
        gateway={"max_retries": 0, "timeout_s": 60},
    )
    client = RpcClient(argv, str(root), {**env, KEY_ENV: KEY})
    client.request("initialize", initialize_params(str(root), caps, {"tierwise": config}))
    client.notify("initialized", {})
    uri = code_action.open(client, str(root))
    code_action.wait_ready(client)
    started = time.perf_counter()
    answer = client.request("workspace/executeCommand", {
        "command": "tierwise.run",
        "arguments": [{"task": "mark the modules as checked", "approve": False,
                       "phases": ["plan", "implement", "fix", "review"]}],
    })
    task_id = answer["taskId"]
    samples: dict[str, list[float]] = {}
    slowest: list[tuple[float, float, str, str]] = []  # (wait ms, at s, phase, the last status message)
    phase, state, seen, message = answer.get("phase", "plan"), "running", 0, ""
    while state not in FINAL and time.perf_counter() - started < 600:
        at = time.perf_counter() - started
        wait = code_action.once(client, uri, sum(map(len, samples.values())))
        samples.setdefault(phase, []).append(wait)
        slowest = sorted([*slowest, (round(wait, 1), round(at, 2), phase, message)], reverse=True)[:5]
        for note in client.notifications[seen:]:
            params = note.get("params") or {}
            if note.get("method") == "tierwise/status" and params.get("taskId") == task_id:
                phase, state = params.get("phase") or phase, params.get("state") or state
                message = str(params.get("message") or "")[:80]
        seen = len(client.notifications)
        time.sleep(0.02)
    task_s = time.perf_counter() - started
    status = client.request("workspace/executeCommand", {"command": "tierwise.status",
                                                          "arguments": [{"taskId": task_id}]})
    client.close()
    replay.terminate()
    replay.wait(timeout=10)
    task = status.get("task") or {}
    every = [v for values in samples.values() for v in values]
    return {
        "files": files, "touched": touch, "repo_build_s": round(build_s, 1), "task_s": round(task_s, 1),
        "final_state": state, "tests_passed": task.get("tests_passed"),
        "all": _summary(every), "by_phase": {name: _summary(values) for name, values in samples.items()},
        "slowest": [{"wait_ms": w, "at_s": a, "phase": p, "after_status": m} for w, a, p, m in slowest],
    }

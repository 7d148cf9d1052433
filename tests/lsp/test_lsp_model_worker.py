"""The language server keeps litellm out of its process (issue #12, the 50 ms longest wait): every model call
goes through the model worker process (``tierwise.gateway.worker``), and a worker that dies is replaced
by the next call while the server stays up.

Which process imports litellm is recorded by a ``sitecustomize`` on ``PYTHONPATH`` (the server runs
unchanged): a thread in every process notes the command line of the process once ``litellm`` or ``openai``
is in its ``sys.modules``.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import lsp_scripts as s
import pytest
from lsp_helpers import SAMPLE_FILES, capabilities, execute, make_repo, start_client, uri, write_config

from tierwise.replay.fixtures import replay_tier_config
from tierwise.replay.server import run_in_thread

pytestmark = [pytest.mark.slow]

HOOK = '''
import os, sys, threading, time

def _watch():
    while True:
        found = [name for name in ("litellm", "openai") if name in sys.modules]
        if found:
            with open(os.environ["TIERWISE_TEST_IMPORTS"], "a", encoding="utf-8") as out:
                out.write(f"{','.join(found)}\\t{' '.join(sys.argv)}\\n")
            return
        time.sleep(0.05)

threading.Thread(target=_watch, daemon=True).start()
'''


async def test_model_calls_run_in_the_worker_and_a_dead_worker_is_replaced(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "ws", SAMPLE_FILES)
    replay = run_in_thread(s.loop_script(), tmp_path / "replay.jsonl")
    write_config(root, replay_tier_config(replay.url))
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    imports = tmp_path / "imports.tsv"
    env = {"PYTHONPATH": os.pathsep.join([str(hook), *filter(None, [os.environ.get("PYTHONPATH")])]),
           "TIERWISE_TEST_IMPORTS": str(imports)}
    client, editor, _ = await start_client(root, capabilities("neovim"), env=env)
    try:
        calc = uri(root, "calc.py")
        answer = await execute(client, "tierwise.plan", {"task": "Fix add() in calc.py: it subtracts", "uris": [calc]})
        task_id = str(answer["taskId"])
        final = await editor.wait_status(task_id, ("ready", "failed", "done"), timeout=180)
        assert final["state"] == "ready", final
        status = await execute(client, "tierwise.status")
        worker = status["modelWorker"]
        assert worker["state"] == "ready" and worker["started"] == 1 and status["modelStackReady"] is True

        os.kill(int(worker["pid"]), signal.SIGKILL)  # the worker dies; the server must not
        since = len(editor.status)
        await execute(client, "tierwise.refine", {"taskId": task_id})
        final = await editor.wait_status(task_id, ("ready", "failed", "done"), timeout=240, since=since)
        assert final["state"] in ("ready", "done"), final  # refine's model call went through a new worker
        status = await execute(client, "tierwise.status")
        assert status["modelWorker"]["started"] == 2 and status["modelWorker"]["pid"] != worker["pid"]
        assert len(replay.requests()) >= 2
    finally:
        await client.shutdown_session()
        replay.stop()
    lines = imports.read_text(encoding="utf-8").splitlines() if imports.exists() else []
    workers = [line for line in lines if "tierwise.gateway.worker" in line or "gateway/worker.py" in line]
    server = [line for line in lines if line not in workers]
    assert workers, f"the hook saw no worker import litellm: {lines}"  # the check can see an import
    assert not server, f"litellm/openai imported in the language server's process: {server}"

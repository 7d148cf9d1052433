"""Cancellation from every LSP route — tierwise.cancel, the progress bar (window/workDoneProgress/cancel)
and $/cancelRequest on the command's request — during a model call and during a test run."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid

import lsp_scripts as s
import pytest
from lsp_helpers import execute, wait_for
from lsp_loop import Loop
from lsprotocol import types

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK = "Fix add() in calc.py: it subtracts"


def _asking(lp: Loop, task_id: str, what: str) -> bool:
    return any(st["taskId"] == task_id and what in (st.get("message") or "") for st in lp.editor.status)


async def _cancel(lp: Loop, route: str, task_id: str, request_id: str | None) -> None:
    if route == "command":
        answer = await execute(lp.client, "tierwise.cancel", {"taskId": task_id})
        assert answer["cancelled"] is True
    elif route == "progress":
        ((token, _reports),) = lp.progress_of(task_id)
        lp.client.protocol.notify(
            types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token)
        )
    else:
        lp.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=request_id))


@pytest.mark.parametrize("route", ["command", "progress", "request"])
async def test_cancel_during_a_model_call_leaves_a_resumable_task(lp: Loop, route: str):
    await lp.use({"rules": [s.hang(s.rule("frontier", s.PLAN_MARK, s.PLAN))]})
    mark = len(lp.editor.status)
    request_id = f"plan-{uuid.uuid4().hex[:8]}"
    params = types.ExecuteCommandParams(command="tierwise.plan", arguments=[{"task": TASK}])
    answer = await asyncio.wrap_future(
        lp.client.protocol.send_request(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=request_id)
    )
    task_id = answer.taskId if hasattr(answer, "taskId") else answer["taskId"]
    await wait_for(lambda: _asking(lp, task_id, "asking frontier"))
    started = asyncio.get_running_loop().time()
    await _cancel(lp, route, task_id, request_id)
    final = await lp.finished(task_id, timeout=15, since=mark)
    assert asyncio.get_running_loop().time() - started < 10  # not the 60 s the model would take
    assert final["state"] == "resumable"
    reason = {"command": "cancelled with tierwise.cancel", "progress": "progress cancelled by the user",
              "request": f"request {request_id} cancelled by the client"}
    assert final["message"] == reason[route]  # this route cancelled it, nothing else
    ((_token, reports),) = lp.progress_of(task_id)
    assert reports[-1].kind == "end" and reports[-1].message.startswith("resumable")
    status = await execute(lp.client, "tierwise.status", {"taskId": task_id})
    assert status["running"] == [] and status["task"]["status"] == "resumable"
    assert "resume" in status["task"]["message"]


async def test_cancel_during_a_test_run_kills_the_test_process(lp: Loop):
    marker = f"tierwise-sleep-{uuid.uuid4().hex[:8]}"
    sleeper = f'{sys.executable} -c "import time; time.sleep(120)" {marker}'
    await lp.use(s.loop_script(), loop={"test_command": sleeper})
    task_id, final = await lp.run("plan", {"task": TASK})
    assert final["state"] == "ready", final

    def sleeping() -> bool:
        return subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0

    await lp.start("testFix", {"taskId": task_id})
    await wait_for(sleeping, timeout=30)
    await execute(lp.client, "tierwise.cancel", {"taskId": task_id})
    final = await lp.finished(task_id, timeout=15)
    assert final["state"] == "resumable" and final["phase"] == "fix"
    await wait_for(lambda: not sleeping(), timeout=10)
    assert (await execute(lp.client, "tierwise.status"))["running"] == []


async def test_a_second_command_on_a_running_task_is_refused(lp: Loop):
    await lp.use(
        {"rules": [s.hang(s.rule("frontier", s.PLAN_MARK, s.PLAN)), s.rule("light", s.REFINE_MARK, s.PLAN)]}
    )
    task_id = await lp.start("plan", {"task": TASK})
    from pygls.exceptions import JsonRpcException

    with pytest.raises(JsonRpcException) as caught:
        await execute(lp.client, "tierwise.refine", {"taskId": task_id})
    assert "already running" in str(caught.value)
    await execute(lp.client, "tierwise.cancel", {"taskId": task_id})
    assert (await lp.finished(task_id, timeout=15))["state"] == "resumable"

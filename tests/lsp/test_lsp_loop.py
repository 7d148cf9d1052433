"""The loop driven through LSP against the replay server: each command, progress, showDocument, applyEdit
with versions, review diagnostics and their quick fix, cost and status, undo, run with approval."""

from __future__ import annotations

import lsp_scripts as s
import pytest
from lsp_helpers import (
    code_actions,
    execute,
    wait_for,
)
from lsp_loop import Loop
from lsprotocol import types

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TASK_TEXT = "Fix add() in calc.py: it subtracts"


def _calc(lp: Loop) -> str:
    return (lp.root / "calc.py").read_text(encoding="utf-8")


async def test_each_phase_command_with_progress_edits_and_review_diagnostics(lp: Loop):
    await lp.use(s.loop_script())
    calc = lp.uri("calc.py")
    lp.editor.open(calc, _calc(lp))

    task_id, final = await lp.run("plan", {"task": "Fix add() in calc.py: it subtracts", "uris": [calc]})
    assert (final["state"], final["phase"], final["nextPhase"]) == ("ready", "plan", "refine")
    assert final["message"] == "plan finished; next: refine"
    plan_uri = lp.uri(f".tierwise/tasks/{task_id}/PLAN.md")
    shown = await wait_for(lambda: [d for d in lp.client.shown_documents if d.uri == plan_uri])
    assert shown[0].take_focus is True
    ((_token, reports),) = lp.progress_of(task_id)
    kinds = [r.kind for r in reports]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds
    assert reports[0].cancellable is True
    assert any(
        "frontier (openai/replay-frontier)" in (r.message or "") for r in reports if r.kind == "report"
    )
    # the title names the phase once; reports do not repeat it ("tierwise: plan: asking frontier (…) · $…")
    assert reports[0].title == "tierwise: plan" and reports[0].message == "starting"
    messages = [r.message or "" for r in reports if r.kind == "report"]
    assert "asking frontier (openai/replay-frontier) · $0.0000" in messages, messages
    assert messages[0] == "started · $0.0000" and messages[-1].startswith("finished · $"), messages
    assert not [m for m in messages if m.startswith("plan") or m.count("asking") > 1], messages
    running = [st for st in lp.editor.status if st["taskId"] == task_id and st["state"] == "running"]
    assert any(st["tier"] == "frontier" and st["model"] == "openai/replay-frontier" for st in running)

    _, final = await lp.run("refine", {"taskId": task_id})
    assert (final["state"], final["phase"], final["nextPhase"]) == ("ready", "refine", "implement")
    assert (final["tier"], final["model"]) == ("light", "openai/replay-light")
    ((_token, reports),) = [p for p in lp.progress_of(task_id) if "/refine/" in p[0]]
    assert reports[-1].message == "ready: refine finished; next: implement"

    _, final = await lp.run("implement", {"taskId": task_id})
    assert final["state"] == "ready" and final["nextPhase"] == "fix", final
    assert (final["tier"], final["model"]) == ("mid", "openai/replay-mid")
    assert "return a + b" in lp.editor.text(calc)  # the editor's buffer took the edit
    assert "return a + b" in _calc(lp)  # ... and it was written through for the test run
    (edit,) = [e for e in lp.editor.edits if e.label == "tierwise: edit calc.py"]
    (doc_edit,) = edit.edit.document_changes
    assert doc_edit.text_document.version == 1  # the version the engine read
    assert [e.new_text for e in doc_edit.edits] == ["+"]  # minimal edit: one character

    _, final = await lp.run("testFix", {"taskId": task_id})
    assert (final["state"], final["phase"], final["nextPhase"]) == ("ready", "fix", "review")
    assert (final["tier"], final["model"]) == (None, None)  # the tests passed: no model call in this phase
    listed = (await execute(lp.client, "tierwise.status"))["tasks"]
    assert [(t["status"], t["next_phase"]) for t in listed if t["id"] == task_id] == [("ready", "review")]

    _, final = await lp.run("review", {})  # latest task
    assert final["state"] == "done" and final["phase"] == "review" and final["nextPhase"] is None
    assert (final["tier"], final["model"]) == ("frontier", "openai/replay-frontier")  # not the last new tier
    diagnostics = await wait_for(lambda: lp.client.diagnostics.get(calc))
    (diag,) = diagnostics
    assert diag.source == "tierwise" and diag.message == "add() has no docstring."
    assert (diag.range.start.line, diag.range.end.line) == (0, 1)

    # the finding's quick fix applies the reviewer's suggestion without a model call
    calls_before = len(lp.requests())
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=calc),
        range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag]),
    )
    actions = await code_actions(lp.client, params)
    titles = [a["title"] for a in actions]
    assert titles[0] == "Apply reviewer's suggestion (tierwise)"
    assert "Fix with tierwise (light: openai/replay-light)" in titles
    picked = lp.client.protocol._converter.structure(actions[0], types.CodeAction)
    resolved = await lp.client.code_action_resolve_async(picked)
    assert len(lp.requests()) == calls_before
    assert resolved.edit is None  # applied by the action's command, through workspace/applyEdit
    await execute(lp.client, resolved.command.command, resolved.command.arguments[0])
    assert '"""Sum of a and b."""' in lp.editor.text(calc)
    assert _calc(lp) == lp.editor.text(calc)  # saved: the buffer had no unsaved changes
    await wait_for(lambda: len(lp.client.diagnostics[calc]) == 0)  # the edit touched the flagged lines

    status = await execute(lp.client, "tierwise.status", {"taskId": task_id})
    assert status["task"]["completed_phases"] == ["plan", "refine", "implement", "fix", "review"]
    cache = status["cache"]  # the prompt cache per phase and tier, from the ledger
    assert cache["calls"] == 4 and cache["promptTokens"] > 0 and 0 <= cache["hitRate"] <= 1
    assert set(cache["byPhaseTier"]) == {"plan/frontier", "implement/mid", "review/frontier", "refine/light"}
    cost = await execute(lp.client, "tierwise.cost", {"taskId": task_id})
    assert cost["calls"] == 4 and cost["savedUsd"] > 0
    assert set(cost["byTier"]) == {"frontier", "light", "mid"}

    # the suggestion changed calc.py after the task: undo refuses, naming it, unless forced
    with pytest.raises(Exception, match="calc.py was changed after the task edited it"):
        await execute(lp.client, "tierwise.undo", {"taskId": task_id})
    lp.editor.close(calc)
    undone = await execute(lp.client, "tierwise.undo", {"taskId": task_id, "force": True})
    assert undone["restored"] == ["calc.py"]
    assert "return a - b" in _calc(lp)


async def test_run_asks_before_implementing_and_publishes_findings(lp: Loop):
    await lp.use(s.loop_script())
    task_id, final = await lp.run("run", {"task": "Fix add() in calc.py: it subtracts"})
    assert final["state"] == "done", final
    assert lp.questions and "Implement this plan?" in lp.questions[-1]
    assert "return a + b" in _calc(lp)
    diagnostics = await wait_for(lambda: lp.client.diagnostics.get(lp.uri("calc.py")))
    assert diagnostics[0].source == "tierwise"
    status = await execute(lp.client, "tierwise.status", {"taskId": task_id})
    assert status["task"]["status"] == "done" and status["running"] == []


async def test_run_stops_when_the_plan_is_not_approved(lp: Loop):
    await lp.use(s.loop_script())
    lp.answer_confirm = "No"
    task_id, final = await lp.run("run", {"task": "Fix add() in calc.py: it subtracts"})
    assert final["state"] == "cancelled"
    assert "return a - b" in _calc(lp)
    assert [r["model"] for r in lp.requests()] == ["replay-frontier", "replay-light"]
    assert (await execute(lp.client, "tierwise.status", {"taskId": task_id}))["task"]["status"] == "cancelled"


async def test_a_missing_key_and_a_reached_budget_are_shown_to_the_user(lp: Loop):
    from lsp_helpers import TEST_KEY

    await lp.use(s.loop_script(), tiers={"frontier": {"api_key_env": "TIERWISE_UNSET_TEST_KEY"}})
    shown = len(lp.client.messages)
    task_id, final = await lp.run("plan", {"task": TASK_TEXT})
    assert final["state"] == "failed"
    error = next(m for m in lp.client.messages[shown:] if m.type == types.MessageType.Error)
    assert "TIERWISE_UNSET_TEST_KEY" in error.message
    assert lp.requests() == []

    await lp.use(s.loop_script(), budget={"per_task_usd": 0.0000001})
    shown = len(lp.client.messages)
    task_id, final = await lp.run("plan", {"task": TASK_TEXT})
    assert final["state"] == "budget_stopped"
    warning = next(m for m in lp.client.messages[shown:] if "budget" in m.message.lower())
    assert warning.type in (types.MessageType.Warning, types.MessageType.Error)
    everything = [m.message for m in lp.client.messages + lp.client.log_messages] + [
        str(st) for st in lp.editor.status
    ]
    assert not any(TEST_KEY in text for text in everything)  # the key never reaches the user's screen


async def test_an_unrunnable_test_command_stops_run_before_any_model_call(lp: Loop):
    await lp.use(s.loop_script(), loop={"test_command": "no-such-test-cmd -q"})
    shown = len(lp.client.messages)
    task_id, final = await lp.run("run", {"task": "Fix add() in calc.py: it subtracts"})
    assert final["state"] == "failed", final
    error = next(m for m in lp.client.messages[shown:] if "no-such-test-cmd" in m.message)
    assert error.type == types.MessageType.Error and "not found" in error.message
    assert lp.requests() == []  # checked before the first paid call
    assert "return a - b" in _calc(lp)

"""The loop's phases through the Engine facade, with scripted models and a Python "test command"."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from engine_support import CheckCommands, RecordingUI, ScriptedModels, make_engine, plan_text, write_files

from tierwise.config.model import Config
from tierwise.engine import DiagnosticInfo
from tierwise.engine.undo import FileChangedSinceTask
from tierwise.gateway.types import BudgetExceeded

BUGGY = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
PLAN = plan_text("- modify `calc.py`: make add() return the sum")
GOOD_EDIT = "calc.py\n<<<<<<< SEARCH\ndef add(a, b):\n    return a - b\n=======\ndef add(a, b):\n    return a + b\n>>>>>>> REPLACE\n"
BAD_EDIT = "calc.py\n<<<<<<< SEARCH\ndef add(x, y):\n    return x * y\n=======\ndef add(a, b):\n    return a + b\n>>>>>>> REPLACE\n"
REVIEW = """# Review

Summary: add() is fixed.

## Finding: calc.py:5-6 info
Message: sub() has no docstring.
Suggestion:
calc.py
<<<<<<< SEARCH
def sub(a, b):
    return a - b
=======
def sub(a, b):
    \"\"\"a minus b.\"\"\"
    return a - b
>>>>>>> REPLACE
"""


def calc_check(root: Path, command: str) -> tuple[int, str]:
    """'Tests' pass when add() adds; the output names the failing test like pytest does."""
    text = (root / "calc.py").read_text()
    if "return a + b" in text:
        return 0, "1 passed in 0.01s"
    wrong = "a - b" if "return a - b\n\n\ndef sub" in text else "something else"
    return 1, (
        "F\n=== FAILURES ===\n___ test_add ___\n"
        "    def test_add():\n>       assert add(2, 3) == 5\n"
        f"E       assert {wrong} == 5\n"
        "test_calc.py:4: AssertionError\n"
        "FAILED test_calc.py::test_add - AssertionError\n1 failed in 0.02s"
    )


def config(**loop: object) -> Config:
    return Config.model_validate({"loop": {"test_command": "pytest -q", **loop}})


def setup(workspace: Path) -> None:
    write_files(workspace, {"calc.py": BUGGY, "test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n"})


async def test_full_run_writes_every_artifact(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN], "refine": [PLAN], "implement": [GOOD_EDIT], "review": [REVIEW]})
    ui = RecordingUI()
    commands = CheckCommands(calc_check)
    engine = make_engine(workspace, models, ui=ui, commands=commands, config=config())
    state = await engine.run("Fix add()")
    assert state.status == "done", state.message
    assert state.tests_passed is True
    assert "return a + b" in (workspace / "calc.py").read_text()
    assert models.actions() == ["plan", "refine", "implement", "review"]
    assert [c.tier for c in models.calls] == ["frontier", "light", "mid", "frontier"]
    assert ui.questions == ["Implement this plan?"] and ui.shown == [state.plan_path]
    folder = workspace / ".tierwise" / "tasks" / state.id
    assert (workspace / ".tierwise" / ".gitignore").read_text() == "*\n"
    for name in ("task.json", "PLAN.md", "REVIEW.md", "usage.jsonl", "replies/plan.1.md", "replies/implement.1.0.r0.md",
                 "edits/implement.1.0.r0.json", "tests/run1-round-0-start-test.log"):
        assert (folder / name).is_file(), name
    saved = json.loads((folder / "task.json").read_text())
    assert saved["status"] == "done" and saved["completed_phases"] == ["plan", "refine", "implement", "fix", "review"]
    assert state.findings and state.findings[0].path == "calc.py" and state.findings[0].line == 5
    assert state.calls == 4 and state.cost_usd > 0 and state.saved_usd > 0
    assert len(engine.usage(state.id)) == 4
    assert engine.status() == state and engine.tasks() == [state]
    # implement's prompt carried the plan and the file; review's prompt carried the diff
    assert "make add() return the sum" in models.calls[2].prompt and "return a - b" in models.calls[2].prompt
    assert "+    return a + b" in models.calls[3].prompt

    reports = await engine.apply_findings(state.id)
    assert reports[0].all_applied
    assert '"""a minus b."""' in (workspace / "calc.py").read_text()


async def test_invalid_plan_is_sent_back_once_with_the_errors(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": ["# Plan\n## Goal and user requirements\nx\n", PLAN]})
    engine = make_engine(workspace, models, config=config())
    state = await engine.plan("Fix add()")
    assert state.status == "ready" and state.is_complete("plan")
    assert len(models.calls) == 2
    resend = models.calls[1].messages[-1].content
    assert "missing section '## Constraints'" in resend and "missing section '## Files'" in resend
    assert models.calls[1].messages[-2].role == "assistant"


async def test_plan_invalid_twice_is_reported(workspace: Path) -> None:
    setup(workspace)
    outside = plan_text("- modify `../elsewhere.py`: no")
    models = ScriptedModels({"plan": [outside, outside]})
    ui = RecordingUI()
    engine = make_engine(workspace, models, ui=ui, config=config())
    state = await engine.plan("Fix add()")
    assert state.status == "failed" and state.error_type == "PlanInvalid"
    assert "outside the workspace" in (state.message or "")
    assert ui.notices and ui.notices[-1][0] == "error"


async def test_refused_block_goes_back_with_the_reason_then_applies(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN], "implement": [BAD_EDIT, GOOD_EDIT]})
    engine = make_engine(workspace, models, config=config())
    state = await engine.run("Fix add()", phases=["plan", "implement"])
    assert state.status == "done" and state.refused_files == []
    retry = models.calls[2].messages
    assert [m.role for m in retry[-2:]] == ["assistant", "user"]
    assert "not applied" in retry[-1].content and "The current content of `calc.py`" in retry[-1].content
    assert "return a + b" in (workspace / "calc.py").read_text()


async def test_refusals_are_bounded_per_file(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN], "implement": [BAD_EDIT, "no blocks here", BAD_EDIT]})
    ui = RecordingUI()
    engine = make_engine(workspace, models, ui=ui, config=config(implement_rounds=2))
    state = await engine.run("Fix add()", phases=["plan", "implement"])
    assert models.actions().count("implement") == 3
    assert state.refused_files == ["calc.py"]
    assert (workspace / "calc.py").read_text() == BUGGY
    assert "contained no edit blocks" in models.calls[3].messages[-1].content
    assert any("still refused" in m for _, m in ui.notices)


def _fix_config(**extra: object) -> Config:
    return Config.model_validate({"loop": {"test_command": "pytest -q", **extra.pop("loop", {})},  # type: ignore[dict-item]
                                  "routes": {"fix": {"tiers": ["light", "mid", "frontier"], "escalate_after": 1}},
                                  **extra})


WRONG_FIX = "calc.py\n<<<<<<< SEARCH\n    return a - b\n\n\ndef sub\n=======\n    return a * b\n\n\ndef sub\n>>>>>>> REPLACE\n"
RIGHT_FIX = "calc.py\n<<<<<<< SEARCH\ndef add(a, b):\n    return a * b\n=======\ndef add(a, b):\n    return a + b\n>>>>>>> REPLACE\n"


async def test_fix_escalates_to_the_next_tier_after_a_failed_round(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"fix": [WRONG_FIX, RIGHT_FIX]}, config=_fix_config())
    commands = CheckCommands(calc_check)
    engine = make_engine(workspace, models, commands=commands)
    state = await engine.test_fix()
    assert state.tests_passed is True and state.task == "Make the failing checks pass"
    assert [(c.action, c.tier) for c in models.calls] == [("fix", "light"), ("fix", "mid")]
    # failing test re-run first (pytest node id), then the full suite
    assert commands.runs == ["pytest -q", "pytest -q test_calc.py::test_add", "pytest -q test_calc.py::test_add",
                             "pytest -q"]
    assert "assert a - b == 5" in models.calls[0].prompt and "Fix round 1 (tier: light)" in models.calls[0].prompt
    # round 2 extends round 1's conversation (its whole request is the new request's prefix), then the answer,
    # then only the varying part of the fix prompt with the new round's values
    first, second = models.calls[0].messages, models.calls[1].messages
    assert second[: len(first)] == first
    assert second[len(first)].role == "assistant" and second[len(first)].content == WRONG_FIX
    assert second[-1].content.startswith("Fix round 2 (tier: mid)") and len(second) == len(first) + 2
    assert first[0].role == "system" and first[1].cache_break  # the shared task prefix comes first


async def test_fix_stops_early_when_the_same_failure_repeats_on_the_top_tier(workspace: Path) -> None:
    setup(workspace)
    def comment(before: str, after: str) -> str:
        return f"calc.py\n<<<<<<< SEARCH\ndef sub(a, b):{before}\n=======\ndef sub(a, b):{after}\n>>>>>>> REPLACE\n"

    replies = [comment("", "  # one"), comment("  # one", "  # two"), comment("  # two", "  # three")]
    models = ScriptedModels({"fix": replies}, config=_fix_config(loop={"fix_rounds": 4}))
    engine = make_engine(workspace, models, commands=CheckCommands(calc_check))
    state = await engine.test_fix()
    assert state.tests_passed is False
    assert [c.tier for c in models.calls] == ["light", "mid", "frontier"]
    assert state.fix.stopped_reason == "the same failure repeated unchanged on the strongest tier"
    assert state.fix.round == 3


async def test_fix_rounds_are_bounded(workspace: Path) -> None:
    setup(workspace)
    counter = {"n": 0}

    def changing(root: Path, command: str) -> tuple[int, str]:
        counter["n"] += 1
        return 1, f"FAILED test_calc.py::test_add - AssertionError: variant {counter['n']}\n"

    models = ScriptedModels({"fix": ["no edit"] * 5}, config=_fix_config(loop={"fix_rounds": 2}))
    engine = make_engine(workspace, models, commands=CheckCommands(changing))
    state = await engine.test_fix()
    assert state.tests_passed is False and len(models.calls) == 2
    assert state.fix.stopped_reason == "still failing after 2 fix rounds"
    assert "still failing" in (state.message or "")


async def test_fix_may_not_edit_tests(workspace: Path) -> None:
    setup(workspace)
    cheat = ("test_calc.py\n<<<<<<< SEARCH\n    assert add(2, 3) == 5\n=======\n    assert add(2, 3) == -1\n"
             ">>>>>>> REPLACE\n")
    models = ScriptedModels({"fix": [cheat, RIGHT_FIX.replace("a * b", "a - b")]},
                            config=_fix_config(loop={"fix_rounds": 2}))
    engine = make_engine(workspace, models, commands=CheckCommands(calc_check))
    state = await engine.test_fix()
    assert state.tests_passed is True
    assert "== 5" in (workspace / "test_calc.py").read_text()
    report = json.loads((workspace / ".tierwise/tasks" / state.id / "edits/fix.1.1.json").read_text())
    assert "is a test file" in report["retry_message"]


async def test_budget_stop_then_resume_without_repeating_calls(workspace: Path) -> None:
    setup(workspace)
    stop = BudgetExceeded("per-task budget of $0.01 reached", scope="task", limit_usd=0.01, spent_usd=0.01)
    models = ScriptedModels({"plan": [PLAN], "refine": [PLAN], "implement": [stop]})
    engine = make_engine(workspace, models, commands=CheckCommands(calc_check), config=config())
    state = await engine.run("Fix add()", phases=["plan", "refine", "implement", "fix"])
    assert state.status == "budget_stopped" and state.phase == "implement"
    assert f"tierwise run --resume {state.id}" in (state.message or "")
    more = ScriptedModels({"implement": [GOOD_EDIT]}, config=config())
    resumed = await make_engine(workspace, more, commands=CheckCommands(calc_check)).run("", resume=state.id)
    assert resumed.status == "done" and resumed.tests_passed is True
    assert more.actions() == ["implement"]


async def test_crash_after_a_reply_is_stored_reuses_it(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN], "implement": [GOOD_EDIT]}, config=config())
    engine = make_engine(workspace, models, commands=CheckCommands(calc_check))

    async def crash(changes: object) -> object:
        raise RuntimeError("power cut")

    engine.ctx.files.apply = crash  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="power cut"):
        await engine.run("Fix add()", phases=["plan", "implement", "fix"])
    task_id = engine.tasks()[0].id
    assert engine.status(task_id).status == "failed"  # type: ignore[union-attr]
    fresh = ScriptedModels(config=config())  # no replies: any call would fail the test
    resumed = await make_engine(workspace, fresh, commands=CheckCommands(calc_check)).run("", resume=task_id)
    assert resumed.status == "done" and resumed.tests_passed is True
    assert fresh.calls == []


async def test_cancelling_marks_the_task_resumable(workspace: Path) -> None:
    setup(workspace)
    started = asyncio.Event()

    models = ScriptedModels({"plan": [PLAN]}, config=config())
    original = models.complete

    async def slow_complete(action: str, messages: object, **kw: object) -> object:
        if action == "implement":
            started.set()
            await asyncio.sleep(3600)
        return await original(action, messages, **kw)  # type: ignore[arg-type]

    models.complete = slow_complete  # type: ignore[method-assign]
    engine = make_engine(workspace, models, commands=CheckCommands(calc_check))
    job = asyncio.create_task(engine.run("Fix add()", phases=["plan", "implement"]))
    await asyncio.wait_for(started.wait(), 10)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    state = engine.tasks()[0]
    assert state.status == "resumable" and state.phase == "implement" and state.is_complete("plan")
    assert state.message == f"cancelled during implement; resume with: tierwise run --resume {state.id}"
    assert (workspace / "calc.py").read_text() == BUGGY


async def test_a_clean_stop_between_phases_is_ready_and_names_the_next_phase(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN], "refine": [PLAN]}, config=config())
    engine = make_engine(workspace, models)
    state = await engine.plan("Fix add()")
    assert (state.status, state.message, state.next_phase()) == ("ready", "plan finished; next: refine", "refine")
    state = await engine.refine(state.id)
    assert (state.status, state.message) == ("ready", "refine finished; next: implement")
    assert engine.status(state.id).status == "ready"  # type: ignore[union-attr]
    # a skipped phase is not suggested again: plan then implement goes on with fix
    skipping = make_engine(workspace, ScriptedModels({"plan": [PLAN], "implement": [GOOD_EDIT]}, config=config()))
    state = await skipping.plan("Fix add() quickly")
    state = await skipping.implement(state.id)
    assert (state.status, state.message) == ("ready", "implement finished; next: fix")
    # only the requested phases count: a run of plan alone is done after it
    only = await make_engine(workspace, ScriptedModels({"plan": [PLAN]}, config=config())).run(
        "Plan only", phases=["plan"], approve=False
    )
    assert (only.status, only.message) == ("done", None)


async def test_the_state_names_the_tier_of_the_phase_s_last_model_call(workspace: Path) -> None:
    """tiers_used lists each tier once, in first-use order; drivers show the tier the phase actually ran on."""
    setup(workspace)
    multiply = GOOD_EDIT.replace("return a + b", "return a * b")  # still wrong: the fix phase has work
    models = ScriptedModels({"plan": [PLAN], "refine": [PLAN], "implement": [multiply], "fix": [RIGHT_FIX]},
                            config=_fix_config())
    engine = make_engine(workspace, models, commands=CheckCommands(calc_check))
    state = await engine.run("Fix add()", phases=["plan", "refine", "implement"], approve=False)
    assert state.tiers_used == ["frontier", "light", "mid"] and (state.last_tier, state.last_model) == ("mid", "fake-mid")
    state = await engine.test_fix(state.id)
    assert state.tests_passed is True and (state.last_tier, state.last_model) == ("light", "fake-light")
    state = await engine.test_fix(state.id)  # the tests pass at once: no model call in this run
    assert state.tests_passed is True and (state.last_tier, state.last_model) == (None, None)


def test_a_task_saved_before_ready_existed_reads_as_ready() -> None:
    from tierwise.engine.state import TaskState

    old = TaskState.model_validate(
        {"id": "t", "task": "x", "phase": "plan", "status": "resumable", "completed_phases": ["plan"]}
    )
    assert (old.status, old.message) == ("ready", "plan finished; next: refine")
    cancelled = TaskState.model_validate(
        {"id": "t", "task": "x", "status": "resumable", "message": "cancelled during plan; resume with: …"}
    )
    assert cancelled.status == "resumable"


async def test_declined_plan_is_not_implemented(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN]}, config=config())
    engine = make_engine(workspace, models, ui=RecordingUI(answer=False))
    state = await engine.run("Fix add()", phases=["plan", "implement"])
    assert state.status == "cancelled" and "plan not approved" in (state.message or "")
    assert (workspace / "calc.py").read_text() == BUGGY
    models.add("implement", GOOD_EDIT)
    resumed = await make_engine(workspace, models, ui=RecordingUI(answer=True)).run("", resume=state.id)
    assert resumed.status == "done" and "a + b" in (workspace / "calc.py").read_text()


async def test_user_edited_plan_is_read_and_revalidated(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN], "implement": [GOOD_EDIT]}, config=config())
    engine = make_engine(workspace, models)
    state = await engine.plan("Fix add()")
    plan_file = workspace / state.plan_path  # type: ignore[operator]
    plan_file.write_text(PLAN.replace("make add() return the sum", "HAND-EDITED: make add() add"))
    state = await engine.implement(state.id)
    assert "HAND-EDITED" in models.calls[-1].prompt
    plan_file.write_text("# broken\n")
    state = await engine.implement(state.id)
    assert state.status == "failed" and "missing section" in (state.message or "")


async def test_undo_without_checkpoint_port_and_its_refusal(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN], "implement": [GOOD_EDIT]}, config=config())
    engine = make_engine(workspace, models)
    state = await engine.run("Fix add()", phases=["plan", "implement"])
    (workspace / "calc.py").write_text((workspace / "calc.py").read_text() + "# mine\n")
    with pytest.raises(FileChangedSinceTask, match="calc.py"):
        await engine.undo(state.id)
    assert await engine.undo(state.id, force=True) == ["calc.py"]
    assert (workspace / "calc.py").read_text() == BUGGY


async def test_quick_fix_uses_a_matching_finding_then_the_model(workspace: Path) -> None:
    setup(workspace)
    models = ScriptedModels({"plan": [PLAN], "implement": [GOOD_EDIT], "review": [REVIEW]}, config=config())
    engine = make_engine(workspace, models)
    await engine.run("Fix add()", phases=["plan", "implement", "review"])
    calls = len(models.calls)
    diag = DiagnosticInfo(message="sub() has no docstring.", start_line=5, end_line=5, severity="info")
    changes = await engine.quick_fix("calc.py", diag)
    assert len(models.calls) == calls and len(changes) == 1
    assert '"""a minus b."""' in (changes[0].new_text or "")
    assert (workspace / "calc.py").read_text().count('"""') == 0  # not applied by the engine
    models.add("quickfix", "calc.py\n<<<<<<< SEARCH\ndef sub(a, b):\n=======\ndef sub(a: int, b: int) -> int:\n>>>>>>> REPLACE\n")
    other = DiagnosticInfo(message="missing type hints", start_line=5, end_line=6)
    changes = await engine.quick_fix("calc.py", other)
    assert models.calls[-1].action == "quickfix" and "missing type hints" in models.calls[-1].prompt
    assert "def sub(a: int, b: int) -> int:" in (changes[0].new_text or "")


async def test_lint_runs_after_the_tests_and_its_failures_are_fixed(workspace: Path) -> None:
    write_files(workspace, {"calc.py": BUGGY.replace("a - b\n\n\ndef sub", "a + b\n\n\ndef sub") + "import os\n",
                            "test_calc.py": "def test_x():\n    pass\n"})

    def checks(root: Path, command: str) -> tuple[int, str]:
        if command == "lint":
            unused = "import os" in (root / "calc.py").read_text()
            return (1, "calc.py:7:1: F401 [*] `os` imported but unused\nFound 1 error.\n") if unused else (0, "ok\n")
        return calc_check(root, command)

    unused_fix = "calc.py\n<<<<<<< SEARCH\nimport os\n=======\n>>>>>>> REPLACE\n"
    models = ScriptedModels({"fix": [unused_fix]}, config=config(lint_command="lint"))
    commands = CheckCommands(checks)
    state = await make_engine(workspace, models, commands=commands).test_fix()
    assert state.tests_passed is True
    assert commands.runs == ["pytest -q", "lint", "pytest -q", "lint"]
    assert "F401" in models.calls[0].prompt and "`lint` failed" in models.calls[0].prompt
    assert "import os" not in (workspace / "calc.py").read_text()


async def test_long_logs_are_summarized_or_trimmed(workspace: Path) -> None:
    setup(workspace)
    noise = "".join(f"tests/test_{i}.py::test_ok PASSED\n" for i in range(400))

    def noisy(root: Path, command: str) -> tuple[int, str]:
        code, output = calc_check(root, command)
        return code, noise + output if code else output

    models = ScriptedModels({"summarize": ["SUMMARY: test_add fails, add() subtracts"], "fix": [GOOD_EDIT]},
                            config=config(max_log_chars=2000))
    state = await make_engine(workspace, models, commands=CheckCommands(noisy)).test_fix()
    assert state.tests_passed is True
    assert models.actions() == ["summarize", "fix"] and models.calls[0].tier == "local"
    assert "SUMMARY: test_add fails" in models.calls[1].prompt and "test_399" not in models.calls[1].prompt

    from tierwise.gateway.types import NoModelConfigured

    (workspace / "calc.py").write_text(BUGGY)
    models = ScriptedModels({"summarize": [NoModelConfigured("no local model")], "fix": [GOOD_EDIT]},
                            config=config(max_log_chars=2000))
    state = await make_engine(workspace, models, commands=CheckCommands(noisy)).test_fix()
    assert state.tests_passed is True
    prompt = models.calls[1].prompt
    assert "assert a - b == 5" in prompt and len(prompt) < 12_000


async def test_unreadable_plan_file_is_skipped_and_reported(workspace: Path) -> None:
    setup(workspace)
    (workspace / "data.bin").write_bytes(b"\x00\x01\x02binary")
    plan = plan_text("- modify `data.bin`: no\n- modify `calc.py`: make add() return the sum")
    models = ScriptedModels({"plan": [plan], "implement": [GOOD_EDIT]}, config=config())
    ui = RecordingUI()
    state = await make_engine(workspace, models, ui=ui).run("Fix add()", phases=["plan", "implement"])
    assert state.status == "done" and state.refused_files == ["data.bin"]
    assert any("data.bin: skipped" in m for _, m in ui.notices)
    assert "return a + b" in (workspace / "calc.py").read_text()

"""Phase 4, test and self-heal: run the checks, and on failure ask the fix ladder for chunked edits.

Rules (docs/loop.md explains them for users):
- checks are the test command (configured or detected) and then the lint command, when configured;
- after a fix round the failing tests are re-run first (when the runner can select tests), then the full
  suite and lint; success is declared only after a full run passes;
- at most ``loop.fix_rounds`` rounds; a rung of the ladder gets ``escalate_after`` failed rounds, then the
  next (stronger) tier takes over;
- when a round leaves the same failure unchanged (same signature), the tier is not making progress: the
  loop escalates at once, and stops early when there is no stronger tier left;
- fix edits may not touch test files or other test infrastructure unless the plan lists them (a test is
  never "fixed" away; ``tierwise.testinfra`` defines test infrastructure, ``engine.guards`` the rule).

Reading the workspace to detect the command, writing logs and parsing or trimming them (up to 2 MB) run in
worker threads (``asyncio.to_thread``), so a language server's event loop keeps answering meanwhile.
- rounds extend one conversation (the previous rounds' prompts and answers stay, the new round's failure
  is appended), so each round repeats the previous request as its prefix and a provider's cache serves
  it; past ``CONVERSATION_BUDGET_TOKENS`` the conversation starts over from the full prompt.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass

from tierwise.engine.changed import changed_lines, log_lines, plain_lines
from tierwise.engine.commands import (
    NoTestCommand,
    ProtectedFilesChanged,
    masked_result,
    protected_message,
    record_commands,
    verify_commands,
)
from tierwise.engine.context import estimate_tokens, files_section, read_conventions, read_documents
from tierwise.engine.editing import Gate
from tierwise.engine.guards import infra_gates
from tierwise.engine.packs import compact_views, related_code, trace_names
from tierwise.engine.plan import task_prefix
from tierwise.engine.planfile import Plan
from tierwise.engine.ports import CommandResult
from tierwise.engine.prompts import EDIT_FORMAT, render_prompt, varying_tail, without_repeats
from tierwise.engine.review import task_diff
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState
from tierwise.engine.steps import apply_step
from tierwise.gateway.types import Message, ModelCallFailed, NoModelConfigured
from tierwise.runner import parse_failures, rerun_command, trim_log
from tierwise.testinfra import is_test_file

__all__ = ["NoTestCommand", "fix_gate", "is_test_file", "run_testfix"]

FILES_BUDGET_TOKENS = 8000
CONVERSATION_BUDGET_TOKENS = 32_000


@dataclass(frozen=True)
class Check:
    kind: str  # "test" | "lint"
    command: str


@dataclass(frozen=True)
class Failure:
    check: Check
    result: CommandResult
    failing_tests: list[str]
    files: list[str]
    signature: str
    summary: str


def fix_gate(plan: Plan | None) -> Gate:
    """The block gate of fix replies (whole test-infrastructure files the plan does not list)."""
    return infra_gates(plan, "fix")[0]


def checks_for(ctx: PhaseContext, state: TaskState) -> list[Check]:
    """The task's recorded checks (resolved and checked now if the task has none recorded yet)."""
    record_commands(ctx, state, require=True)
    if not state.test_command:
        raise NoTestCommand(
            f"no test command: set loop.test_command in .tierwise.toml (none could be detected in {ctx.root})"
        )
    checks = [Check("test", state.test_command)]
    if state.lint_command:
        checks.append(Check("lint", state.lint_command))
    return checks


def _signature(result: CommandResult, parsed_signature: str) -> str:
    if parsed_signature:
        return parsed_signature
    tail = "\n".join(result.output.strip().splitlines()[-20:])
    tail = re.sub(r"\d+(\.\d+)?s\b", "<t>", tail)
    return "raw:" + hashlib.sha256(tail.encode()).hexdigest()[:16]


async def _run(ctx: PhaseContext, state: TaskState, check: Check, command: str, label: str) -> CommandResult:
    assert ctx.commands is not None
    ctx.progress(state, "fix", f"running {check.kind}: {command}")
    raw = await ctx.commands.run(command, cwd=ctx.root, timeout_s=ctx.config.loop.test_timeout_s)
    # keys masked once, here, before the output is stored, parsed, summarized, shown or sent to a model
    result = await asyncio.to_thread(masked_result, ctx.config, raw)
    status = "passed" if result.passed else f"failed (exit {result.exit_code})"
    if result.protected_changes:
        status = f"changed protected files (exit {result.exit_code}; they were put back)"
    await asyncio.to_thread(ctx.store.write, state.id, f"tests/{label}.log", f"$ {command}\n{result.output}\n[{status}]\n")
    ctx.progress(state, "fix", f"{check.kind} {status} in {result.duration_s:.1f}s")
    if result.protected_changes:  # already put back by the runner; the run's verdict cannot be trusted
        state.protected_changes = [*state.protected_changes, *result.protected_changes]
        state.tests_passed = False
        raise ProtectedFilesChanged(protected_message(check.kind, command, result.protected_changes))
    return result


async def run_checks(ctx: PhaseContext, state: TaskState, checks: list[Check], label: str) -> Failure | None:
    """Run every check in order; the first failure, or None when all pass. The commands are verified
    unchanged first (``CommandsChanged`` stops the task)."""
    verify_commands(ctx, state)
    for check in checks:
        result = await _run(ctx, state, check, check.command, f"{label}-{check.kind}")
        if not result.passed:
            return await _failure(ctx, check, result)
    return None


async def _failure(ctx: PhaseContext, check: Check, result: CommandResult, tests: list[str] | None = None) -> Failure:
    """Parse a failed run's output in a worker thread (large logs take a while)."""

    def parse() -> Failure:
        report = parse_failures(result.output, ctx.root)
        return Failure(check, result, report.failing_tests or (tests or []), report.files,
                       _signature(result, report.signature), report.summary)

    return await asyncio.to_thread(parse)


async def _log_for_model(ctx: PhaseContext, state: TaskState, failure: Failure, round_no: int) -> str:
    limit = ctx.config.loop.max_log_chars
    output = failure.result.output
    if len(output) <= limit:
        return output.strip()
    trimmed = await asyncio.to_thread(trim_log, output, limit)
    try:
        longer = await asyncio.to_thread(trim_log, output, limit * 4)
        messages = render_prompt(
            "summarize",
            {"command": failure.check.command, "log": longer, "max_chars": limit},
            ctx.root,
        )
        step = f"fix/{state.run_of('fix')}/{round_no}/summarize"
        reply = await ctx.call(state, "fix", step, "summarize", messages, round=round_no)
    except (NoModelConfigured, ModelCallFailed):
        return trimmed
    summary = reply.text.strip()
    return summary if 0 < len(summary) <= limit else trimmed


async def _fix_round(ctx: PhaseContext, state: TaskState, plan_text: str, plan: Plan | None,
                     failure: Failure, round_no: int, tier: str, conversation: list[Message] | None = None,
                     refused: str = "") -> tuple[list[Message], str]:
    """Ask ``tier`` for a fix and apply it; returns the conversation so far (the next round extends it) and
    the refusals to send back with the next round (``refused``: those of the previous round)."""
    involved = [*failure.files, *(plan.paths(include_deleted=False) if plan else []), *state.touched_files]
    log = await _log_for_model(ctx, state, failure, round_no)
    focus = [*trace_names(log), *failure.failing_tests]
    marked = changed_lines(await task_diff(ctx, state))
    for path, lines in log_lines(log, involved).items():
        marked[path] = sorted({*marked.get(path, []), *lines})
    views = await compact_views(ctx, state, list(dict.fromkeys(involved)), marked, focus, "fix", "fix",
                                why="the definitions this task changed and those the output points at, whole and "
                                    "as they are now", mark_names=trace_names(log), numbers=False)
    if views is None:
        docs = [d for d in await read_documents(ctx.files, involved) if d.text is not None]
        views = files_section(docs, FILES_BUDGET_TOKENS) if docs else "(no project file identified)"
    prefix = await task_prefix(ctx, state, plan_text or "(no plan: make the failing checks pass)")
    variables = {
        "task": state.task,
        "plan": plan_text or "(no plan: make the failing checks pass)",
        "test_command": failure.check.command,
        "failing_tests": ", ".join(failure.failing_tests) or failure.summary,
        "log": log + (
            f"\n\n[tierwise] Blocks of your previous fix answer were not applied:\n{refused}" if refused else ""),
        "files": views,
        "context": without_repeats(await related_code(ctx, state, "fix", traceback_files=failure.files, focus=focus,
                                                      extra=" ".join(failure.failing_tests)),
                                   prefix["context"] + "\n" + plain_lines(views)),
        "round": round_no,
        "tier": tier,
        "edit_format": EDIT_FORMAT,
        "conventions": await read_conventions(ctx.files),
    }
    full = render_prompt("fix", variables, ctx.root, prefix=prefix)
    messages = full
    if conversation and estimate_tokens("".join(m.content for m in conversation)) < CONVERSATION_BUDGET_TOKENS:
        messages = [*conversation, *varying_tail(full)]
    step = f"fix/{state.run_of('fix')}/{round_no}"
    reply = await ctx.call(state, "fix", step, "fix", messages, tier=tier, round=round_no)
    gate, change_gate = infra_gates(plan, "fix")
    report = await apply_step(ctx, state, step, reply.text, gate=gate, change_gate=change_gate)
    if report.refused or not report.blocks:
        ctx.progress(state, "fix", f"round {round_no}: {len(report.refused)} blocks refused", round=round_no)
    return [*messages, Message(role="assistant", content=reply.text or "(no answer)")], report.retry_message


async def _after_fix(ctx: PhaseContext, state: TaskState, checks: list[Check], failure: Failure,
                     round_no: int) -> Failure | None:
    """Re-run the failing tests first, then everything."""
    verify_commands(ctx, state)
    if failure.check.kind == "test":
        focused = rerun_command(failure.check.command, failure.failing_tests)
        if focused and focused != failure.check.command:
            result = await _run(ctx, state, failure.check, focused, f"run{state.run_of('fix')}-round-{round_no}-failing")
            if not result.passed:
                return await _failure(ctx, failure.check, result, failure.failing_tests)
    return await run_checks(ctx, state, checks, f"run{state.run_of('fix')}-round-{round_no}-full")


async def run_testfix(ctx: PhaseContext, state: TaskState, plan_text: str, plan: Plan | None) -> bool:
    """Run the bounded test-and-fix loop; True when every check passes at the end."""
    if ctx.commands is None:
        raise NoTestCommand("no command runner is available to run the tests")
    checks = await asyncio.to_thread(checks_for, ctx, state)
    ctx.save(state)
    progress = state.fix
    ladder = ctx.models.ladder("fix")
    escalate_after = ctx.models.escalate_after("fix")
    failure = await run_checks(ctx, state, checks, f"run{state.run_of('fix')}-round-{progress.round}-start")
    max_rounds = ctx.config.loop.fix_rounds
    refused = ""
    conversation: list[Message] | None = None
    while failure is not None:
        if progress.round >= max_rounds:
            progress.stopped_reason = f"still failing after {max_rounds} fix rounds"
            break
        round_no = progress.round + 1
        tier = ladder[min(progress.rung, len(ladder) - 1)]
        ctx.progress(state, "fix", f"round {round_no}/{max_rounds} on {tier}: {failure.summary}", tier=tier,
                     round=round_no)
        conversation, refused = await _fix_round(ctx, state, plan_text, plan, failure, round_no, tier,
                                                 conversation, refused)
        progress.round = round_no
        before = failure.signature
        failure = await _after_fix(ctx, state, checks, failure, round_no)
        if failure is None:
            break
        top = progress.rung >= len(ladder) - 1
        if failure.signature == before:
            if top:
                progress.stopped_reason = "the same failure repeated unchanged on the strongest tier"
                ctx.save(state)
                break
            progress.rung += 1
            progress.failures_at_rung = 0
            ctx.progress(state, "fix", f"same failure again; escalating to {ladder[progress.rung]}")
        else:
            progress.failures_at_rung += 1
            if progress.failures_at_rung >= escalate_after and not top:
                progress.rung += 1
                progress.failures_at_rung = 0
                ctx.progress(state, "fix", f"escalating to {ladder[progress.rung]}")
        progress.last_signature = failure.signature
        ctx.save(state)
    state.tests_passed = failure is None
    if failure is None:
        progress.stopped_reason = None
    else:
        state.message = f"{failure.check.kind} still failing: {progress.stopped_reason}; {failure.summary}"
    ctx.save(state)
    return failure is None

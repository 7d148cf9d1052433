"""Running one long command as a background asyncio task with progress, status and cancellation.

The runner owns the work-done progress (``begin``/``end``) and the final ``tierwise/status``; the engine's
own progress events become reports in between (``EditorUser.progress``). Cancelling the asyncio task (from
``tierwise.cancel``, the progress bar or ``$/cancelRequest``) cancels the model call or test run in flight;
the engine leaves the workspace consistent and marks the task resumable.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tierwise.lsp import findings as fnd
from tierwise.lsp.engine_host import EngineUnavailable
from tierwise.lsp.tasks import RunningTask
from tierwise.lsp.ui import status_payload

if TYPE_CHECKING:
    from tierwise.lsp.session import Session

log = logging.getLogger(__name__)

Work = Callable[[Any], Awaitable[Any]]
After = Callable[["Session", Any], Awaitable[None]]
_LSP_SEVERITY = {1: "error", 2: "warning", 3: "info", 4: "hint"}


class AlreadyRunning(ValueError):
    pass


def side_task_id(kind: str) -> str:
    """Id of work that is not an engine task (a quick fix, an applied suggestion)."""
    return f"{kind}-{uuid.uuid4().hex[:8]}"


def launch(
    session: Session,
    task_id: str,
    phase: str,
    title: str,
    work: Work,
    *,
    after: After | None = None,
    needs_engine: bool = True,
) -> dict[str, Any]:
    """Start ``work(engine)`` in the background; the command's answer, ``{taskId, phase}``."""
    if session.tasks.is_running(task_id):
        raise AlreadyRunning(f"task {task_id} is already running; cancel it first (tierwise.cancel)")
    request_id = session.server.protocol.msg_id
    job = asyncio.create_task(
        _run(session, task_id, phase, title, work, after, needs_engine), name=f"tierwise {phase} {task_id}"
    )
    session.tasks.add(RunningTask(task_id=task_id, phase=phase, job=job, request_id=request_id))
    return {"taskId": task_id, "phase": phase}


async def _run(
    session: Session,
    task_id: str,
    phase: str,
    title: str,
    work: Work,
    after: After | None,
    needs_engine: bool,
) -> None:
    ui, host = session.ui, session.host
    assert ui is not None and host is not None
    token: str | None = None
    state: Any = None
    final, message = "failed", ""
    try:
        token = await ui.begin(task_id, phase, title)
        engine = await host.engine() if needs_engine else None
        state = await work(engine)
        if after is not None:
            await after(session, state)
        final, message = _outcome(state)
    except asyncio.CancelledError:
        entry = session.tasks.get(task_id)
        final = "cancelled"
        message = (entry.cancel_reason if entry and entry.cancel_reason else None) or "cancelled"
    except EngineUnavailable as err:
        message = str(err)
        ui.outcome(f"tierwise {phase}: {err}")
    except Exception as err:
        final, message = _failure(err)
        if final == "failed":
            log.exception("%s of %s failed", phase, task_id)
        ui.outcome(f"tierwise {phase}: {message}")
    finally:
        payload = _final_status(session, task_id, phase, final, message, state)
        ui.end(token, f"{payload['state']}: {message}" if message else payload["state"])
        ui.status(payload)


def _outcome(state: Any) -> tuple[str, str]:
    status = getattr(state, "status", None)
    if status is None:
        return "done", str(state) if isinstance(state, str) else ""
    return str(status), str(getattr(state, "message", None) or "")


def _failure(err: Exception) -> tuple[str, str]:
    from tierwise.gateway.types import BudgetExceeded, GatewayError

    if isinstance(err, BudgetExceeded):
        return "budget_stopped", str(err)
    if isinstance(err, GatewayError):
        return "failed", str(err)
    return "failed", f"{type(err).__name__}: {err}"


def _final_status(
    session: Session, task_id: str, phase: str, final: str, message: str, state: Any
) -> dict[str, Any]:
    """The last ``tierwise/status``: the engine's saved state when there is one (e.g. ``resumable``)."""
    engine = session.host.current_engine() if session.host else None
    if state is None and engine is not None and not task_id.startswith(("quickfix-", "suggestion-")):
        try:
            state = engine.status(task_id)
        except Exception:  # an unknown task (plan cancelled before it saved anything)
            state = None
        if state is not None and final in ("cancelled", "failed", "budget_stopped"):
            final = str(getattr(state, "status", final))
            if final == "running":
                final = "cancelled"
    next_phase = state.next_phase() if final == "ready" and hasattr(state, "next_phase") else None
    ceiling = None
    config = getattr(engine, "config", None)
    if config is not None and config.budget.per_task_usd is not None and hasattr(state, "budget_raised_usd"):
        ceiling = config.budget.per_task_usd + state.budget_raised_usd
    return status_payload(
        task_id,
        str(getattr(state, "phase", phase) or phase),
        state=final,
        message=message,
        tier=getattr(state, "last_tier", None),  # the phase's last model call (None: it made none)
        model=getattr(state, "last_model", None),
        cost_usd=float(getattr(state, "cost_usd", 0.0) or 0.0),
        saved_usd=float(getattr(state, "saved_usd", 0.0) or 0.0),
        next_phase=next_phase,
        ceiling_usd=ceiling,
    )


# -- follow-ups ------------------------------------------------------------------------------------------
async def publish_review(session: Session, state: Any) -> None:
    """A review (or a run that reviewed) replaces every tierwise diagnostic with its findings."""
    if state is None or not getattr(state, "review_path", None) and not getattr(state, "findings", None):
        return
    stored = fnd.from_engine(state.id, state.findings)
    touched = session.findings.replace_all(stored)
    await session.publish_findings(touched)


async def show_plan(session: Session, state: Any) -> None:
    """After planning, open PLAN.md in the editor so the user can edit it before implementing."""
    plan_path = getattr(state, "plan_path", None)
    if (
        plan_path
        and session.ui is not None
        and getattr(state, "status", "") not in ("failed", "budget_stopped")
    ):
        await session.ui.show_document(plan_path)


async def diagnostic_info(diagnostic: dict[str, Any]) -> Any:
    """An LSP diagnostic (as a dict) → the engine's ``DiagnosticInfo`` (1-based inclusive lines)."""
    from tierwise.engine.state import DiagnosticInfo

    start = diagnostic["range"]["start"]["line"]
    end_pos = diagnostic["range"]["end"]
    end = end_pos["line"] - 1 if end_pos["character"] == 0 and end_pos["line"] > start else end_pos["line"]
    code = diagnostic.get("code")
    data = diagnostic.get("data")
    finding_id = data.get("findingId") if diagnostic.get("source") == "tierwise" and isinstance(data, dict) else None
    return DiagnosticInfo(
        message=diagnostic["message"],
        start_line=start + 1,
        end_line=max(end, start) + 1,
        severity=_LSP_SEVERITY.get(diagnostic.get("severity") or 2, "warning"),  # type: ignore[arg-type]
        source=diagnostic.get("source"),
        code=None if code is None else str(code),
        finding_id=finding_id if isinstance(finding_id, str) else None,
    )


async def quick_fix_and_apply(
    session: Session, engine: Any, path: str, info: Any, task_id: str | None = None
) -> str:
    """The quick fix runs as the engine task ``task_id`` (its own budget and ledger lines), then is applied."""
    changes = await engine.quick_fix(path, info, task_id=task_id)
    return await apply_changes(session, changes, "quick fix")


async def apply_suggestion(session: Session, finding: fnd.StoredFinding) -> str:
    from tierwise.lsp.suggestions import changes_for_suggestion

    assert session.files is not None and finding.suggestion
    files, root = session.files, session.require_root()
    changes = await changes_for_suggestion(files, root, finding.suggestion)
    outcome = await files.apply(changes) if changes else None
    if outcome is not None and outcome.rejected:  # the file moved under it (another edit): recompute once
        changes = await changes_for_suggestion(files, root, finding.suggestion)
        outcome = None
    message = await apply_changes(session, changes, "reviewer's suggestion", outcome)
    path = session.findings.discard(finding.id)
    if path is not None:
        await session.publish_findings({path})
    return message


async def apply_changes(session: Session, changes: list[Any], what: str, outcome: Any = None) -> str:
    """Apply ``changes`` (unless ``outcome`` says they already were) and describe the result."""
    assert session.files is not None
    if not changes:
        return f"the {what} changes nothing"
    if outcome is None:
        outcome = await session.files.apply(changes)
    if outcome.rejected:
        reasons = "; ".join(f"{path}: {reason}" for path, reason in outcome.rejected.items())
        raise RuntimeError(f"the {what} was not applied ({reasons})")
    return f"applied the {what} to {', '.join(outcome.applied)}"

"""``workspace/executeCommand`` handlers: validate the payload, call the engine, translate the answer.

Long commands (plan, refine, implement, testFix, review, run, quickFix, applyFinding) return
``{taskId, phase}`` at once and run as background asyncio tasks with a cancellable work-done progress;
their outcome arrives as ``tierwise/status`` notifications and through ``tierwise.status``.
Bad arguments → JSON-RPC ``InvalidParams``; a failure to do what was asked → ``RequestFailed`` (-32803).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from tierwise.lsp import long_tasks, trust
from tierwise.lsp.engine_host import EngineUnavailable
from tierwise.lsp.paths import OutsideWorkspace

if TYPE_CHECKING:
    from tierwise.lsp import payloads as p
    from tierwise.lsp.session import Session

log = logging.getLogger(__name__)


class RequestFailed(JsonRpcException):
    """LSP ``RequestFailed``: the request was valid but could not be carried out."""

    CODE = -32803


Handler = Callable[["Session", Any], Awaitable[Any]]


async def _import(module: str) -> Any:
    """Import off the event loop (the first command may arrive while the model stack is still loading)."""
    return await asyncio.to_thread(importlib.import_module, module)


# -- long commands ---------------------------------------------------------------------------------------
async def new_task_id(session: Session, task: str) -> str:
    """The engine's readable id (time + slug), made unique: two tasks may start within one second."""
    artifacts = await _import("tierwise.engine.artifacts")
    store = artifacts.TaskStore(session.require_root())
    base = artifacts.new_task_id(task)
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base}-{n}"
        taken = session.tasks.get(candidate) is not None or await asyncio.to_thread(store.exists, candidate)
        if not taken:
            return candidate
    raise RequestFailed("could not allocate a task id; try again in a second")


async def plan(session: Session, args: p.PlanArgs) -> dict[str, Any]:
    paths = [session.relpath(uri) for uri in args.uris]
    task_id = await new_task_id(session, args.task)
    return long_tasks.launch(
        session,
        task_id,
        "plan",
        "tierwise: plan",
        lambda engine: engine.plan(args.task, paths=paths, task_id=task_id),
        after=long_tasks.show_plan,
    )


async def run(session: Session, args: p.RunArgs) -> dict[str, Any]:
    paths = [session.relpath(uri) for uri in args.uris]
    task_id = await new_task_id(session, args.task)
    return long_tasks.launch(
        session,
        task_id,
        "run",
        "tierwise: run",
        lambda engine: engine.run(
            args.task, phases=args.phases, paths=paths, task_id=task_id, approve=args.approve
        ),
        after=long_tasks.publish_review,
    )


async def refine(session: Session, args: p.TaskArgs) -> dict[str, Any]:
    task_id = args.task_id
    return long_tasks.launch(session, task_id, "refine", "tierwise: refine", lambda e: e.refine(task_id))


async def implement(session: Session, args: p.TaskArgs) -> dict[str, Any]:
    task_id = args.task_id
    return long_tasks.launch(
        session, task_id, "implement", "tierwise: implement", lambda e: e.implement(task_id)
    )


async def test_fix(session: Session, args: p.OptionalTaskArgs) -> dict[str, Any]:
    task_id = await _task_or_latest(session, args.task_id)
    return long_tasks.launch(session, task_id, "fix", "tierwise: test and fix", lambda e: e.test_fix(task_id))


async def review(session: Session, args: p.OptionalTaskArgs) -> dict[str, Any]:
    task_id = await _task_or_latest(session, args.task_id)
    return long_tasks.launch(
        session,
        task_id,
        "review",
        "tierwise: review",
        lambda e: e.review(task_id),
        after=long_tasks.publish_review,
    )


async def quick_fix(session: Session, args: p.QuickFixArgs) -> dict[str, Any]:
    path = session.relpath(args.uri)
    info = await long_tasks.diagnostic_info(args.diagnostic.model_dump(mode="json", by_alias=True))
    task_id = long_tasks.side_task_id("quickfix")
    return long_tasks.launch(
        session,
        task_id,
        "quickfix",
        "tierwise: quick fix",
        lambda e: long_tasks.quick_fix_and_apply(session, e, path, info),
    )


async def apply_finding(session: Session, args: p.ApplyFindingArgs) -> dict[str, Any]:
    finding = session.findings.get(args.finding_id)
    if finding is None or not finding.suggestion:
        raise JsonRpcInvalidParams(
            f"no review finding {args.finding_id!r} with a suggestion (a newer review or an edit cleared it)"
        )
    task_id = long_tasks.side_task_id("suggestion")
    return long_tasks.launch(
        session,
        task_id,
        "review",
        "tierwise: apply the reviewer's suggestion",
        lambda _engine: long_tasks.apply_suggestion(session, finding),
        needs_engine=False,
    )


# -- immediate commands ----------------------------------------------------------------------------------
async def cancel(session: Session, args: p.TaskArgs) -> dict[str, Any]:
    cancelled = session.tasks.cancel(args.task_id, "cancelled with tierwise.cancel")
    message = "cancelling" if cancelled else f"task {args.task_id} is not running"
    return {"taskId": args.task_id, "cancelled": cancelled, "message": message}


async def undo(session: Session, args: p.UndoArgs) -> dict[str, Any]:
    if session.tasks.is_running(args.task_id):
        raise RequestFailed(f"task {args.task_id} is running; cancel it before undoing it")
    engine = await session.host.engine()  # type: ignore[union-attr]
    try:
        restored = await engine.undo(args.task_id, force=args.force)
    except Exception as err:  # user changed a file since, no checkpoint, unknown task: say so
        raise RequestFailed(f"undo of {args.task_id} failed: {err}") from None
    session.log("info", f"undid task {args.task_id}: restored {', '.join(restored) or 'nothing'}")
    return {"taskId": args.task_id, "restored": list(restored)}


async def status(session: Session, args: p.OptionalTaskArgs) -> dict[str, Any]:
    from tierwise.lsp import reports

    return await reports.status(session, args.task_id)


async def cost(session: Session, args: p.OptionalTaskArgs) -> dict[str, Any]:
    from tierwise.lsp import reports

    return await reports.cost(session, args.task_id)


async def show_context(session: Session, args: p.ShowContextArgs) -> dict[str, Any]:
    module = await _import("tierwise.lsp.context_index")
    return await module.show_context(session, args)


async def _task_or_latest(session: Session, task_id: str | None) -> str:
    if task_id is not None:
        return task_id
    from tierwise.lsp import reports

    latest = await reports.latest_task_id(session)
    if latest is None:
        raise RequestFailed("there is no tierwise task yet: start one with tierwise.plan or tierwise.run")
    return latest


COMMANDS: dict[str, tuple[str, Handler]] = {
    "tierwise.plan": ("PlanArgs", plan),
    "tierwise.refine": ("TaskArgs", refine),
    "tierwise.implement": ("TaskArgs", implement),
    "tierwise.testFix": ("OptionalTaskArgs", test_fix),
    "tierwise.review": ("OptionalTaskArgs", review),
    "tierwise.run": ("RunArgs", run),
    "tierwise.cancel": ("TaskArgs", cancel),
    "tierwise.undo": ("UndoArgs", undo),
    "tierwise.quickFix": ("QuickFixArgs", quick_fix),
    "tierwise.applyFinding": ("ApplyFindingArgs", apply_finding),
    "tierwise.status": ("OptionalTaskArgs", status),
    "tierwise.cost": ("OptionalTaskArgs", cost),
    "tierwise.showContext": ("ShowContextArgs", show_context),
}


def register(server: Any) -> None:
    """Register every command on ``server`` (a pygls server whose ``session`` is a ``Session``)."""
    for name, (model_name, handler) in COMMANDS.items():
        server.command(name)(_command(name, model_name, handler))


def _command(name: str, model_name: str, handler: Handler) -> Callable[..., Awaitable[Any]]:
    # No annotations: pygls inspects them to convert arguments; ``*arguments`` takes them raw.
    async def execute(ls, *arguments):  # type: ignore[no-untyped-def]
        payloads = await _import("tierwise.lsp.payloads")
        try:
            args = payloads.parse_args(name, getattr(payloads, model_name), list(arguments))
        except payloads.BadArguments as err:
            raise JsonRpcInvalidParams(str(err)) from None
        session: Session = ls.session
        if not session.trusted and trust.runs_project_commands(name, getattr(args, "phases", None)):
            raise RequestFailed(trust.refusal(name))
        try:
            session.require_root()
            return await handler(session, args)
        except JsonRpcException:
            raise
        except (OutsideWorkspace, long_tasks.AlreadyRunning) as err:
            raise JsonRpcInvalidParams(f"{name}: {err}") from None
        except EngineUnavailable as err:
            raise RequestFailed(f"{name}: {err}") from None
        except Exception as err:
            from tierwise.engine.artifacts import InvalidTaskId, TaskNotFound

            if isinstance(err, TaskNotFound | InvalidTaskId):  # the user named a task that is not there
                raise RequestFailed(f"{name}: {err}") from None
            log.exception("%s failed", name)  # unexpected: keep the traceback in the log
            raise RequestFailed(f"{name} failed: {err}") from None

    execute.__name__ = f"command_{name.replace('.', '_')}"
    return execute

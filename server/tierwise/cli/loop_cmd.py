"""The coding loop, headless: ``tierwise run`` and each phase alone (plan, refine, implement, fix, review,
undo). A thin driver of ``tierwise.engine.Engine`` with the adapters of ``tierwise.headless``.

Exit codes: 0 tests pass at the end (or the phase did its job), 1 tests still failing or work left undone,
2 usage or configuration error, 3 stopped by the budget, 4 cancelled (Ctrl-C, or the plan not approved).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.text import Text

from tierwise.headless.report import EXIT_CANCELLED, EXIT_FAILING, EXIT_OK, EXIT_USAGE

T = TypeVar("T")


def _fail(console: Console, message: str, code: int = EXIT_USAGE) -> NoReturn:
    console.print(Text("error: ", style="bold red") + Text(message))
    sys.exit(code)


def _no_model_hint() -> str:
    from tierwise.config.defaults import COMPATIBLE_SERVER_VARS, PROVIDER_KEY_VARS

    return (
        "Set one of " + ", ".join(PROVIDER_KEY_VARS) + " (or " + " and ".join(COMPATIBLE_SERVER_VARS)
        + " for a local or OpenAI-compatible server), or configure [tiers] in .tierwise.toml; "
        "`tierwise doctor` shows what is usable. `tierwise demo` runs offline with scripted answers."
    )


class Session:
    """One CLI invocation: workspace, configuration, console and the engine, built on demand."""

    def __init__(self, workspace: Path, *, yes: bool, quiet: bool = False, max_budget: float | None = None) -> None:
        self.console = Console(highlight=False)
        self.root = workspace.resolve()
        self.yes = yes
        self.quiet = quiet
        self._engine: Any = None
        from tierwise.cli.options import cli_overrides
        from tierwise.config.loader import ConfigError, key_destination_warnings, resolve_config

        overrides = cli_overrides()
        if max_budget is not None:  # --max-budget: this run's per-task ceiling
            overrides["budget.per_task_usd"] = max_budget
        try:
            resolution = resolve_config(self.root, overrides=overrides or None)
        except ConfigError as err:
            _fail(self.console, str(err))
        self.config = resolution.config
        for warning in key_destination_warnings(resolution):  # a cloned repository's file sends a key away
            self.console.print(Text("warning: ", style="bold yellow") + Text(warning))

    def _reload_config(self) -> Any:
        """The configuration as its files say now (a task's test command must not change under it)."""
        from tierwise.cli.options import cli_overrides
        from tierwise.config.loader import resolve_config

        return resolve_config(self.root, overrides=cli_overrides() or None).config

    def rebase(self, root: Path) -> None:
        """Work in another folder (a task worktree) with the same configuration."""
        self.root = root
        self._engine = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from tierwise.headless.console import ConsoleUI
            from tierwise.headless.wiring import build_engine

            ui = ConsoleUI(self.root, console=self.console, assume_yes=self.yes, verbose=not self.quiet)
            self._engine = build_engine(self.root, self.config, ui=ui, reload_config=self._reload_config)
        return self._engine

    def drive(self, make: Callable[[Any], Awaitable[T]]) -> T:
        """Run an engine coroutine; turn the errors people can fix into messages and exit codes."""
        from tierwise.engine.artifacts import InvalidTaskId, TaskNotFound
        from tierwise.engine.quickfix import QuickFixFailed
        from tierwise.engine.undo import FileChangedSinceTask
        from tierwise.gateway.types import NoModelConfigured
        from tierwise.vcs import UserChangedFile, VcsError

        try:
            return asyncio.run(make(self.engine))
        except KeyboardInterrupt:
            latest = self.engine.status()
            hint = f"; resume with: tierwise run --resume {latest.id}" if latest is not None else ""
            _fail(self.console, f"cancelled{hint}", EXIT_CANCELLED)
        except NoModelConfigured as err:
            _fail(self.console, f"{err}\n{_no_model_hint()}")
        except (TaskNotFound, InvalidTaskId) as err:
            _fail(self.console, str(err))
        except (UserChangedFile, FileChangedSinceTask, QuickFixFailed) as err:
            _fail(self.console, str(err), EXIT_FAILING)
        except VcsError as err:
            _fail(self.console, str(err))

    def finish(self, state: Any) -> NoReturn:
        from tierwise.headless.report import exit_code_for, print_findings, print_summary

        if state.is_complete("review"):
            print_findings(self.console, state.findings)
        print_summary(self.console, self.engine, state)
        sys.exit(exit_code_for(state))

    def task_id(self, given: str | None) -> str:
        if given:
            return given
        latest = self.engine.status()
        if latest is None:
            _fail(self.console, f"no task yet in {self.root}; start one with: tierwise plan \"...\"")
        return str(latest.id)


def common(command: Callable[..., Any]) -> Callable[..., Any]:
    """--workspace, --yes, --quiet and --max-budget, turned into a ``Session`` passed as ``session``."""

    @click.option("--workspace", "-w", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
                  show_default=True, help="Workspace root (every edited path stays inside it).")
    @click.option("--yes", "-y", is_flag=True,
                  help="Do not ask: approve the plan and go on (never raises a budget ceiling).")
    @click.option("--quiet", "-q", is_flag=True, help="Only phase starts and ends, no step-by-step progress.")
    @click.option("--max-budget", type=click.FloatRange(min=0), metavar="USD", default=None,
                  help="The task's ceiling in USD for this run (instead of budget.per_task_usd).")
    @functools.wraps(command)
    def wrapper(workspace: Path, yes: bool, quiet: bool, max_budget: float | None, **kwargs: Any) -> Any:
        return command(session=Session(workspace, yes=yes, quiet=quiet, max_budget=max_budget), **kwargs)

    return wrapper


@click.command("run")
@click.argument("task", required=False)
@click.option("--phases", metavar="LIST", help="Comma-separated phases: plan,refine,implement,fix,review.")
@click.option("--resume", metavar="TASK_ID", help="Continue a stopped task from its last finished step.")
@click.option("--file", "-f", "files", multiple=True, metavar="PATH", help="A file the planner should read.")
@click.option("--worktree", is_flag=True, help="Work in a new git worktree on branch tierwise/<task>.")
@click.option("--commit", is_flag=True, help="Commit the result at the end (message from the commit_message route).")
@common
def run_command(session: Session, task: str | None, phases: str | None, resume: str | None,
                files: tuple[str, ...], worktree: bool, commit: bool) -> None:
    """Run the whole loop on TASK: plan, refine, implement, test and fix, review."""
    from tierwise.engine import parse_phases
    from tierwise.engine.artifacts import new_task_id

    if not task and not resume:
        _fail(session.console, 'give a TASK ("fix the median of even lists") or --resume TASK_ID')
    try:
        chosen = parse_phases([p.strip() for p in phases.split(",") if p.strip()]) if phases else None
    except ValueError as err:
        _fail(session.console, str(err))
    task_id = None
    if worktree:
        from tierwise.vcs import VcsError, create_worktree
        from tierwise.vcs.worktree import worktree_path

        try:
            if resume:
                path = asyncio.run(worktree_path(session.root, resume))
                if not path.is_dir():
                    _fail(session.console, f"task {resume} has no worktree at {path}")
            else:
                task_id = new_task_id(task or "")
                path = asyncio.run(create_worktree(session.root, task_id,
                                                   passthrough=session.config.commands.env_passthrough))
        except VcsError as err:
            _fail(session.console, str(err))
        session.rebase(path)
        session.console.print(f"Working in worktree {path} (branch tierwise/{resume or task_id})", markup=False)
    state = session.drive(
        lambda engine: engine.run(task or "", phases=chosen, resume=resume, paths=list(files), task_id=task_id)
    )
    if commit and state.status == "done" and state.tests_passed is not False:
        _commit(session, state.id)
    session.finish(state)


def _commit(session: Session, task_id: str) -> None:
    from tierwise.vcs import NothingToCommit, VcsError, commit_all

    message = session.drive(lambda engine: engine.commit_message(task_id))
    try:
        sha = asyncio.run(commit_all(session.root, message, passthrough=session.config.commands.env_passthrough))
    except NothingToCommit:
        session.console.print("Nothing to commit.")
        return
    except VcsError as err:
        _fail(session.console, str(err), EXIT_FAILING)
    session.console.print(f"Committed {sha[:12]}: {message.splitlines()[0]}", markup=False)


@click.command("plan")
@click.argument("task")
@click.option("--file", "-f", "files", multiple=True, metavar="PATH", help="A file the planner should read.")
@common
def plan_command(session: Session, task: str, files: tuple[str, ...]) -> None:
    """Write PLAN.md for TASK (frontier tier, no code)."""
    state = session.drive(lambda engine: engine.plan(task, paths=list(files)))
    if state.plan_path and state.status != "failed":
        session.drive(lambda engine: engine.ctx.ui.show_document(state.plan_path))
    session.finish(state)


@click.command("refine")
@click.argument("task_id", required=False)
@common
def refine_command(session: Session, task_id: str | None) -> None:
    """Second pass over PLAN.md (edge cases, nullability, compatibility, typing)."""
    tid = session.task_id(task_id)
    state = session.drive(lambda engine: engine.refine(tid))
    session.finish(state)


@click.command("implement")
@click.argument("task_id", required=False)
@common
def implement_command(session: Session, task_id: str | None) -> None:
    """Implement PLAN.md file by file with chunked edits (the latest task by default)."""
    tid = session.task_id(task_id)
    state = session.drive(lambda engine: engine.implement(tid))
    session.finish(state)


@click.command("fix")
@click.argument("task_id", required=False)
@common
def fix_command(session: Session, task_id: str | None) -> None:
    """Run the tests and let the fix ladder repair failures (bounded rounds, escalating tiers)."""
    state = session.drive(lambda engine: engine.test_fix(task_id))
    session.finish(state)


@click.command("review")
@click.argument("task_id", required=False)
@click.option("--apply", "apply_", is_flag=True, help="Apply the findings' suggested fixes.")
@common
def review_command(session: Session, task_id: str | None, apply_: bool) -> None:
    """Review the task's diff against its plan; print findings (and apply them with --apply)."""
    from tierwise.headless.report import print_findings

    tid = session.task_id(task_id)
    existing = session.engine.status(tid)
    if not (apply_ and existing is not None and existing.is_complete("review")):
        state = session.drive(lambda engine: engine.review(tid))
        if state.status == "failed":
            session.finish(state)
    state = session.engine.status(tid)
    print_findings(session.console, state.findings)
    code = EXIT_OK
    if apply_:
        reports = session.drive(lambda engine: engine.apply_findings(tid))
        for index, report in sorted(reports.items()):
            verdict = "applied" if report.all_applied else "not applied"
            session.console.print(f"Finding {index + 1}: {verdict}", markup=False)
            if not report.all_applied:
                session.console.print(report.retry_message, markup=False)
                code = EXIT_FAILING
        if not reports:
            session.console.print("No finding has a suggested fix.")
    session.console.print(f"REVIEW.md: {state.review_path}", markup=False)
    sys.exit(code)


@click.command("undo")
@click.argument("task_id", required=False)
@click.option("--force", is_flag=True, help="Restore even files you changed after the task.")
@common
def undo_command(session: Session, task_id: str | None, force: bool) -> None:
    """Put back the files a task changed (refuses, naming the file, if you edited one since)."""
    tid = session.task_id(task_id)
    restored = session.drive(lambda engine: engine.undo(tid, force=force))
    if restored:
        session.console.print("Restored: " + ", ".join(restored), markup=False)
    else:
        session.console.print("Nothing to restore: the files already have their pre-task content.")
    sys.exit(EXIT_OK)

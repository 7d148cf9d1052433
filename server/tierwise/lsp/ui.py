"""``UserPort`` over LSP: work-done progress, the ``tierwise/status`` notification, log/show message and
``window/showDocument``.

One fresh work-done progress token per long command. Engine progress events (whatever their own
begin/report/end state) become ``report``s on the token of their task; the command runner owns ``begin`` and
``end``. Every event is also sent as a ``tierwise/status`` notification for richer plugins.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any, Literal

from lsprotocol import types

from tierwise.lsp.paths import uri_for
from tierwise.lsp.task_commands import CommandsCache

if TYPE_CHECKING:
    from pathlib import Path

    from pygls.lsp.server import LanguageServer

    from tierwise.engine.ports import BudgetQuestion, ProgressEvent
    from tierwise.lsp.tasks import TaskRegistry

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "tierwise/status"
_LEVELS = {
    "info": types.MessageType.Info,
    "warning": types.MessageType.Warning,
    "error": types.MessageType.Error,
}


def status_payload(
    task_id: str,
    phase: str,
    *,
    state: str,
    message: str = "",
    tier: str | None = None,
    model: str | None = None,
    cost_usd: float = 0.0,
    saved_usd: float = 0.0,
    next_phase: str | None = None,
    ceiling_usd: float | None = None,
) -> dict[str, Any]:
    """The ``tierwise/status`` notification's params (``nextPhase``: set when ``state`` is ``ready``;
    ``ceilingUsd``: the task's ceiling, configured + raised; ``cooldowns``: deployments cooling down;
    ``commands``: the task's recorded test and lint commands, added by ``EditorUser.status``)."""
    return {
        "taskId": task_id,
        "phase": phase,
        "tier": tier,
        "model": model,
        "state": state,
        "costUsd": round(cost_usd, 6),
        "savedUsd": round(saved_usd, 6),
        "message": message,
        "nextPhase": next_phase,
        "ceilingUsd": None if ceiling_usd is None else round(ceiling_usd, 6),
    }


def progress_message(event: ProgressEvent) -> str:
    """One short line for a progress report. The progress title already names the phase ("tierwise: plan"),
    so the line does not repeat it: ``asking frontier (openai/gpt-4.1) · round 2 · $0.0123``."""
    text = event.message
    for prefix in (f"{event.phase}: ", f"{event.phase} "):  # "plan: asking frontier", "plan finished"
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    where = f"{event.tier} ({event.model})" if event.tier and event.model else event.tier
    if event.tier and text.startswith(f"asking {event.tier}"):
        text, where = f"asking {where}{text[len('asking ') + len(event.tier) :]}", None
    parts = [part for part in (text, where) if part]
    if event.round is not None:
        parts.append(f"round {event.round}")
    parts.append(f"${event.cost_usd:.4f}")
    return " · ".join(parts)


class EditorUser:
    """``UserPort`` implementation for one LSP connection."""

    def __init__(self, server: LanguageServer, root: Path, tasks: TaskRegistry) -> None:
        self._server = server
        self._root = root
        self._tasks = tasks
        self._last_status: dict[str, dict[str, Any]] = {}
        self._commands = CommandsCache(root)

    # -- client capabilities -------------------------------------------------------------------------
    def _window_caps(self) -> types.WindowClientCapabilities | None:
        caps = self._server.client_capabilities
        return caps.window if caps else None

    @property
    def supports_progress(self) -> bool:
        window = self._window_caps()
        return bool(window and window.work_done_progress)

    @property
    def shows_status(self) -> bool:
        """The client shows ``tierwise/status`` itself (the tierwise plugins declare
        ``experimental.tierwise.status``): a failed phase is then not also sent as ``window/showMessage``."""
        caps = self._server.client_capabilities
        experimental = caps.experimental if caps else None
        tierwise = experimental.get("tierwise") if isinstance(experimental, dict) else None
        return isinstance(tierwise, dict) and tierwise.get("status") is True

    @property
    def is_plugin(self) -> bool:
        """A tierwise plugin (it declares ``experimental.tierwise``): it saves tierwise's edits itself."""
        caps = self._server.client_capabilities
        experimental = caps.experimental if caps else None
        return isinstance(experimental, dict) and isinstance(experimental.get("tierwise"), dict)

    def disk_states(self, states: dict[str, str]) -> None:
        """After tierwise edited open buffers of a client without a tierwise plugin (LSP has no "save this
        document"): say what the disk holds, so buffer and disk never disagree silently. ``saved``: the server
        wrote the edit through, the buffer's text is the file's, only its modified mark is stale; ``unsaved``:
        the buffer and the saved file differed (unsaved text, or a change on disk; ``kept``: write-through is
        off), so the edit is only in the editor until they save."""
        if self.is_plugin:
            return
        saved = sorted(path for path, state in states.items() if state == "saved")
        unsaved = sorted(path for path, state in states.items() if state != "saved")
        why = (
            "lsp.writeThrough is off" if all(states[p] == "kept" for p in unsaved)
            else "the buffer and the saved file differed — unsaved changes in the buffer, or the file changed "
            "on disk — so tierwise left the file alone"
        )
        if saved:
            self._show(
                "info",
                f"tierwise saved its edit of {', '.join(saved)} to disk, so the tests run on it. Your editor may "
                "still mark the buffer modified: it holds exactly the saved text, so saving it again (Neovim: "
                ":w!) loses nothing.",
            )
        if unsaved:
            self._show(
                "warning",
                f"tierwise's edit of {', '.join(unsaved)} is in your editor but not on disk ({why}): check the "
                "file on disk, then save the buffer so the tests see it.",
            )

    def _show(self, level: Literal["info", "warning", "error"], message: str) -> None:
        self.log(level, message)
        self._server.window_show_message(types.ShowMessageParams(type=_LEVELS[level], message=message))

    def outcome(self, message: str) -> None:
        """A phase failed: logged, and shown unless the client shows the final status (one message per event)."""
        if self.shows_status:
            self.log("error", message)
        else:
            self.notify("error", message)

    @property
    def supports_show_document(self) -> bool:
        window = self._window_caps()
        return bool(window and window.show_document and window.show_document.support)

    # -- progress owned by the command runner --------------------------------------------------------
    async def begin(self, task_id: str, phase: str, title: str) -> str | None:
        """Create a fresh token for ``task_id``, send ``begin`` (cancellable) and the first status."""
        self.status(status_payload(task_id, phase, state="running", message=title))
        if not self.supports_progress:
            return None
        token = f"tierwise/{task_id}/{phase}/{uuid.uuid4().hex[:8]}"
        try:
            await asyncio.wait_for(self._server.work_done_progress.create_async(token), timeout=10)
        except Exception as err:  # the client refused or never answered: run without a progress bar
            log.warning("work-done progress not created: %s", err)
            return None
        self._tasks.set_token(task_id, token)
        self._server.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, cancellable=True, message="starting")
        )
        return token

    def end(self, token: str | None, message: str) -> None:
        if token is not None:
            self._server.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
            self._server.work_done_progress.tokens.pop(token, None)

    # -- UserPort ------------------------------------------------------------------------------------
    def _untracked(self, task_id: str, phase: str) -> bool:
        """A quick fix made inside ``codeAction/resolve`` is no command the client follows: its engine task
        sends no ``tierwise/status`` (nothing would ever end it in the client's view)."""
        return phase == "quickfix" and not self._tasks.is_running(task_id)

    def progress(self, event: ProgressEvent) -> None:
        if self._untracked(event.task_id, event.phase):
            return
        token = self._tasks.token_for(event.task_id)
        if token is not None:
            report = types.WorkDoneProgressReport(
                message=progress_message(event), percentage=event.percentage, cancellable=True
            )
            self._server.work_done_progress.report(token, report)
        self.status(
            status_payload(
                event.task_id,
                event.phase,
                state="running",
                message=event.message,
                tier=event.tier,
                model=event.model,
                cost_usd=event.cost_usd,
                saved_usd=event.saved_usd,
                ceiling_usd=event.ceiling_usd,
            )
        )

    def notify(self, level: Literal["info", "warning", "error"], message: str) -> None:
        self.log(level, message)
        if level != "info":
            self._server.window_show_message(types.ShowMessageParams(type=_LEVELS[level], message=message))

    async def confirm(self, question: str, detail: str = "") -> bool:
        text = f"{question}\n{detail}" if detail else question
        params = types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=text,
            actions=[types.MessageActionItem(title="Yes"), types.MessageActionItem(title="No")],
        )
        try:
            answer = await self._server.window_show_message_request_async(params)
        except Exception as err:
            self.log("warning", f"could not ask the user ({err}); answering no")
            return False
        return bool(answer and answer.title == "Yes")

    async def ask_budget(self, question: BudgetQuestion) -> bool:
        """``window/showMessageRequest``: "Raise by $X" or "Stop here" (no answer, or an error: stop)."""
        raise_title = f"Raise by ${question.raise_by_usd:.2f}"
        if not self._untracked(question.task_id, question.action):  # a resolve-time quick fix: only ask
            self.status(
                status_payload(
                    question.task_id, "budget", state="waiting", message=question.text,
                    cost_usd=question.spent_usd, ceiling_usd=question.ceiling_usd,
                )
            )
        params = types.ShowMessageRequestParams(
            type=types.MessageType.Warning,
            message=question.text,
            actions=[types.MessageActionItem(title=raise_title), types.MessageActionItem(title="Stop here")],
        )
        try:
            answer = await self._server.window_show_message_request_async(params)
        except Exception as err:
            self.log("warning", f"could not ask about the budget ({err}); stopping the task")
            return False
        return bool(answer and answer.title == raise_title)

    async def show_document(self, path: str) -> None:
        uri = uri_for(self._root, path)
        if not self.supports_show_document:
            self.log("info", f"open {path} to review it: {uri}")
            return
        params = types.ShowDocumentParams(uri=uri, take_focus=True)
        try:
            result = await asyncio.wait_for(self._server.window_show_document_async(params), timeout=30)
        except Exception as err:
            self.log("warning", f"could not show {path}: {err}")
            return
        if not result or not result.success:
            self.log("warning", f"the editor did not open {path}")

    # -- plain messages -----------------------------------------------------------------------------
    def log(self, level: Literal["info", "warning", "error"], message: str) -> None:
        self._server.window_log_message(types.LogMessageParams(type=_LEVELS[level], message=message))

    def status(self, payload: dict[str, Any]) -> None:
        payload.setdefault("cooldowns", self.cooldowns())
        payload.setdefault("commands", self._commands.get(payload["taskId"]))
        self._last_status[payload["taskId"]] = payload
        self._server.protocol.notify(STATUS_NOTIFICATION, payload)

    def cooldowns(self) -> list[dict[str, Any]]:
        """Deployments cooling down now (``.tierwise/deployments.json``; a small file read, no model stack)."""
        from tierwise.gateway.health import active_cooldowns

        try:
            return active_cooldowns(self._root)
        except Exception:  # noqa: BLE001 - status must never fail on advisory health data
            return []

    def last_status(self, task_id: str) -> dict[str, Any] | None:
        return self._last_status.get(task_id)

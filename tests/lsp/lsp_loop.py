"""A long-lived server per client kind for the loop tests (the model stack is imported once per server),
with a fresh replay server, configuration and workspace state for each test."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsp_helpers import (
    CLIENTS,
    EditorState,
    capabilities,
    execute,
    git,
    make_repo,
    start_client,
    uri,
    wait_for,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

from tierwise.replay.fixtures import replay_tier_config
from tierwise.replay.server import run_in_thread

FINAL = ("done", "ready", "failed", "resumable", "cancelled", "budget_stopped")


@dataclass
class Loop:
    client: LanguageClient
    editor: EditorState
    root: Path
    name: str
    replays: list[Any] = field(default_factory=list)
    answer_confirm: str | None = "Yes"  # the title (or a prefix of it, e.g. "Raise") of the action to pick
    questions: list[str] = field(default_factory=list)
    on_question: Any = None  # called while a question is open; its results are kept in ``seen_on_question``
    seen_on_question: list[Any] = field(default_factory=list)
    started: dict[str, int] = field(default_factory=dict)

    @property
    def replay(self) -> Any:
        return self.replays[-1]

    def uri(self, rel: str) -> str:
        return uri(self.root, rel)

    async def use(self, script: dict[str, Any], **config: Any) -> None:
        """Reset the workspace, start a replay server with ``script`` and point the tiers at it."""
        from lsp_helpers import write_config

        self.editor.close_all()
        self.editor.reject_count, self.editor.reject_next, self.editor.before_apply = 0, None, None
        self.editor.edits.clear()
        git(self.root, "reset", "-q", "--hard")
        git(self.root, "clean", "-fdq", "-e", ".tierwise", "-e", ".tierwise.toml")
        log_path = self.root.parent / f"replay-{len(self.replays)}.jsonl"
        self.replays.append(run_in_thread(script, log_path))
        loop = {
            "test_command": f"{sys.executable} -m pytest -q -p no:cacheprovider",
            **config.pop("loop", {}),
        }
        write_config(self.root, replay_tier_config(self.replay.url, loop=loop, **config))
        written = time.time()

        async def reloaded() -> bool:  # a load that started after the write read the new file
            return (await execute(self.client, "tierwise.status"))["configLoadedAt"] >= written

        await wait_for(reloaded, timeout=30)

    def requests(self) -> list[dict[str, Any]]:
        return self.replay.requests()

    async def finished(
        self, task_id: str, timeout: float = 120.0, since: int | None = None
    ) -> dict[str, Any]:
        """The final ``tierwise/status`` of the command on ``task_id`` started last (or at index ``since``)."""
        start = self.started.get(task_id, 0) if since is None else since
        return await self.editor.wait_status(task_id, FINAL, timeout=timeout, since=start)

    async def start(self, command: str, args: dict[str, Any] | None = None) -> str:
        mark = len(self.editor.status)
        answer = await execute(self.client, f"tierwise.{command}", args if args is not None else {})
        self.started[str(answer["taskId"])] = mark
        return str(answer["taskId"])

    async def run(self, command: str, args: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        task_id = await self.start(command, args)
        return task_id, await self.finished(task_id)

    def progress_of(self, task_id: str) -> list[tuple[str, list[Any]]]:
        return [(tok, v) for tok, v in self.client.progress_reports.items() if f"/{task_id}/" in str(tok)]

    async def stop(self) -> None:
        for running in (await execute(self.client, "tierwise.status"))["running"]:
            await execute(self.client, "tierwise.cancel", {"taskId": running["taskId"]})
        await asyncio.sleep(0)
        for replay in self.replays:
            replay.stop()
        self.replays.clear()


def open_calc_with_lint_finding(loop: Loop) -> tuple[str, types.CodeActionParams]:
    """Open ``calc.py`` in the editor with a linter's diagnostic on ``add``'s body; return its uri and the
    ``textDocument/codeAction`` request for that diagnostic."""
    calc = loop.uri("calc.py")
    loop.editor.open(calc, (loop.root / "calc.py").read_text(encoding="utf-8"))
    diag = types.Diagnostic(
        range=types.Range(start=types.Position(line=1, character=4), end=types.Position(line=1, character=16)),
        message="add() subtracts its arguments",
        source="mylinter",
    )
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=calc),
        range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag]),
    )
    return calc, params


def answer_questions(loop: Loop) -> None:
    """The client answers ``window/showMessageRequest`` (plan approval) with ``loop.answer_confirm``."""

    def show_message_request(params: types.ShowMessageRequestParams):  # type: ignore[no-untyped-def]
        loop.questions.append(params.message)
        if loop.on_question is not None:
            loop.seen_on_question.append(loop.on_question())
        if loop.answer_confirm is None:
            return None
        titles = [action.title for action in params.actions or []]
        title = next((t for t in titles if t.startswith(loop.answer_confirm)), loop.answer_confirm)
        return types.MessageActionItem(title=title)

    loop.client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)(show_message_request)


async def _open_loop(tmp: pytest.TempPathFactory, name: str, caps: Any) -> Loop:
    from lsp_helpers import SAMPLE_FILES, write_config

    root = make_repo(tmp.mktemp(f"loop-{name}") / "ws", SAMPLE_FILES)
    write_config(root, replay_tier_config("http://127.0.0.1:9/v1"))
    client, editor, _ = await start_client(root, caps)
    loop = Loop(client, editor, root, name)
    answer_questions(loop)

    async def watching() -> bool:  # configuration changes on disk are seen from now on
        return (await execute(client, "tierwise.status"))["watching"]

    await wait_for(watching, timeout=60)
    return loop


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=CLIENTS)
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Loop]:
    """One server per client kind and test module (Neovim and VS Code capabilities)."""
    loop = await _open_loop(tmp_path_factory, request.param, capabilities(request.param))
    yield loop
    await loop.client.shutdown_session()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def minimal_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Loop]:
    """A client without codeAction/resolve and without resource operations (VS Code's otherwise)."""
    caps = capabilities("visual-studio-code", resolve=False, resource_ops=False)
    loop = await _open_loop(tmp_path_factory, "minimal", caps)
    yield loop
    await loop.client.shutdown_session()


@pytest_asyncio.fixture(loop_scope="module")
async def lp(server: Loop) -> AsyncIterator[Loop]:
    server.answer_confirm = "Yes"
    server.on_question = None
    server.seen_on_question.clear()
    yield server
    await server.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def mini(minimal_server: Loop) -> AsyncIterator[Loop]:
    yield minimal_server
    await minimal_server.stop()

"""The language server keeps answering while a task's git checkpoint is slow (item 11 of issue 12): git runs
on the repository's thread, never on the event loop."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
from lsp_helpers import capabilities, code_actions, execute, start_client, uri, wait_for, write_config
from lsp_scripts import loop_script
from lsprotocol import types

from tierwise.replay.fixtures import replay_tier_config

pytestmark = pytest.mark.slow
SLOW_S = 3.0


def _slow_git(tmp_path: Path) -> tuple[Path, Path]:
    real = shutil.which("git")
    folder, marker = tmp_path / "slowbin", tmp_path / "slow-git-ran"
    folder.mkdir()
    (folder / "git").write_text(
        f'#!/bin/sh\nfor a in "$@"; do if [ "$a" = "hash-object" ]; then touch "{marker}"; sleep {SLOW_S}; fi; done\n'
        f'exec "{real}" "$@"\n'
    )
    (folder / "git").chmod(0o755)
    return folder, marker


async def test_requests_are_answered_while_a_checkpoint_waits_for_git(workspace: Path, tmp_path: Path,
                                                                        replay_server) -> None:
    replay = replay_server(loop_script())
    write_config(workspace, replay_tier_config(replay.url))
    folder, marker = _slow_git(tmp_path)
    env = {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    client, editor, _ = await start_client(workspace, capabilities("neovim"), env=env)
    try:
        await wait_for(_ready(client), timeout=90)  # the model stack is warm: what is measured is git
        doc = uri(workspace, "calc.py")
        editor.open(doc, (workspace / "calc.py").read_text())
        diag = types.Diagnostic(range=types.Range(start=types.Position(line=1, character=4),
                                                  end=types.Position(line=1, character=10)), message="m")
        params = types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=doc), range=diag.range,
                                        context=types.CodeActionContext(diagnostics=[diag]))
        started = await execute(client, "tierwise.run", {"task": "make add add", "approve": False,
                                                         "phases": ["plan", "implement"]})
        waits: list[tuple[float, bool]] = []  # (seconds, slow git under way)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            during = marker.exists()
            begin = time.perf_counter()
            await code_actions(client, params)
            waits.append((time.perf_counter() - begin, during))
            if any(s.get("taskId") == started["taskId"] and s.get("state") in ("done", "failed", "ready")
                   for s in editor.status):
                break
            await asyncio.sleep(0.1)
        assert marker.exists(), "the checkpoint went through the slow git"
        slow = [(round(w, 2), during) for w, during in waits if w >= 1.0]
        assert not slow, f"requests waited (seconds, during the slow git): {slow}"
        assert len([w for w, during in waits if during]) >= 5, "requests were sent while git slept"
        final = next(s for s in editor.status if s.get("taskId") == started["taskId"]
                     and s.get("state") in ("done", "failed", "ready"))
        assert final["state"] == "done", final
        assert "return a + b" in (workspace / "calc.py").read_text() or "return a + b" in editor.buffers[doc][0]
    finally:
        await client.shutdown_session()


def _ready(client):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return bool((await execute(client, "tierwise.status"))["modelStackReady"])

    return check

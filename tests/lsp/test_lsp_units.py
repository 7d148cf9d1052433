"""In-process tests of the LSP layer's pure parts and of ``EditorFiles`` against a fake client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace import Workspace

from tierwise.engine.ports import Document, FileChange
from tierwise.lsp import findings as fnd
from tierwise.lsp.code_actions import todo_comment, wanted
from tierwise.lsp.files import EditorFiles
from tierwise.lsp.paths import OutsideWorkspace, relpath_for, uri_for
from tierwise.lsp.settings import LspOptions, SettingsSources, deep_merge, section_of
from tierwise.lsp.workspace_edit import ClientEditSupport, pair_renames
from tierwise.workspace_files import list_workspace_files


class FakeServer:
    """Just what ``EditorFiles`` uses: the workspace's open documents and ``workspace/applyEdit``."""

    def __init__(self, root: Path) -> None:
        self.workspace = Workspace(from_fs_path(str(root)), types.TextDocumentSyncKind.Incremental)
        self.sent: list[types.WorkspaceEdit] = []
        self.refuse: str | None = None

    def open(self, uri: str, text: str, version: int) -> None:
        self.workspace.put_text_document(
            types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )

    async def workspace_apply_edit_async(self, params: types.ApplyWorkspaceEditParams) -> Any:
        self.sent.append(params.edit)
        if self.refuse:
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason=self.refuse)
        return types.ApplyWorkspaceEditResult(applied=True)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text("x = 1\ny = 2\n", encoding="utf-8")
    return tmp_path


def _files(root: Path, support: ClientEditSupport, server: FakeServer) -> EditorFiles:
    return EditorFiles(server, root, lambda: support)  # type: ignore[arg-type]


FULL = ClientEditSupport(document_changes=True, resource_operations=frozenset({"create", "rename", "delete"}))


async def test_open_buffer_is_read_and_edited_with_its_version(root: Path):
    server = FakeServer(root)
    uri = uri_for(root, "a.py")
    server.open(uri, "x = 1\ny = 2\n", version=7)
    files = _files(root, FULL, server)
    doc = await files.read("a.py")
    assert (doc.text, doc.version) == ("x = 1\ny = 2\n", 7)
    outcome = await files.apply([FileChange("a.py", doc, "x = 1\ny = 3\n")])
    assert outcome.applied == ["a.py"] and outcome.ok
    (edit,) = server.sent
    (change,) = edit.document_changes
    assert change.text_document.version == 7
    assert [(e.range.start.line, e.range.start.character, e.new_text) for e in change.edits] == [(1, 4, "3")]
    assert (root / "a.py").read_text() == "x = 1\ny = 3\n"  # write-through: the disk held the base text


async def test_a_moved_version_or_changed_disk_is_rejected_without_asking_the_client(root: Path):
    server = FakeServer(root)
    uri = uri_for(root, "a.py")
    server.open(uri, "x = 1\ny = 2\n", version=3)
    files = _files(root, FULL, server)
    stale = Document("a.py", "x = 1\ny = 2\n", version=2)
    outcome = await files.apply([FileChange("a.py", stale, "x = 9\n")])
    assert "version 2 → 3" in outcome.rejected["a.py"] and server.sent == []
    closed = _files(root, FULL, FakeServer(root))
    (root / "a.py").write_text("x = 1\ny = 2\nz = 3\n", encoding="utf-8")
    outcome = await closed.apply([FileChange("a.py", Document("a.py", "x = 1\ny = 2\n"), "x = 9\n")])
    assert outcome.rejected == {"a.py": "a.py changed on disk since tierwise read it"}
    assert (root / "a.py").read_text() == "x = 1\ny = 2\nz = 3\n"


async def test_a_refused_edit_is_reported_and_the_disk_is_left_alone(root: Path):
    server = FakeServer(root)
    server.open(uri_for(root, "a.py"), "x = 1\ny = 2\n", version=1)
    server.refuse = "user said no"
    files = _files(root, FULL, server)
    outcome = await files.apply([FileChange("a.py", await files.read("a.py"), "x = 2\n")])
    assert outcome.rejected == {"a.py": "the editor refused the edit: user said no"}
    assert (root / "a.py").read_text() == "x = 1\ny = 2\n"


async def test_rename_pairs_and_resource_operation_fallbacks(root: Path):
    server = FakeServer(root)
    files = _files(root, FULL, server)
    text = "x = 1\ny = 2\n"
    moves = [
        FileChange("a.py", Document("a.py", text), None),
        FileChange("b/c.py", Document("b/c.py", None), text),
    ]
    assert len(pair_renames(moves)[0]) == 1
    outcome = await files.apply(moves)
    assert sorted(outcome.applied) == ["a.py", "b/c.py"]
    (edit,) = server.sent
    assert isinstance(edit.document_changes[0], types.RenameFile)
    # without resource operations: atomic disk operations, nothing sent
    plain = FakeServer(root)
    disk = _files(root, ClientEditSupport(document_changes=True), plain)
    outcome = await disk.apply(
        [
            FileChange("new.py", Document("new.py", None), "n = 1\n"),
            FileChange("a.py", Document("a.py", text), None),
        ]
    )
    assert sorted(outcome.applied) == ["a.py", "new.py"] and plain.sent == []
    assert (root / "new.py").read_text() == "n = 1\n" and not (root / "a.py").exists()


async def test_paths_stay_inside_the_workspace(root: Path):
    files = _files(root, FULL, FakeServer(root))
    for bad in ("../x.py", "/etc/passwd", ".git/config"):
        with pytest.raises(OutsideWorkspace):
            await files.read(bad)
    outcome = await files.apply([FileChange("../evil.py", Document("../evil.py", None), "x")])
    assert "../evil.py" in outcome.rejected and not (root.parent / "evil.py").exists()
    with pytest.raises(OutsideWorkspace):
        relpath_for(root, "file:///etc/passwd")
    assert relpath_for(root, uri_for(root, "sub dir/ü.py")) == "sub dir/ü.py"


def test_list_files_skips_vcs_state_and_virtualenvs(root: Path):
    for rel in (
        ".git/HEAD",
        ".tierwise/ledger.jsonl",
        "node_modules/x/i.js",
        "env/pyvenv.cfg",
        "env/lib/m.py",
        "src/m.py",
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("", encoding="utf-8")
    assert list_workspace_files(root) == ["a.py", "src/m.py"]


def _change(start: int, end: int, text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=start, character=0), end=types.Position(line=end, character=0)
        ),
        text=text,
    )


def test_findings_move_with_the_text_and_drop_when_edited():
    store = fnd.FindingStore()
    store.replace_all(
        [
            fnd.StoredFinding("t:0", "a.py", 5, 6, "warning", "m", None),
            fnd.StoredFinding("t:1", "a.py", 10, 10, "error", "n", "s"),
        ]
    )
    assert store.on_change("a.py", _change(0, 0, "new\nlines\n"))  # two lines inserted above both
    assert [(f.start_line, f.end_line) for f in store.for_path("a.py")] == [(7, 8), (12, 12)]
    assert store.on_change("a.py", _change(8, 8, "x"))  # typing on the first finding's last line
    assert [f.id for f in store.for_path("a.py")] == ["t:1"]
    assert not store.on_change("a.py", _change(20, 21, ""))  # below: nothing moves
    whole = types.TextDocumentContentChangeWholeDocument(text="all new")
    assert store.on_change("a.py", whole) and store.for_path("a.py") == []


def test_settings_precedence_and_lsp_options():
    sources = SettingsSources(
        init_options=section_of({"tierwise": {"routes": {"plan": "mid"}, "lsp": {"warmUp": False}}}),
        pushed=section_of({"tierwise": {"routes": {"plan": "light", "review": "mid"}}}),
        pulled=section_of({"routes": {"plan": "frontier"}}),
    )
    assert sources.config_overrides() == {"routes": {"plan": "frontier", "review": "mid"}}
    options, problems = sources.lsp_options()
    assert options == LspOptions(write_through=True, warm_up=False) and problems == []
    assert LspOptions.parse({"warmUp": "yes", "other": 1})[1] == [
        "tierwise.lsp.warmUp must be true or false, got 'yes'",
        "tierwise.lsp.other is not a known option (writeThrough, warmUp)",
    ]
    assert deep_merge({"a": {"b": 1}}, {"a": {"c": None, "d": 2}}) == {"a": {"b": 1, "d": 2}}


def test_code_action_filters_and_todo_comments():
    assert wanted(None, "quickfix") and wanted(["source"], "source.tierwise.plan")
    assert not wanted(["quickfix"], "source.tierwise.plan") and not wanted(
        ["source.fixAll"], "source.tierwise.plan"
    )
    assert todo_comment(["x = 1", "    # TODO: handle empty input"]) == (1, "handle empty input")
    assert todo_comment(["// FIXME - overflow on 2^31 */"]) == (0, "overflow on 2^31")
    assert todo_comment(["todo_list = []"]) is None


def test_edits_use_the_negotiated_position_encoding():
    from tierwise.lsp.workspace_edit import text_edits

    old, new = "s = 'é😀' + x\n", "s = 'é😀' + y\n"
    columns = {
        enc: text_edits(old, new, enc)[0].range.start.character for enc in ("utf-8", "utf-16", "utf-32")
    }
    assert columns == {"utf-8": 15, "utf-16": 12, "utf-32": 11}


def test_the_start_path_imports_no_heavy_module():
    import subprocess
    import sys

    code = (
        "import sys, tierwise.cli.main, tierwise.cli.serve_cmd, tierwise.lsp.server as s; s.create_server(); "
        "heavy = ('litellm', 'git', 'watchdog', 'rich', 'pydantic', 'tierwise.engine', 'tierwise.gateway.gateway'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


async def test_a_call_cancelled_while_litellm_imports_leaves_the_import_usable(monkeypatch: pytest.MonkeyPatch):
    """Cancelling the first model call (the user cancels a task seconds after start-up) must not cancel the
    shared import: every later call of the server would fail at once as "cancelled"."""
    import asyncio
    import concurrent.futures

    from tierwise.gateway import provider

    pending: concurrent.futures.Future[Any] = concurrent.futures.Future()  # the import, still running
    monkeypatch.setattr(provider, "_import_future", pending)
    first = asyncio.create_task(provider.load_litellm())
    await asyncio.sleep(0.01)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert not pending.cancelled()
    pending.set_result("the litellm module")  # the import thread finishes
    assert await asyncio.wait_for(provider.load_litellm(), 5) == "the litellm module"


async def test_an_echo_that_also_carries_the_user_s_typing_ends_the_wait(root: Path, monkeypatch, caplog):
    """Neovim debounces didChange: the applied edit comes back later, merged with what the user typed meanwhile.
    A read waits for that echo (never a stale buffer) and ends when it arrives, though the text differs from
    what tierwise sent."""
    import asyncio

    from tierwise.lsp import files as files_mod

    monkeypatch.setattr(files_mod, "SYNC_WAIT_S", 30.0)
    server = FakeServer(root)
    uri = uri_for(root, "a.py")
    server.open(uri, "x = 1\ny = 2\n", version=1)
    files = _files(root, FULL, server)
    outcome = await files.apply([FileChange("a.py", await files.read("a.py"), "x = 1\ny = 3\n")])
    assert outcome.applied == ["a.py"]  # the client said applied; its didChange has not arrived yet
    reader = asyncio.create_task(files.read("a.py"))
    await asyncio.sleep(0.2)
    assert not reader.done()  # no stale read of version 1
    server.workspace.update_text_document(  # one didChange: tierwise's edit plus a line the user typed
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        types.TextDocumentContentChangeWholeDocument(text="# typed\nx = 1\ny = 3\n"),
    )
    files.buffer_changed("a.py")
    doc = await asyncio.wait_for(reader, 5)
    assert (doc.text, doc.version) == ("# typed\nx = 1\ny = 3\n", 2)
    assert "did not echo" not in caplog.text


def test_expected_request_errors_log_one_line_unexpected_ones_their_traceback(caplog: pytest.LogCaptureFixture):
    """pygls logs every error response with a traceback; a bad argument or an unknown command is the client's
    mistake and gets one line. An unexpected exception keeps its traceback."""
    import concurrent.futures
    import logging

    from pygls.exceptions import JsonRpcInvalidParams

    from tierwise.lsp.server import create_server

    protocol = create_server().protocol
    sent: list[tuple[Any, Any, Any]] = []
    protocol._send_response = lambda msg_id, result=None, error=None: sent.append((msg_id, result, error))  # type: ignore[method-assign]
    caplog.set_level(logging.INFO)

    bad: concurrent.futures.Future[Any] = concurrent.futures.Future()
    bad.set_exception(JsonRpcInvalidParams("tierwise.plan {task, uris?}: task: Field required"))
    protocol._send_handler_result(bad, msg_id=7)
    assert sent[-1][0] == 7 and sent[-1][2].code == -32602
    (line,) = [r for r in caplog.records if "7" in r.getMessage()]
    assert line.exc_info is None and "\n" not in line.getMessage()
    assert "-32602" in line.getMessage() and "task: Field required" in line.getMessage()

    caplog.clear()
    broken: concurrent.futures.Future[Any] = concurrent.futures.Future()
    broken.set_exception(RuntimeError("a bug"))
    protocol._send_handler_result(broken, msg_id=8)
    assert sent[-1][0] == 8 and sent[-1][2].code == -32603
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


def test_the_switch_interval_is_lowered_only_while_the_model_stack_imports():
    import sys

    from tierwise.lsp.engine_host import WARM_UP_SWITCH_INTERVAL_S, responsive_imports

    before = sys.getswitchinterval()
    outer = responsive_imports()
    outer.__enter__()
    assert sys.getswitchinterval() == WARM_UP_SWITCH_INTERVAL_S < before
    inner = responsive_imports()
    inner.__enter__()
    outer.__exit__(None, None, None)  # warm-ups may end in any order: lowered until the last one ends
    assert sys.getswitchinterval() == WARM_UP_SWITCH_INTERVAL_S
    inner.__exit__(None, None, None)
    assert sys.getswitchinterval() == before

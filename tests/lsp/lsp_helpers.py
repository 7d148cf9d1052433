"""Helpers for the LSP tests: a test client that applies edits like an editor, workspaces, TOML."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsp_scripts import CALC_FILES
from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities, make_test_lsp_client

from tierwise.edits import apply_text_edits

SERVER_COMMAND = [sys.executable, "-m", "tierwise", "serve", "--log-level", "warning"]
CLIENTS = ("neovim", "visual-studio-code")
TEST_KEY_ENV = "TIERWISE_TEST_KEY"
TEST_KEY = "sk-tierwise-TEST-9f8e7d6c5b4a"
SAMPLE_FILES = {**CALC_FILES, "notes.txt": "# TODO: add a subtract function to calc.py\n"}


# -- TOML ------------------------------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_dumps(data: dict[str, Any], prefix: str = "") -> str:
    """Nested dicts become tables; everything else is written inline."""
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    text = "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in scalars.items())
    for key, value in tables.items():
        name = f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key)
        text += f"\n[{name}]\n" + toml_dumps(value, name)
    return text


# -- workspace -------------------------------------------------------------------------------------------
def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def uri(root: Path, rel: str) -> str:
    return from_fs_path(str(root / rel)) or ""


def write_config(root: Path, config: dict[str, Any]) -> None:
    (root / ".tierwise.toml").write_text(toml_dumps(config), encoding="utf-8")


# -- the client ------------------------------------------------------------------------------------------
class EditorState:
    """What an editor holds: open buffers with versions; applies ``workspace/applyEdit`` like one.

    Unopened files touched by an edit are loaded into (unsaved) buffers, as VS Code and Neovim do; resource
    operations act on the disk. ``reject_next`` makes the next edit fail; ``before_apply`` runs a hook first
    (e.g. the user types)."""

    def __init__(self, client: LanguageClient, encoding: str) -> None:
        self.client = client
        self.encoding = encoding
        self.buffers: dict[str, list[Any]] = {}  # uri -> [text, version]
        self.edits: list[types.ApplyWorkspaceEditParams] = []
        self.reject_next: str | None = None
        self.reject_count = 0  # refuse this many edits ("the user declined")
        self.before_apply: Callable[[types.ApplyWorkspaceEditParams], Any] | None = None
        self.status: list[dict[str, Any]] = []
        self.status_event = asyncio.Event()

    # buffers
    def open(self, uri_: str, text: str, language: str = "python", version: int = 1) -> None:
        """Open a buffer (Neovim opens at version 0, VS Code at 1)."""
        self.buffers[uri_] = [text, version]
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri_, language_id=language, version=version, text=text)
            )
        )

    def close(self, uri_: str) -> None:
        self.buffers.pop(uri_, None)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri_))
        )

    def close_all(self) -> None:
        for uri_ in list(self.buffers):
            self.close(uri_)

    def text(self, uri_: str) -> str:
        return self.buffers[uri_][0]

    def type_text(self, uri_: str, line: int, character: int, new_text: str) -> None:
        """The user types ``new_text`` at (line, character) (incremental didChange)."""
        edit = types.TextEdit(
            range=types.Range(
                start=types.Position(line=line, character=character),
                end=types.Position(line=line, character=character),
            ),
            new_text=new_text,
        )
        self._change(uri_, [edit])

    def _change(self, uri_: str, edits: list[types.TextEdit]) -> None:
        from tierwise.edits import TextEdit

        text, version = self.buffers[uri_]
        converted = [
            TextEdit(
                e.range.start.line,
                e.range.start.character,
                e.range.end.line,
                e.range.end.character,
                e.new_text,
            )
            for e in edits
        ]
        new_text = apply_text_edits(text, converted, encoding=self.encoding)
        version += 1
        self.buffers[uri_] = [new_text, version]
        changes = [
            types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
            for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        ]
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri_, version=version),
                content_changes=changes,
            )
        )

    # workspace/applyEdit
    async def apply_edit(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        self.edits.append(params)
        if self.before_apply is not None:
            hook, self.before_apply = self.before_apply, None
            result = hook(params)
            if asyncio.iscoroutine(result):
                await result
        if self.reject_next is not None:
            reason, self.reject_next = self.reject_next, None
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason=reason)
        if self.reject_count > 0:
            self.reject_count -= 1
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason="the user declined the edit")
        edit = params.edit
        try:
            for change in edit.document_changes or []:
                self._apply_document_change(change)
            for uri_, edits in (edit.changes or {}).items():
                self._ensure_buffer(uri_)
                self._change(uri_, list(edits))
        except ValueError as err:
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason=str(err))
        return types.ApplyWorkspaceEditResult(applied=True)

    def _ensure_buffer(self, uri_: str) -> None:
        if uri_ not in self.buffers:
            path = Path(to_fs_path(uri_) or "")
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            self.open(uri_, text)

    def _apply_document_change(self, change: Any) -> None:
        if isinstance(change, types.TextDocumentEdit):
            uri_ = change.text_document.uri
            version = change.text_document.version
            if version is not None and (uri_ not in self.buffers or self.buffers[uri_][1] != version):
                have = self.buffers.get(uri_, [None, None])[1]
                raise ValueError(f"version mismatch for {uri_}: edit for {version}, buffer at {have}")
            self._ensure_buffer(uri_)
            self._change(uri_, [e for e in change.edits if isinstance(e, types.TextEdit)])
        elif isinstance(change, types.CreateFile):
            path = Path(to_fs_path(change.uri) or "")
            if path.exists() and not (
                change.options and (change.options.overwrite or change.options.ignore_if_exists)
            ):
                raise ValueError(f"{path} exists")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")
        elif isinstance(change, types.DeleteFile):
            path = Path(to_fs_path(change.uri) or "")
            if change.uri in self.buffers:
                self.close(change.uri)
            if path.exists():
                path.unlink()
        elif isinstance(change, types.RenameFile):
            old, new = Path(to_fs_path(change.old_uri) or ""), Path(to_fs_path(change.new_uri) or "")
            if new.exists():
                raise ValueError(f"{new} exists")
            new.parent.mkdir(parents=True, exist_ok=True)
            old.rename(new)
            if change.old_uri in self.buffers:
                text = self.buffers[change.old_uri][0]
                self.close(change.old_uri)
                self.open(change.new_uri, text)

    # tierwise/status
    def on_status(self, params: Any) -> None:
        payload = params._asdict() if hasattr(params, "_asdict") else dict(params)  # pygls' Object namedtuple
        self.status.append(payload)
        self.status_event.set()

    async def wait_status(
        self, task_id: str, states: tuple[str, ...], timeout: float = 60.0, since: int = 0
    ) -> dict[str, Any]:
        """The first ``tierwise/status`` of ``task_id`` (from index ``since``) whose state is in ``states``."""

        async def find() -> dict[str, Any]:
            while True:
                for item in self.status[since:]:
                    if item.get("taskId") == task_id and item.get("state") in states:
                        return item
                self.status_event.clear()
                await self.status_event.wait()

        return await asyncio.wait_for(find(), timeout)


def capabilities(name: str, *, resolve: bool = True, resource_ops: bool = True) -> types.ClientCapabilities:
    caps = client_capabilities(name)
    if not resolve and caps.text_document and caps.text_document.code_action:
        caps.text_document.code_action.resolve_support = None
    if not resource_ops and caps.workspace and caps.workspace.workspace_edit:
        caps.workspace.workspace_edit.resource_operations = []
        caps.workspace.workspace_edit.document_changes = True
    return caps


async def start_client(
    root: Path,
    caps: types.ClientCapabilities,
    *,
    init_options: Any = None,
    env: dict[str, str] | None = None,
    server_args: list[str] | None = None,
    on_client: Callable[[LanguageClient], None] | None = None,
) -> tuple[LanguageClient, EditorState, types.InitializeResult]:
    """Start ``tierwise serve`` over stdio (``server_args`` replace ``--log-level warning``) and initialize it
    for ``root``. ``on_client`` may add handlers to the client before it initializes."""
    server_env = {**os.environ, TEST_KEY_ENV: TEST_KEY, "LITELLM_LOCAL_MODEL_COST_MAP": "True", **(env or {})}
    command = SERVER_COMMAND if server_args is None else [*SERVER_COMMAND[:4], *server_args]
    config = ClientServerConfig(server_command=command, client_factory=make_test_lsp_client, server_env=server_env)
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    encoding = "utf-16"
    general = caps.general
    if general and general.position_encodings:
        encoding = str(getattr(general.position_encodings[0], "value", general.position_encodings[0]))
    editor = EditorState(client, encoding)

    async def apply_edit(params):  # type: ignore[no-untyped-def]
        return await editor.apply_edit(params)

    def on_status(params):  # type: ignore[no-untyped-def]
        editor.on_status(params)

    client.feature(types.WORKSPACE_APPLY_EDIT)(apply_edit)
    client.feature("tierwise/status")(on_status)
    if on_client is not None:
        on_client(client)
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=from_fs_path(str(root)),
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)) or "", name=root.name)],
            initialization_options=init_options,
        )
    )
    return client, editor, result


async def execute(client: LanguageClient, command: str, args: dict[str, Any] | None = None) -> Any:
    arguments = [args] if args is not None else None
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=arguments)
    )


async def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` (sync or async) until it returns something truthy."""

    async def poll() -> Any:
        while True:
            value = predicate()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(interval)

    return await asyncio.wait_for(poll(), timeout)


def send_raw_request(client: LanguageClient, method: str, params: Any) -> asyncio.Future[Any]:
    """Send a request with arbitrary (possibly schema-breaking) params, bypassing the client's types."""
    import uuid
    from concurrent.futures import Future

    msg_id = f"raw-{uuid.uuid4().hex[:8]}"
    future: Future[Any] = Future()
    client.protocol._request_futures[msg_id] = future
    _write_raw(client, {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    return asyncio.wrap_future(future)


def send_raw_notification(client: LanguageClient, method: str, params: Any) -> None:
    _write_raw(client, {"jsonrpc": "2.0", "method": method, "params": params})


def _write_raw(client: LanguageClient, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode("utf-8")
    result = client.protocol.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)  # type: ignore[union-attr]
    if asyncio.iscoroutine(result):
        asyncio.ensure_future(result)


async def code_actions(client: LanguageClient, params: types.CodeActionParams) -> list[dict[str, Any]] | None:
    """``textDocument/codeAction`` answered as raw JSON: lsprotocol's client-side union hook reads any
    ``CodeAction`` carrying a ``command`` as a ``Command``, which would hide what the server sent."""
    raw = client.protocol._converter.unstructure(params)
    return await send_raw_request(client, types.TEXT_DOCUMENT_CODE_ACTION, raw)

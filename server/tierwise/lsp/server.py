"""The tierwise language server: a pygls server whose handlers translate LSP to engine calls.

Start-up path: pygls, lsprotocol and small tierwise modules only. pydantic (config), the engine, the model
stack (litellm) and watchdog (when the client does not watch the configuration files) load after
``initialized``, in worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from tierwise import __version__
from tierwise.lsp import code_actions as ca
from tierwise.lsp import trust
from tierwise.lsp.documents import use_lsp_lines
from tierwise.lsp.paths import OutsideWorkspace
from tierwise.lsp.protocol import RawJson, TierwiseProtocol
from tierwise.lsp.session import Session
from tierwise.lsp.settings import LspOptions, section_of

log = logging.getLogger(__name__)
CONFIG_DEBOUNCE_S = 0.3


class TierwiseServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("tierwise", __version__, protocol_cls=TierwiseProtocol)
        self.session = Session(self)
        self.protocol.cancel_hook = self.session.tasks.cancel_by_request  # type: ignore[attr-defined]
        self._config_reload: asyncio.TimerHandle | None = None

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors outside a request (a bad notification): log them; the server keeps running. A failed
        request already carries its error in the response."""
        if source is FeatureRequestError:
            return
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)
        with contextlib.suppress(Exception):  # before initialize there is no UI yet
            self.session.log("error", f"tierwise: {error}")

    def schedule_config_reload(self, pull: bool) -> None:
        if self._config_reload is not None:
            self._config_reload.cancel()
        loop = asyncio.get_running_loop()
        self._config_reload = loop.call_later(
            CONFIG_DEBOUNCE_S,
            lambda: self.session.spawn(reload_config(self, pull=pull), "configuration reload"),
        )


def workspace_root(params: types.InitializeParams) -> Path | None:
    uri = params.root_uri or (params.workspace_folders[0].uri if params.workspace_folders else None)
    if uri:
        path = to_fs_path(uri)
        return Path(path) if path else None
    return Path(params.root_path) if params.root_path else None


# -- lifecycle ---------------------------------------------------------------------------------------
def on_initialize(ls: TierwiseServer, params: types.InitializeParams) -> None:
    use_lsp_lines(ls.workspace)  # buffers' lines broken as LSP does (not str.splitlines)
    root = workspace_root(params)
    if root is not None:
        ls.session.start(root, params.initialization_options)


def on_initialized(ls: TierwiseServer, params: types.InitializedParams) -> None:
    session = ls.session
    if session.root is None:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message="tierwise needs a workspace folder; open a folder to use it.",
            )
        )
        return
    session.spawn(start_session(ls), "start-up")


async def start_session(ls: TierwiseServer) -> None:
    session = ls.session
    await reload_config(ls, pull=True)
    host = session.host
    if session.options.warm_up and host is not None:
        await asyncio.to_thread(lambda: host.model_worker().start())  # litellm imports in its process meanwhile
        await asyncio.to_thread(import_stack)  # before the threads below need it (see import_stack)
        host.warm_up()
    if session.context is not None:
        session.context.start()  # the symbol index, in a worker thread with its own progress
    await watch_config_files(ls)


STACK_MODULES = (
    "tierwise.headless.wiring",  # the engine and its phases
    "tierwise.gateway.gateway",
    "tierwise.context.port",  # the context engine: numpy, tree-sitter
    "bm25s",
)
PREFETCHED = ("numpy", "pydantic_core", "tree_sitter", "tree_sitter_c_sharp")
"""Packages whose shared libraries the stack loads: 51 MB, numpy's 44 (it bundles OpenBLAS); the language
pack loads tree_sitter_c_sharp's 5 MB binding on import."""


def import_stack() -> None:
    """Worker thread: import what the warm-up, the context index and the first task use, one module after the
    other. Imported by three or four threads at once (engine, context index, file watcher), their C-level
    steps (extension modules' initialisation, pydantic's model building) queued the event loop behind each
    other for 50-90 ms; one importing thread makes it wait for one step at most."""
    import importlib

    from tierwise.gc_pause import paused_gc
    from tierwise.lib_prefetch import prefetch_libraries

    prefetch_libraries(PREFETCHED)  # a cold page cache's disk reads, outside the GIL (see lib_prefetch)
    with paused_gc():  # modules are long-lived: frozen afterwards, never walked by a collection
        for name in STACK_MODULES:
            try:
                importlib.import_module(name)
            except ImportError as err:  # reported with context by whatever needs it first
                log.warning("could not import %s: %s", name, err)


async def watch_config_files(ls: TierwiseServer) -> None:
    """The client's file watching when it offers it (``workspace/didChangeWatchedFiles``), else watchdog on
    the configuration files' folders only (non-recursive)."""
    from tierwise.lsp.watcher import ConfigFiles, ConfigFileWatcher, register_client_watchers

    session = ls.session
    files = await asyncio.to_thread(ConfigFiles.for_root, session.require_root())
    session.config_files = files
    rest = await register_client_watchers(ls, files)
    if rest is not None:
        session.watch_mode = "client"
    if rest == []:
        return
    watcher = ConfigFileWatcher(files.all() if rest is None else rest, asyncio.get_running_loop(),
                                lambda path, kind: on_config_file_change(ls, path, kind))
    try:
        await watcher.start()
        session.watcher = watcher
        session.watch_mode = "client+watchdog" if rest is not None else "watchdog"
    except Exception as err:  # e.g. inotify limits: only reloads are lost
        session.log("warning", f"tierwise cannot watch its configuration files ({err}); changes need a restart")


def supports_configuration_pull(ls: TierwiseServer) -> bool:
    caps = ls.client_capabilities
    return bool(caps and caps.workspace and caps.workspace.configuration)


async def reload_config(ls: TierwiseServer, *, pull: bool) -> None:
    session = ls.session
    if pull and supports_configuration_pull(ls):
        item = types.ConfigurationItem(section="tierwise")
        try:
            answer = await asyncio.wait_for(
                ls.workspace_configuration_async(types.ConfigurationParams(items=[item])), timeout=10
            )
            session.settings.pulled = section_of(answer[0] if answer else None)
        except Exception as err:
            session.log("warning", f"workspace/configuration failed ({err}); using pushed settings")
    session.options, problems = LspOptions.parse(section_of(session.settings.merged()).get("lsp"))
    for problem in problems:
        session.report("warning", f"tierwise setting ignored: {problem}")
    if session.host is not None and await session.host.load(session.settings.config_overrides()):
        session.log("info", "tierwise configuration loaded")
        if session.options.warm_up:
            session.host.warm_up()


async def on_shutdown(ls: TierwiseServer, params: None) -> None:
    """Cancel running tasks and give the engine a moment to save them as resumable."""
    ls.session.tasks.cancel_all("the editor is shutting down")
    await ls.session.tasks.wait_all(timeout_s=5.0)
    if ls.session.host is not None:
        await asyncio.to_thread(ls.session.host.close)  # the model worker process
    if ls.session.watcher is not None:
        await asyncio.to_thread(ls.session.watcher.stop)


# -- configuration and files ------------------------------------------------------------------------
def on_did_change_configuration(ls: TierwiseServer, params: types.DidChangeConfigurationParams) -> None:
    if ls.session.root is None:
        return
    settings = section_of(params.settings)
    if settings:
        ls.session.settings.pushed = settings
    ls.schedule_config_reload(pull=True)


def on_trust(ls: TierwiseServer, params: Any) -> None:
    """``tierwise/trust {trusted: bool}``: the user granted (or withdrew) workspace trust in the editor."""
    value = getattr(params, "trusted", None) if not isinstance(params, dict) else params.get("trusted")
    session = ls.session
    if not isinstance(value, bool):
        session.log("warning", f"tierwise/trust needs {{trusted: true|false}}, got {params!r}; ignored")
        return
    if value == session.trusted or session.root is None:
        return
    session.trusted = value
    session.log("info", "workspace trusted: reading its configuration" if value else trust.NOTE)
    ls.schedule_config_reload(pull=False)


def on_config_file_change(ls: TierwiseServer, path: Path, kind: str) -> None:
    ls.session.log("info", f"{path} {kind}: reloading the tierwise configuration")
    ls.schedule_config_reload(pull=False)


def on_did_change_watched_files(ls: TierwiseServer, params: types.DidChangeWatchedFilesParams) -> None:
    """The client's report for the watchers registered in ``watch_config_files``."""
    files = ls.session.config_files
    if files is None:
        return
    from tierwise.lsp.watcher import changed_config_files

    for path, kind in changed_config_files(files, params):
        on_config_file_change(ls, path, kind)


def _path_of(ls: TierwiseServer, uri: str) -> str | None:
    try:
        return ls.session.relpath(uri)
    except OutsideWorkspace:
        return None


def on_did_open(ls: TierwiseServer, params: types.DidOpenTextDocumentParams) -> None:
    path = _path_of(ls, params.text_document.uri)
    if path is not None and ls.session.files is not None:
        ls.session.files.buffer_changed(path)


def on_did_save(ls: TierwiseServer, params: types.DidSaveTextDocumentParams) -> None:
    path = _path_of(ls, params.text_document.uri)
    if path is not None and ls.session.files is not None:
        ls.session.files.buffer_saved(path)


def on_did_close(ls: TierwiseServer, params: types.DidCloseTextDocumentParams) -> None:
    on_did_open(ls, params)  # type: ignore[arg-type]
    path = _path_of(ls, params.text_document.uri)
    if path is not None and ls.session.context is not None:
        ls.session.context.buffer_changed(path)


def on_did_change(ls: TierwiseServer, params: types.DidChangeTextDocumentParams) -> None:
    session = ls.session
    path = _path_of(ls, params.text_document.uri)
    if path is None or session.files is None:
        return
    changed = False
    for change in params.content_changes:
        changed = session.findings.on_change(path, change) or changed
    if changed:
        session.spawn(session.publish_findings({path}), "diagnostics update")
    session.files.buffer_changed(path)
    if session.context is not None:
        session.context.buffer_changed(path)


# -- code actions -----------------------------------------------------------------------------------
CODE_ACTION_OPTIONS = types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, ca.SOURCE_PLAN], resolve_provider=True
)


def on_code_action(ls: TierwiseServer, params: dict[str, Any]) -> RawJson | None:
    """Plain-JSON params (validated by the protocol's fast path); answers from memory."""
    session = ls.session
    uri = params["textDocument"]["uri"]
    path = _path_of(ls, uri)
    if path is None:
        return None
    context = params["context"]
    only, diagnostics = context.get("only"), context["diagnostics"]
    actions = RawJson()
    doc = session.files.open_document(path) if session.files else None
    if diagnostics and ca.wanted(only, ca.QUICKFIX):
        lazy = ca.resolve_support(ls.client_capabilities)
        version = doc.version if doc else None
        actions += ca.finding_actions(uri, diagnostics, lazy=lazy)
        actions += ca.quick_fix_actions(uri, version, diagnostics, session.quick_fix_title(), lazy=lazy)
    if doc is not None and ca.wanted(only, ca.SOURCE_PLAN):
        actions += ca.source_actions(uri, path, doc.lines, params["range"])
    return actions


async def on_code_action_resolve(ls: TierwiseServer, action: types.CodeAction) -> types.CodeAction:
    from tierwise.lsp import resolve

    data = action.data if isinstance(action.data, dict) else {}
    if data.get("kind") not in (ca.KIND_QUICKFIX, ca.KIND_FINDING):
        return action
    try:
        return await resolve.resolve_action(ls.session, action, data)
    except (OutsideWorkspace, KeyError, TypeError) as err:
        raise JsonRpcInvalidParams(f"codeAction/resolve: bad data ({err})") from None


def on_progress_cancel(ls: TierwiseServer, params: types.WorkDoneProgressCancelParams) -> None:
    if not ls.session.tasks.cancel_by_token(str(params.token)):
        log.info("progress cancel for a finished or unknown token %s", params.token)


def create_server() -> TierwiseServer:
    server = TierwiseServer()
    features = [
        (types.INITIALIZE, on_initialize, None),
        (types.INITIALIZED, on_initialized, None),
        (types.SHUTDOWN, on_shutdown, None),
        (types.WORKSPACE_DID_CHANGE_CONFIGURATION, on_did_change_configuration, None),
        (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, on_did_change_watched_files, None),
        (types.TEXT_DOCUMENT_DID_OPEN, on_did_open, None),
        (types.TEXT_DOCUMENT_DID_CHANGE, on_did_change, None),
        (types.TEXT_DOCUMENT_DID_CLOSE, on_did_close, None),
        (types.TEXT_DOCUMENT_DID_SAVE, on_did_save, types.SaveOptions(include_text=False)),
        (types.TEXT_DOCUMENT_CODE_ACTION, on_code_action, CODE_ACTION_OPTIONS),
        (types.CODE_ACTION_RESOLVE, on_code_action_resolve, None),
        (types.WINDOW_WORK_DONE_PROGRESS_CANCEL, on_progress_cancel, None),
        (trust.TRUST_NOTIFICATION, on_trust, None),
    ]
    for method, handler, options in features:
        server.feature(method, options)(handler)
    from tierwise.lsp.commands import register

    register(server)
    return server


SWITCH_INTERVAL_S = 0.0005
"""The language server's thread switch interval (see ``serve``; docs/benchmarks.md, LSP server)."""


def serve(tcp: str | None = None, stdout: BinaryIO | None = None) -> None:
    """Run over stdio (frames to ``stdout``, by default the process's), or over TCP when ``tcp`` is
    ``HOST:PORT`` (for debugging)."""
    server = create_server()
    # Background threads (the context index, the engine's file work) run Python code that holds the GIL;
    # the event loop gets it back when the holder is asked to drop it, every switch interval (default
    # 5 ms, a wait each time it wants it back). 0.5 ms keeps those waits short for the server's lifetime.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    from tierwise.lsp import gcpolicy

    gcpolicy.install()  # full collections walk only what is new (tierwise.lsp.gcpolicy)
    if tcp is None:
        from tierwise.lsp.stdio import start_io

        start_io(server, sys.stdin.buffer, stdout or sys.stdout.buffer)  # frames written without blocking
        return
    host, _, port = tcp.rpartition(":")
    server.start_tcp(host or "127.0.0.1", int(port))

"""State of one LSP connection, shared by the feature and command handlers.

Created empty with the server; ``start`` fills it when ``initialize`` names the workspace root.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from tierwise.edits.text import split_keepends
from tierwise.lsp import findings as fnd
from tierwise.lsp.client_edits import ClientEdits
from tierwise.lsp.code_actions import quick_fix_label
from tierwise.lsp.engine_host import EngineHost
from tierwise.lsp.files import EditorFiles, read_disk
from tierwise.lsp.paths import OutsideWorkspace, relpath_for, uri_for
from tierwise.lsp.settings import LspOptions, SettingsSources
from tierwise.lsp.tasks import TaskRegistry
from tierwise.lsp.ui import EditorUser
from tierwise.lsp.workspace_edit import ClientEditSupport

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from tierwise.lsp.watcher import ConfigFiles, ConfigFileWatcher

log = logging.getLogger(__name__)


class Session:
    def __init__(self, server: LanguageServer) -> None:
        self.server = server
        self.tasks = TaskRegistry()
        self.findings = fnd.FindingStore()
        self.client_edits = ClientEdits()  # resolved code actions until the client runs editApplied
        self.settings = SettingsSources()
        self.options = LspOptions()
        self.root: Path | None = None
        self.ui: EditorUser | None = None
        self.files: EditorFiles | None = None
        self.host: EngineHost | None = None
        self.watcher: ConfigFileWatcher | None = None  # watchdog, for files the client does not watch
        self.config_files: ConfigFiles | None = None
        self.watch_mode: str | None = None  # "client", "watchdog", "client+watchdog"
        self.background: set[asyncio.Task[Any]] = set()
        self.trusted = True  # the editor's workspace trust (tierwise.lsp.trust)
        self.context: Any = None  # tierwise.lsp.context_index.ContextService, once started

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self, root: Path, init_options: Any) -> None:
        from tierwise.lsp.settings import section_of
        from tierwise.lsp.trust import from_init_options

        self.root = root
        self.trusted, init_options, trust_problem = from_init_options(init_options)
        self.settings.init_options = section_of(init_options)
        self.ui = EditorUser(self.server, root, self.tasks)
        self.files = EditorFiles(
            self.server, root, self.edit_support, write_through=lambda: self.options.write_through,
            on_disk_state=self.ui.disk_states, on_disk_write=self._disk_written,
        )
        self.host = EngineHost(root, self.files, self.ui, self.report, trusted=lambda: self.trusted)
        from tierwise.lsp.context_index import ContextService

        self.context = ContextService(self)
        self.host.context_for = self.context.port_for
        if trust_problem:
            self.report("warning", f"tierwise: {trust_problem}")

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        """A background task kept alive until done; its failure is logged, never raised into the loop."""
        task = asyncio.create_task(coro, name=name)
        self.background.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self.background.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                err = finished.exception()
                log.error("background %s failed: %r", name, err)
                self.report("error", f"tierwise: {name} failed: {err}")

        task.add_done_callback(done)
        return task

    # -- capabilities -------------------------------------------------------------------------------
    def edit_support(self) -> ClientEditSupport:
        encoding = str(getattr(self.server.workspace.position_encoding, "value", None) or "utf-16")
        return ClientEditSupport.from_capabilities(self.server.client_capabilities, encoding)

    # -- messages -------------------------------------------------------------------------------------
    def report(self, level: str, message: str) -> None:
        if self.ui is not None:
            self.ui.notify(level, message)  # type: ignore[arg-type]

    def log(self, level: str, message: str) -> None:
        if self.ui is not None:
            self.ui.log(level, message)  # type: ignore[arg-type]

    # -- paths ----------------------------------------------------------------------------------------
    def require_root(self) -> Path:
        if self.root is None:
            raise OutsideWorkspace("tierwise needs a workspace folder: open a folder, not a single file")
        return self.root

    def relpath(self, uri: str) -> str:
        return relpath_for(self.require_root(), uri)

    def uri(self, relpath: str) -> str:
        return uri_for(self.require_root(), relpath)

    # -- labels answered from memory ------------------------------------------------------------------
    def quick_fix_title(self) -> str:
        host = self.host
        config = host.config if host else None
        if config is None:
            return "Fix with tierwise"  # configuration still loading (a fraction of a second after start)
        if host is not None and host.current_engine() is not None and host.quick_fix_route is not None:
            return quick_fix_label(*host.quick_fix_route)  # as the gateway routes it (fallbacks applied)
        tier = config.route("quickfix").tier
        return quick_fix_label(tier, config.tiers[tier].model)

    # -- review diagnostics ---------------------------------------------------------------------------
    def _disk_written(self, path: str, old: str | None, new: str | None) -> None:
        """tierwise wrote a file that is not open: its review diagnostics move with the text."""
        encoding = str(getattr(self.server.workspace.position_encoding, "value", None) or "utf-16")
        if self.findings.on_rewrite(path, old, new, encoding):
            self.spawn(self.publish_findings({path}), "diagnostics update")

    async def publish_findings(self, paths: set[str] | list[str]) -> None:
        for path in paths:
            try:
                uri = self.uri(path)
            except OutsideWorkspace as err:
                self.log("warning", f"review finding skipped: {err}")
                continue
            findings = self.findings.for_path(path)
            line_units = await self._line_units(path, uri) if findings else (lambda _n: 0)
            diagnostics = [fnd.to_diagnostic(f, line_units) for f in findings]
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
            )

    async def _line_units(self, path: str, uri: str) -> Any:
        doc = self.files.open_document(path) if self.files else None
        if doc is not None:
            lines = doc.lines
            codec = doc.position_codec
        else:
            try:
                text = await asyncio.to_thread(read_disk, self.require_root(), path)
            except (OSError, ValueError):
                text = None
            lines = split_keepends(text or "")
            codec = self.server.workspace.position_codec

        def units(line: int) -> int:
            if line >= len(lines):
                return 0
            return codec.client_num_units(lines[line].rstrip("\r\n"))

        return units

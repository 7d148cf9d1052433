"""Configuration files are the only files watched: the client's didChangeWatchedFiles when it offers
dynamic registration, else non-recursive watchdog watches on the files' folders (never node_modules)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import capabilities, execute, start_client, wait_for, write_config
from lsprotocol import types

from tierwise.lsp.watcher import ConfigFiles, ConfigFileWatcher, changed_config_files, client_watchers
from tierwise.replay.fixtures import replay_tier_config

NO_WARMUP = {"lsp": {"warmUp": False}}


async def test_watchdog_watches_only_the_config_folders_non_recursively(tmp_path: Path) -> None:
    root, user_dir = tmp_path / "ws", tmp_path / "xdg" / "tierwise"
    for folder in (root / "node_modules" / "pkg", root / ".venv" / "lib", root / "src", user_dir):
        folder.mkdir(parents=True)
    files = ConfigFiles(root, user_dir / "config.toml")
    seen: list[tuple[Path, str]] = []
    changed = asyncio.Event()

    def on_change(path: Path, kind: str) -> None:
        seen.append((path, kind))
        changed.set()

    watcher = ConfigFileWatcher(files.all(), asyncio.get_running_loop(), on_change)
    await watcher.start()
    try:
        assert watcher.watches() == sorted([(str(root), False), (str(user_dir), False)])
        # files with the right names elsewhere, and other files in the root: nothing
        (root / "node_modules" / "pkg" / "pyproject.toml").write_text("[project]\n")
        (root / "src" / ".tierwise.toml").write_text("x = 1\n")
        (root / ".venv" / "lib" / "pyproject.toml").write_text("\n")
        (root / "notes.txt").write_text("hello\n")
        await asyncio.sleep(0.5)
        assert seen == []
        (root / ".tierwise.toml").write_text("[routes]\n")
        await asyncio.wait_for(changed.wait(), 10)
        assert {path for path, _ in seen} == {root / ".tierwise.toml"}
        changed.clear()
        (user_dir / "config.toml").write_text("[routes]\n")

        async def user_file_seen() -> None:  # a late second event of the write above may wake us first
            while user_dir / "config.toml" not in {path for path, _ in seen}:
                await changed.wait()
                changed.clear()

        await asyncio.wait_for(user_file_seen(), 10)
        assert user_dir / "config.toml" in {path for path, _ in seen}
    finally:
        watcher.stop()


def test_client_watchers_name_the_config_files(tmp_path: Path) -> None:
    files = ConfigFiles(tmp_path / "ws", tmp_path / "xdg" / "tierwise" / "config.toml")
    relative, rest = client_watchers(files, relative=True)
    assert rest == []
    patterns = {(w.glob_pattern.base_uri, w.glob_pattern.pattern) for w in relative}  # type: ignore[union-attr]
    assert patterns == {
        (f"file://{tmp_path}/ws", ".tierwise.toml"),
        (f"file://{tmp_path}/ws", "pyproject.toml"),
        (f"file://{tmp_path}/xdg/tierwise", "config.toml"),
    }
    plain, rest = client_watchers(files, relative=False)
    assert [w.glob_pattern for w in plain] == ["**/{.tierwise.toml,pyproject.toml}"]
    assert rest == [tmp_path / "xdg" / "tierwise" / "config.toml"]  # watchdog keeps the user file
    # a nested pyproject.toml matched by the plain pattern is not a configuration file of the workspace
    params = types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=f"file://{tmp_path}/ws/sub/pyproject.toml", type=types.FileChangeType.Changed),
        types.FileEvent(uri=f"file://{tmp_path}/ws/.tierwise.toml", type=types.FileChangeType.Created),
    ])
    assert changed_config_files(files, params) == [(tmp_path / "ws" / ".tierwise.toml", "created")]


@pytest.mark.slow
async def test_did_change_watched_files_reloads_the_configuration(workspace: Path, tmp_path: Path) -> None:
    """VS Code offers dynamic registration: the server registers watchers and reloads on the client's report
    (no watchdog of its own for the workspace files)."""
    (workspace / ".tierwise.toml").write_text('[routes]\nquickfix = "nosuchtier"\n', encoding="utf-8")
    xdg = tmp_path / "xdg"
    (xdg / "tierwise").mkdir(parents=True)
    registrations: list[types.RegistrationParams] = []
    client, _, _ = await _start_with_registration(workspace, xdg, registrations)
    try:
        await wait_for(lambda: registrations)
        (registration,) = registrations[0].registrations
        assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        options: Any = registration.register_options
        patterns = [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in options["watchers"]]
        assert patterns == ["**/{.tierwise.toml,pyproject.toml}"]
        await wait_for(lambda: _watch_mode(client, "client+watchdog"))  # watchdog only for the user file
        assert (await execute(client, "tierwise.status"))["configured"] is False
        write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
        await asyncio.sleep(1.0)  # the server does not watch the workspace itself: nothing happens yet
        assert (await execute(client, "tierwise.status"))["configured"] is False
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=(workspace / ".tierwise.toml").as_uri(), type=types.FileChangeType.Changed)
        ]))
        await wait_for(lambda: _configured(client), timeout=20)
    finally:
        await client.shutdown_session()


@pytest.mark.slow
async def test_without_dynamic_registration_watchdog_reloads(workspace: Path, tmp_path: Path) -> None:
    (workspace / ".tierwise.toml").write_text('[routes]\nquickfix = "nosuchtier"\n', encoding="utf-8")
    client, _, _ = await start_client(workspace, capabilities("neovim"), init_options={"tierwise": NO_WARMUP},
                                      env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    try:
        await wait_for(lambda: _watch_mode(client, "watchdog"))
        write_config(workspace, replay_tier_config("http://127.0.0.1:9/v1"))
        await wait_for(lambda: _configured(client), timeout=20)
    finally:
        await client.shutdown_session()


async def _start_with_registration(workspace: Path, xdg: Path, registrations: list[Any]) -> Any:
    caps = capabilities("visual-studio-code")
    assert caps.workspace and caps.workspace.did_change_watched_files
    assert caps.workspace.did_change_watched_files.dynamic_registration
    return await start_client(workspace, caps, init_options={"tierwise": NO_WARMUP},
                              env={"XDG_CONFIG_HOME": str(xdg)}, on_client=_accept(registrations))


def _accept(registrations: list[Any]) -> Any:
    def install(client: Any) -> None:
        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            registrations.append(params)

    return install


async def _configured(client: Any) -> bool:
    return bool((await execute(client, "tierwise.status"))["configured"])


async def _watch_mode(client: Any, mode: str) -> bool:
    status = await execute(client, "tierwise.status")
    return bool(status["watching"]) and status["configWatch"] == mode

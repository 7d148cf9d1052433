"""The checkpoint port is async: git runs on the repository's own thread (gitpython's Repo never crosses
threads), so the event loop keeps running while git is slow."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import git as gitpython
import pytest

from tierwise.vcs import GitCheckpoints, checkpoints_for, repository


def slow_git(tmp_path: Path, seconds: float, command: str = "hash-object") -> Path:
    """A ``git`` on PATH that sleeps before ``command`` (and leaves a mark), then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    folder = tmp_path / "slowbin"
    folder.mkdir()
    marker = tmp_path / "slow-git-ran"
    script = folder / "git"
    script.write_text(
        f'#!/bin/sh\nfor a in "$@"; do if [ "$a" = "{command}" ]; then touch "{marker}"; sleep {seconds}; fi; done\n'
        f'exec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return marker


async def test_a_slow_checkpoint_does_not_block_the_event_loop(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = checkpoints_for(repo)
    assert isinstance(store, GitCheckpoints)
    marker = slow_git(tmp_path, 2.0)
    monkeypatch.setenv("PATH", f"{tmp_path / 'slowbin'}{os.pathsep}{os.environ['PATH']}")
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticks = asyncio.create_task(ticker())
    started = time.perf_counter()
    await store.checkpoint("t1", ["src/app.py"])
    took = time.perf_counter() - started
    ticks.cancel()
    assert marker.exists() and took >= 2.0, "the slow git really ran"
    assert len(gaps) > 50 and max(gaps) < 0.5, f"the loop stalled {max(gaps):.2f} s while git ran"
    (repo / "src" / "app.py").write_text("changed\n")
    await store.record_written("t1", ["src/app.py"])
    assert await store.restore("t1") == ["src/app.py"]


async def test_gitpython_repo_stays_on_its_thread(repo: Path) -> None:
    shared = repository(repo)
    assert repository(repo / "src") is shared, "one GitRepo per repository"

    def inspect(git_repo):  # runs on the repository's thread
        return isinstance(git_repo.repo, gitpython.Repo), Path(git_repo.repo.working_tree_dir)

    is_repo, top = await shared.call(inspect, shared)
    assert is_repo and top == repo.resolve()
    with pytest.raises(RuntimeError, match="outside its worker thread"):
        shared.repo  # noqa: B018 - the event loop's thread may not touch gitpython's Repo


async def test_concurrent_checkpoints_of_one_task_do_not_lose_entries(repo: Path) -> None:
    for i in range(8):
        (repo / f"f{i}.txt").write_text(f"{i}\n")
    store = GitCheckpoints(repo)
    await asyncio.gather(*(store.checkpoint("t1", [f"f{i}.txt"]) for i in range(8)))
    assert await store.touched("t1") == [f"f{i}.txt" for i in range(8)]


async def test_inherited_git_dir_cannot_redirect_checkpoints(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    gitpython.Repo.init(other)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))  # e.g. tierwise started from a hook of another repo
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    store = GitCheckpoints(repo)
    await store.checkpoint("t9", ["README.md"])
    refs = gitpython.Repo(repo).git.for_each_ref("refs/tierwise", env={"GIT_DIR": str(repo / ".git")})
    assert "refs/tierwise/tasks/t9/base" in refs
    assert not (other / ".git" / "refs" / "tierwise").exists()

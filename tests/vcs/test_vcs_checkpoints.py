"""Checkpoints and undo in real git repositories and in plain folders."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from vcs_support import git

from tierwise.vcs import (
    CopyCheckpoints,
    GitCheckpoints,
    InvalidPath,
    NoCheckpoint,
    UserChangedFile,
    VcsError,
    checkpoints_for,
    is_git_repo,
)


def snapshot(root: Path) -> dict[str, object]:
    """Everything of the user's that a checkpoint must leave alone."""
    index = (root / ".git" / "index").read_bytes()  # read before any git command could refresh it
    untracked = {
        p: (root / p).read_bytes() for p in git(root, "ls-files", "--others", "--exclude-standard").split()
    }
    return {
        "index": hashlib.sha256(index).hexdigest(),
        "status": git(root, "status", "--porcelain"),
        "head": git(root, "rev-parse", "HEAD"),
        "branch": git(root, "symbolic-ref", "HEAD"),
        "branches": git(root, "branch", "--list"),
        "stash": git(root, "stash", "list"),
        "untracked": untracked,
    }


def task_edits(root: Path) -> None:
    """What a task does: modify, create (in a new folder), delete, drop the exec bit."""
    (root / "src" / "app.py").write_text("def f():\n    return 2\n")
    (root / "src" / "new" / "deep").mkdir(parents=True)
    (root / "src" / "new" / "deep" / "mod.py").write_text("X = 1\n")
    (root / "README.md").unlink()
    (root / "run.sh").write_text("#!/bin/sh\necho bye\n")


TOUCHED = ["src/app.py", "src/new/deep/mod.py", "README.md", "run.sh"]


@pytest.fixture
def busy_repo(repo: Path) -> Path:
    """A repo with staged and unstaged user work, an untracked file and a stash entry."""
    (repo / "notes.txt").write_text("untracked notes\n")
    (repo / "README.md").write_text("# demo\nstaged line\n")
    git(repo, "add", "README.md")
    (repo / "src" / "app.py").write_text("def f():\n    return 1  # unstaged\n")
    (repo / "stashme.txt").write_text("x\n")
    git(repo, "add", "stashme.txt")
    git(repo, "stash", "push", "-q", "-m", "user stash", "--", "stashme.txt")
    return repo


async def test_checkpoint_and_undo_leave_the_users_git_state_alone(busy_repo: Path) -> None:
    before_files = {p: (busy_repo / p).read_bytes() for p in ["README.md", "src/app.py", "run.sh"]}
    before = snapshot(busy_repo)
    store = GitCheckpoints(busy_repo)
    await store.checkpoint("t1", TOUCHED)
    assert snapshot(busy_repo) == before
    task_edits(busy_repo)
    await store.record_written("t1", TOUCHED)
    restored = await store.restore("t1")
    assert sorted(restored) == sorted(TOUCHED)
    assert snapshot(busy_repo) == before
    assert {p: (busy_repo / p).read_bytes() for p in before_files} == before_files
    assert git(busy_repo, "diff", "--cached", "--name-only").split() == ["README.md"]  # still staged


async def test_undo_restores_modified_created_and_deleted_files(repo: Path) -> None:
    store = GitCheckpoints(repo)
    await store.checkpoint("t1", TOUCHED)
    os.chmod(repo / "run.sh", 0o644)
    task_edits(repo)
    await store.record_written("t1", TOUCHED)
    await store.restore("t1")
    assert (repo / "src" / "app.py").read_text() == "def f():\n    return 1\n"
    assert (repo / "README.md").read_text() == "# demo\n"
    assert not (repo / "src" / "new").exists(), "folders the task created are removed"
    assert os.stat(repo / "run.sh").st_mode & 0o111, "the exec bit comes back"
    assert git(repo, "status", "--porcelain") == ""
    assert await store.restore("t1") == []  # a second undo has nothing left to do


async def test_private_refs_keep_the_content_through_gc(repo: Path) -> None:
    store = GitCheckpoints(repo)
    await store.checkpoint("t2", ["src/app.py"])
    (repo / "src" / "app.py").write_text("changed\n")
    await store.record_written("t2", ["src/app.py"])
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/tierwise")
    assert refs.split() == ["refs/tierwise/tasks/t2/after", "refs/tierwise/tasks/t2/base"]
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")
    assert await store.restore("t2") == ["src/app.py"]
    assert (repo / "src" / "app.py").read_text() == "def f():\n    return 1\n"
    await store.forget("t2")
    assert git(repo, "for-each-ref", "refs/tierwise") == ""
    with pytest.raises(NoCheckpoint):
        await store.restore("t2")


async def test_only_the_first_checkpoint_of_a_path_counts(repo: Path) -> None:
    store = GitCheckpoints(repo)
    await store.checkpoint("t1", ["src/app.py"])
    (repo / "src" / "app.py").write_text("step one\n")
    await store.checkpoint("t1", ["src/app.py"])  # touched again later in the task
    (repo / "src" / "app.py").write_text("step two\n")
    await store.record_written("t1", ["src/app.py"])
    await store.restore("t1")
    assert (repo / "src" / "app.py").read_text() == "def f():\n    return 1\n"


@pytest.mark.parametrize("store_cls", [GitCheckpoints, CopyCheckpoints])
async def test_refuses_when_the_user_changed_a_file_after_the_task(repo: Path, store_cls: type) -> None:
    store = store_cls(repo)
    await store.checkpoint("t1", ["src/app.py", "README.md"])
    (repo / "src" / "app.py").write_text("task version\n")
    (repo / "README.md").write_text("task readme\n")
    await store.record_written("t1", ["src/app.py", "README.md"])
    (repo / "src" / "app.py").write_text("task version\nuser addition\n")
    with pytest.raises(UserChangedFile) as info:
        await store.restore("t1")
    assert info.value.paths == ["src/app.py"]
    assert "src/app.py" in str(info.value) and "--force" in str(info.value)
    assert (repo / "README.md").read_text() == "task readme\n", "a refused undo changes nothing"
    assert await store.changed_by_user("t1") == ["src/app.py"]
    assert sorted(await store.restore("t1", force=True)) == ["README.md", "src/app.py"]
    assert (repo / "src" / "app.py").read_text() == "def f():\n    return 1\n"


@pytest.mark.parametrize("store_cls", [GitCheckpoints, CopyCheckpoints])
async def test_restore_leaves_skipped_paths_to_the_caller(repo: Path, store_cls: type) -> None:
    """Files open in the editor are restored through their buffers: restore neither checks nor writes them."""
    store = store_cls(repo)
    await store.checkpoint("t1", ["src/app.py", "README.md"])
    (repo / "src" / "app.py").write_text("task version\n")
    (repo / "README.md").write_text("task readme\n")
    await store.record_written("t1", ["src/app.py", "README.md"])
    (repo / "src" / "app.py").write_text("what the editor saved\n")  # would be a conflict if checked
    assert await store.restore("t1", skip=["src/app.py"]) == ["README.md"]
    assert (repo / "src" / "app.py").read_text() == "what the editor saved\n"
    assert (repo / "README.md").read_text() == "# demo\n"
    (repo / "src" / "app.py").write_text("def f():\n    return 1\n")  # the editor saved the restored buffer
    assert await store.restore("t1") == []  # recorded as restored: a second undo finds nothing and refuses nothing


async def test_user_deleting_or_recreating_a_file_counts_as_a_change(repo: Path) -> None:
    store = GitCheckpoints(repo)
    await store.checkpoint("t1", ["src/app.py", "created.txt"])
    (repo / "src" / "app.py").write_text("task\n")
    (repo / "created.txt").write_text("task made me\n")
    await store.record_written("t1", ["src/app.py", "created.txt"])
    (repo / "src" / "app.py").unlink()
    with pytest.raises(UserChangedFile, match="src/app.py"):
        await store.restore("t1")
    (repo / "src" / "app.py").write_text("task\n")
    assert sorted(await store.restore("t1")) == ["created.txt", "src/app.py"]
    assert not (repo / "created.txt").exists()


async def test_diff_shows_modified_new_and_deleted_files(repo: Path) -> None:
    store = GitCheckpoints(repo)
    await store.checkpoint("t1", TOUCHED)
    assert await store.diff("t1") == ""
    task_edits(repo)
    diff = await store.diff("t1")
    assert "diff --git a/src/app.py b/src/app.py\n--- a/src/app.py\n+++ b/src/app.py\n" in diff
    assert "-    return 1\n+    return 2\n" in diff
    assert "new file mode 100644\n--- /dev/null\n+++ b/src/new/deep/mod.py\n@@ -0,0 +1 @@\n+X = 1\n" in diff
    assert "deleted file mode 100644\n--- a/README.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-# demo\n" in diff
    # the diff is a real patch: reverse-applying it in a copy of the repo gives back HEAD
    patch = repo.parent / "task.patch"
    patch.write_text(diff)
    git(repo, "apply", "--check", "-R", str(patch))


async def test_diff_of_binary_and_no_trailing_newline(tmp_path: Path) -> None:
    store = CopyCheckpoints(tmp_path)
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01")
    await store.checkpoint("t1", ["blob.bin", "x.txt"])
    (tmp_path / "blob.bin").write_bytes(b"\x00\x02")
    (tmp_path / "x.txt").write_text("no newline")
    diff = await store.diff("t1")
    assert "Binary files a/blob.bin and b/blob.bin differ" in diff
    assert "+no newline\n\\ No newline at end of file\n" in diff


async def test_copy_checkpoints_outside_git(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "a.txt").write_text("original\n")
    assert not is_git_repo(root)
    store = checkpoints_for(root)
    assert isinstance(store, CopyCheckpoints)
    await store.checkpoint("t1", ["a.txt", "b/new.txt"])
    copies = list((root / ".tierwise" / "tasks" / "t1" / "checkpoint").iterdir())
    assert [c.read_text() for c in copies] == ["original\n"]
    (root / "a.txt").write_text("edited\n")
    (root / "b").mkdir()
    (root / "b" / "new.txt").write_text("new\n")
    await store.record_written("t1", ["a.txt", "b/new.txt"])
    assert "+edited" in await store.diff("t1") and "+++ b/b/new.txt" in await store.diff("t1")
    assert sorted(await store.restore("t1")) == ["a.txt", "b/new.txt"]
    assert (root / "a.txt").read_text() == "original\n"
    assert not (root / "b").exists()


async def test_checkpoints_for_picks_git_in_a_repo_and_subfolder(repo: Path) -> None:
    assert isinstance(checkpoints_for(repo), GitCheckpoints)
    store = checkpoints_for(repo / "src")  # a workspace that is a folder inside the repo
    assert isinstance(store, GitCheckpoints)
    await store.checkpoint("t1", ["app.py"])
    (repo / "src" / "app.py").write_text("x\n")
    await store.record_written("t1", ["app.py"])
    assert await store.restore("t1") == ["app.py"]
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "bad", ["../outside.txt", "/etc/passwd", ".git/config", ".tierwise/x", "", "a/../../b"]
)
async def test_paths_must_stay_inside_the_workspace(repo: Path, bad: str) -> None:
    with pytest.raises(InvalidPath):
        await GitCheckpoints(repo).checkpoint("t1", [bad])


async def test_symlinked_folder_pointing_outside_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "link").symlink_to(outside)
    with pytest.raises(InvalidPath, match="outside"):
        await GitCheckpoints(repo).checkpoint("t1", ["link/file.txt"])


@pytest.mark.parametrize("bad", ["a/b", "../x", "x..y", "x.lock", "", "-x", "a b"])
async def test_task_ids_are_validated(repo: Path, bad: str) -> None:
    with pytest.raises(InvalidPath, match="invalid task id"):
        await GitCheckpoints(repo).checkpoint(bad, ["README.md"])


async def test_record_written_needs_a_checkpoint(repo: Path) -> None:
    store = GitCheckpoints(repo)
    with pytest.raises(NoCheckpoint):
        await store.record_written("t1", ["README.md"])
    await store.checkpoint("t1", ["README.md"])
    with pytest.raises(VcsError, match="was not checkpointed"):
        await store.record_written("t1", ["src/app.py"])


async def test_damaged_manifest_gives_a_clear_error(repo: Path) -> None:
    store = GitCheckpoints(repo)
    await store.checkpoint("t1", ["README.md"])
    store.manifest_path("t1").write_text("{not json")
    with pytest.raises(VcsError, match="damaged"):
        await store.restore("t1")


async def test_tierwise_folder_is_ignored_by_git(repo: Path) -> None:
    await GitCheckpoints(repo).checkpoint("t1", ["README.md"])
    assert (repo / ".tierwise" / ".gitignore").read_text().strip().endswith("*")
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert (
        subprocess.run(
            ["git", "check-ignore", "-q", ".tierwise/tasks/t1/checkpoint.json"], cwd=repo
        ).returncode
        == 0
    )

"""Isolation of runs: fresh copies, git revisions exported without touching the source, hidden files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tierwise.bench.suite import load_task
from tierwise.bench.workspace import (
    WorkspaceError,
    copy_hidden,
    prepare_workspace,
    remove_workspace,
    tree_digest,
)

REPO = Path(__file__).resolve().parents[2]


def git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x", "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_copies_are_fresh_git_repositories_and_leave_the_suite_alone(tmp_path: Path) -> None:
    task = load_task(REPO / "bench" / "suite" / "py-median")
    before = tree_digest(task.folder)
    first = prepare_workspace(task, tmp_path, label="a")
    second = prepare_workspace(task, tmp_path, label="b")
    try:
        assert first != second
        assert (first / "stats.py").read_text() == (task.folder / "repo" / "stats.py").read_text()
        assert git(first, "status", "--porcelain") == ""
        assert git(first, "log", "--format=%s") == "bench start: py-median"
        assert not (first / "tests" / "test_stats_hidden.py").exists()
        (first / "stats.py").write_text("broken\n")
        assert (second / "stats.py").read_text() != "broken\n"
        copied = copy_hidden(task, first)
        assert copied == ["tests/test_stats_hidden.py"]
        assert (first / "tests" / "test_stats_hidden.py").is_file()
    finally:
        remove_workspace(first)
        remove_workspace(second)
    assert not first.exists() and not second.exists()
    assert tree_digest(task.folder) == before


def test_source_revision_is_exported_without_touching_the_source_repository(tmp_path: Path) -> None:
    source = tmp_path / "project"
    source.mkdir()
    git(source, "init", "-q", "-b", "main")
    (source / "app.py").write_text("VERSION = 1\n")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "one")
    first_commit = git(source, "rev-parse", "HEAD")
    (source / "app.py").write_text("VERSION = 2\n")
    git(source, "commit", "-q", "-am", "two")
    (source / "app.py").write_text("VERSION = 3  # uncommitted work of the user\n")
    task_dir = tmp_path / "suite" / "t"
    task_dir.mkdir(parents=True)
    (task_dir / "task.toml").write_text(
        f'description = "bump"\ncheck = "true"\nsource = "../../project"\nrevision = "{first_commit}"\n'
    )
    task = load_task(task_dir)
    before = tree_digest(source)
    workspace = prepare_workspace(task, tmp_path)
    try:
        assert (workspace / "app.py").read_text() == "VERSION = 1\n"
        assert git(workspace, "status", "--porcelain") == ""
    finally:
        remove_workspace(workspace)
    assert tree_digest(source) == before
    assert git(source, "worktree", "list").count("\n") == 0


def _task_with_a_bad_revision(tmp_path: Path) -> Path:
    """A task folder whose source is a one-commit git project and whose revision does not exist there."""
    source = tmp_path / "project"
    source.mkdir()
    git(source, "init", "-q")
    (source / "a.txt").write_text("a\n")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "a")
    task_dir = tmp_path / "t"
    task_dir.mkdir()
    (task_dir / "task.toml").write_text('description = "x"\ncheck = "true"\nsource = "../project"\nrevision = "nope"\n')
    return task_dir


def test_bad_revision_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    task_dir = _task_with_a_bad_revision(tmp_path)
    parent = tmp_path / "runs"
    parent.mkdir()
    with pytest.raises(WorkspaceError, match="git archive"):
        prepare_workspace(load_task(task_dir), parent)
    assert list(parent.iterdir()) == []


def test_hidden_files_may_not_reach_git_internals(tmp_path: Path) -> None:
    task_dir = tmp_path / "t"
    (task_dir / "repo").mkdir(parents=True)
    (task_dir / "repo" / "a.py").write_text("")
    (task_dir / "hidden" / ".git").mkdir(parents=True)
    (task_dir / "hidden" / ".git" / "config").write_text("[core]\n")
    (task_dir / "task.toml").write_text('description = "x"\ncheck = "true"\n')
    task = load_task(task_dir)
    workspace = prepare_workspace(task, tmp_path)
    try:
        with pytest.raises(WorkspaceError, match="may not go into .git"):
            copy_hidden(task, workspace)
    finally:
        remove_workspace(workspace)


def test_a_run_whose_copy_cannot_be_made_is_recorded_not_fatal(tmp_path: Path) -> None:
    import asyncio

    from tierwise.bench.configs import parse_configs
    from tierwise.bench.runner import BenchOptions, run_bench

    task_dir = _task_with_a_bad_revision(tmp_path)
    config_set = parse_configs({"configs": {"a": {}, "b": {}}})
    report = asyncio.run(run_bench([load_task(task_dir)], config_set, config_set.configs, BenchOptions(jobs=2)))
    assert [r.config for r in report.records] == ["a", "b"]
    for record in report.records:
        assert record.status == "error" and not record.passed
        assert record.error is not None and "cannot prepare the run's copy" in record.error
    assert [s.errors for s in report.summaries] == [1, 1]

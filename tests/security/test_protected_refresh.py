"""Issue #11 finding 1, leftover: a git dir that appears after tierwise started (``git init``, ``git worktree
add``, a moved ``--separate-git-dir``) is protected by its resolved path, not only by the name ``.git`` —
and finding that out costs no git subprocess per write (real git throughout)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from e2e_support import calls, config, engine
from hostile_support import MEDIAN_FIX, NO_OP_FIX, Fortress, plan_md
from test_protected_ports import PLAN

from tierwise import protected
from tierwise.edits import PathOutsideWorkspace, resolve_for_write
from tierwise.engine.planfile import PlanInvalid, load_valid_plan
from tierwise.protected import protection_for


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(cwd)})


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("x = 1\n")
    return root


def test_git_init_after_start_protects_the_separate_git_dir(plain: Path) -> None:
    (plain / "gitdata").mkdir()
    assert resolve_for_write(plain, "gitdata/config") == plain / "gitdata" / "config"  # an ordinary folder yet
    load_valid_plan(PLAN.format(path="gitdata/config"), plain, None)
    _git("init", "-q", "--separate-git-dir", str(plain / "gitdata"), str(plain), cwd=plain)
    assert (plain / ".git").is_file()
    for path in ("gitdata/config", "gitdata/hooks/pre-commit", "gitdata/HEAD"):
        with pytest.raises(PathOutsideWorkspace, match="gitdata"):
            resolve_for_write(plain, path)
        with pytest.raises(PlanInvalid, match="gitdata"):
            load_valid_plan(PLAN.format(path=path), plain, None)
    resolve_for_write(plain, "src/app.py")  # the rest stays writable


def test_a_moved_git_dir_is_followed(plain: Path) -> None:
    _git("init", "-q", "--separate-git-dir", str(plain / "meta1"), str(plain), cwd=plain)
    with pytest.raises(PathOutsideWorkspace, match="meta1"):
        resolve_for_write(plain, "meta1/config")
    # re-initialising with another --separate-git-dir moves the repository and rewrites the .git file
    _git("init", "-q", "--separate-git-dir", str(plain / "meta2"), str(plain), cwd=plain)
    assert not (plain / "meta1").exists()
    with pytest.raises(PathOutsideWorkspace, match="meta2"):
        resolve_for_write(plain, "meta2/hooks/pre-commit")


def test_a_worktree_added_after_start_protects_its_git_dir_and_common_dir(tmp_path: Path) -> None:
    main = tmp_path / "main"
    main.mkdir()
    _git("init", "-q", str(main), cwd=tmp_path)
    (main / "a.txt").write_text("a\n")
    _git("add", "a.txt", cwd=main)
    _git("commit", "-qm", "a", cwd=main)
    work = tmp_path / "wt"
    work.mkdir()
    admin, common = main / ".git" / "worktrees" / "wt", main / ".git"
    before = protection_for(work)
    assert before.reason(str(common / "config")) is None  # not a repository yet: nothing of main's is known
    _git("worktree", "add", "-q", str(work), cwd=main)
    assert (work / ".git").is_file() and admin.is_dir()
    after = protection_for(work)
    assert after.reason(str(admin / "HEAD")) is not None  # the worktree's own git dir
    assert after.reason(str(common / "config")) is not None  # and the common dir, outside the workspace
    assert after.reason(str(common / "hooks" / "pre-commit")) is not None
    assert after.reason(str(work / "a.txt")) is None


def test_writes_ask_git_only_when_dot_git_changed(plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting(args, *rest, **kwargs):  # noqa: ANN001, ANN002, ANN003 - the subprocess.run signature
        if "rev-parse" in args:
            calls.append(list(args))
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(protected.subprocess, "run", counting)
    for _ in range(50):
        resolve_for_write(plain, "src/app.py")
    assert len(calls) <= 1  # at most the first resolution of this root
    _git("init", "-q", str(plain), cwd=plain)
    for _ in range(50):
        resolve_for_write(plain, "src/app.py")
    assert len(calls) <= 2  # once more for the new .git, then cached again


@pytest.mark.slow
async def test_the_loop_refuses_a_git_dir_moved_mid_task(tmp_path: Path, replay_server, tier_config) -> None:
    """Real loop (replay server over HTTP, real git, real pytest), one long-lived engine as in the language
    server: the plan and implement phases run while the repository has an ordinary ``.git`` folder; then the
    user moves it (``git init --separate-git-dir gitdata``), and the fix reply writes into ``gitdata/``."""
    fort = Fortress.build(tmp_path)
    root = fort.root
    ran = fort.marker("hook-ran")
    hook = f"#!/bin/sh\ntouch {ran}\n"
    hostile_fix = MEDIAN_FIX + "\n".join([
        "gitdata/hooks/pre-commit\n<<<<<<< SEARCH\n=======\n" + hook + ">>>>>>> REPLACE\n",
        "gitdata/config\n<<<<<<< SEARCH\n[core]\n=======\n[core]\n\thooksPath = " + str(fort.outside)
        + "\n>>>>>>> REPLACE\n",
    ])
    server = replay_server({"rules": [
        {"model": "replay-frontier", "match": "planning engineer", "reply": plan_md(("modify", "textstats/stats.py"))},
        {"model": "replay-mid", "match": "implement one step", "reply": NO_OP_FIX},
        {"match": "You fix failing checks", "reply": hostile_fix, "times": 0},
    ]})
    loop = engine(root, config(tier_config, server.url, loop={"fix_rounds": 1}))
    first = await loop.run("Fix median", phases=["plan", "implement"])
    assert first.status == "done" and [k for _, k in calls(server.requests())] == ["plan", "implement"]
    _git("init", "-q", "--separate-git-dir", str(root / "gitdata"), str(root), cwd=root)
    assert (root / ".git").is_file() and (root / "gitdata" / "config").is_file()
    config_before = (root / "gitdata" / "config").read_bytes()
    state = await loop.run("", resume=first.id, phases=["plan", "implement", "fix"])
    assert [k for _, k in calls(server.requests())] == ["plan", "implement", "fix"]
    assert state.tests_passed is True and state.touched_files == ["textstats/stats.py"]
    assert (root / "gitdata" / "config").read_bytes() == config_before
    assert not (root / "gitdata" / "hooks" / "pre-commit").exists() and not ran.exists()


def test_git_dirs_inside_the_workspace_are_protected_by_shape_whatever_their_name(plain: Path) -> None:
    """A bare repository, and a nested repository whose git dir was put elsewhere in the workspace: found
    without git (their hooks would run on the user's next push or commit there)."""
    _git("init", "-q", "--bare", str(plain / "vendor" / "lib.git"), cwd=plain)
    (plain / "modules").mkdir()
    _git("init", "-q", "--separate-git-dir", str(plain / "modules" / "sub"), str(plain / "sub"), cwd=plain)
    for path in ("vendor/lib.git/hooks/post-receive", "vendor/lib.git/config", "modules/sub/hooks/pre-commit",
                 "modules/sub/HEAD"):
        with pytest.raises(PathOutsideWorkspace, match="git repository's own folder"):
            resolve_for_write(plain, path)
        with pytest.raises(PlanInvalid):
            load_valid_plan(PLAN.format(path=path), plain, None)
    (plain / "vendor" / "README.md").write_text("vendored\n")
    resolve_for_write(plain, "vendor/README.md")  # next to the repository, not in it
    resolve_for_write(plain, "sub/module.py")  # the nested repository's work tree stays editable
    resolve_for_write(plain, "src/app.py")

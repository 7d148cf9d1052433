"""bench/caching: the real-repository task builder (real git, the real check script) and the prefix measure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.caching import prefix_share, real_suite, search_visible  # noqa: E402

from tierwise.bench.configs import ScriptedSettings  # noqa: E402
from tierwise.bench.scripted import compose_script, load_behaviours  # noqa: E402
from tierwise.bench.suite import load_task  # noqa: E402

A_OLD = "".join(f"line {i}\n" for i in range(40))
A_NEW = A_OLD.replace("line 3\n", "line three\n").replace("line 30\n", "line thirty\n")
B_OLD = "def b():\n    return 1\n"
B_NEW = "def b():\n    return 2\n"


def _git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x",
           "HOME": str(cwd), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _mirror(tmp_path: Path) -> tuple[Path, dict]:
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    (work / "a.txt").write_text(A_OLD)
    (work / "b.py").write_text(B_OLD)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "start")
    parent = _git(work, "rev-parse", "HEAD")
    (work / "a.txt").write_text(A_NEW)
    (work / "b.py").write_text(B_NEW)
    _git(work, "commit", "-q", "-am", "Change a and b\n\n```\nan unterminated fence in the message")
    commit = _git(work, "rev-parse", "HEAD")
    mirror = tmp_path / "mirror" / "own+proj" / "repo"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirror)], check=True)
    task = {"id": f"own/proj@{commit[:10]}", "repo": "own/proj", "language": "python", "commit": commit,
            "parent": parent, "text": "Change a and b\n\n```\nan unterminated fence in the message",
            "files": ["b.py", "a.txt"], "symbols": [{"file": "b.py", "qualname": "b"}]}
    return tmp_path / "mirror", task


def test_real_task_scripts_the_real_diff_and_holds_back_one_hunk_for_fix(tmp_path: Path) -> None:
    mirror, task = _mirror(tmp_path)
    name = real_suite.build_task(task, mirror, tmp_path / "suite")
    assert name == f"own-proj-{task['commit'][:10]}"
    folder = tmp_path / "suite" / name
    spec = load_task(folder)
    assert spec.revision == task["parent"] and spec.check == spec.test_command
    assert (folder / "expected" / "a.txt").read_text() == A_NEW

    rules = load_behaviours(folder / "replay.toml")["shared"]
    assert [r["phase"] for r in rules] == ["explore", "plan", "refine", "implement", "implement", "fix", "review"]
    plan = rules[1]["reply"]
    assert "- modify `b.py`: change `b`" in plan and "- modify `a.txt`" in plan and "```" not in plan
    assert "return 2" in rules[3]["reply"]  # b.py whole hunk
    assert "line three" in rules[4]["reply"] and "line thirty" not in rules[4]["reply"]  # last hunk held back
    assert "line thirty" in rules[5]["reply"]
    compose_script({"strong": [], "weak": [], "shared": rules}, ["frontier", "light"], ScriptedSettings())

    # the check is real: it fails with the diff of what is missing, and passes on the commit's files
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_text(A_NEW.replace("line thirty", "line 30"))
    (ws / "b.py").write_text(B_NEW)
    check = [sys.executable, str(folder / "expect.py")]
    failed = subprocess.run(check, cwd=ws, capture_output=True, text=True)
    assert failed.returncode == 1 and "+line thirty" in failed.stdout and "FAILED: 1 of 2" in failed.stdout
    (ws / "a.txt").write_text(A_NEW)
    assert subprocess.run(check, cwd=ws, capture_output=True, text=True).returncode == 0


def _request(model: str, *contents: str) -> str:
    messages = [{"role": "system", "content": "sys " * 50}, *({"role": "user", "content": c} for c in contents)]
    return json.dumps({"model": model, "status": 200, "messages": messages,
                       "usage": {"prompt_tokens_details": {"cached_tokens": 0}}})


def test_prefix_share_counts_what_repeats_an_earlier_request_per_phase(tmp_path: Path) -> None:
    shared = "the repository context " * 100
    log = tmp_path / "bench-replay.jsonl"
    log.write_text("\n".join([
        _request("replay-frontier", shared, "Write PLAN.md for this task now."),
        _request("replay-mid", shared, "Your file: `a.py`"),
        _request("replay-mid", shared, "Your file: `b.py`"),
    ]) + "\n")
    figures = prefix_share.measure_log(log, "t")
    assert figures.requests == 3 and figures.files == {"a.py", "b.py"}
    phases = [d[0] for d in figures.details]
    assert phases == ["plan", "implement", "implement"]
    plan, first, second = figures.details
    assert plan[3] == 0 and plan[4] == 0
    assert 0 < first[3] < first[2] and first[4] == 0  # shares the context with plan, another model
    assert second[4] > first[3]  # same model: everything up to the file name
    assert figures.prefix_tokens == sum(d[3] for d in figures.details)


def test_a_cache_write_ratio_makes_the_scripted_tiers_explicit_caching_models() -> None:
    from tierwise.config.model import Config
    from tierwise.gateway.pricing import explicit_caching

    plain = ScriptedSettings().tiers(["mid"], "http://127.0.0.1:1/v1", "KEY")
    anthropic = ScriptedSettings(cache_write_ratio=1.25).tiers(["mid"], "http://127.0.0.1:1/v1", "KEY")
    assert "cache_write_per_mtok" not in plain["mid"]["price"]
    assert anthropic["mid"]["price"]["cache_write_per_mtok"] == 3.75
    tier = Config.model_validate({"tiers": anthropic}).tiers["mid"]
    assert explicit_caching(tier.deployments()[0]) and not explicit_caching(
        Config.model_validate({"tiers": plain}).tiers["mid"].deployments()[0])


def test_search_visible_finds_search_text_missing_from_the_prompt(tmp_path: Path) -> None:
    replies = tmp_path / "run" / ".tierwise" / "tasks" / "t1" / "replies"
    replies.mkdir(parents=True)
    shown = "### a.py\nLines 1-2 (f):\n```python\n1 | def f():\n2 |     return 1\n```"
    prompt = {"messages": [{"role": "user", "content": shown}]}
    (replies / "implement.1.0.r0.prompt.json").write_text(json.dumps(prompt))
    (replies / "implement.1.0.r0.md").write_text(
        "a.py\n<<<<<<< SEARCH\ndef f():\n    return 1\n\n=======\ndef f():\n    return 2\n>>>>>>> REPLACE\n")
    (replies / "fix.1.1.prompt.json").write_text(json.dumps(prompt))
    (replies / "fix.1.1.md").write_text("a.py\n<<<<<<< SEARCH\n    return 3\n=======\n    return 4\n>>>>>>> REPLACE\n")
    total, missing = search_visible.check(tmp_path)
    assert total == 2 and len(missing) == 1 and "fix.1.1.md" in missing[0] and "return 3" in missing[0]
    assert search_visible.main([str(tmp_path)]) == 1

"""A bench suite of multi-file tasks on real repositories, for measuring prompt caching (issue #13).

    PYTHONPATH=server python bench/caching/real_suite.py OUT [--mirror /work/.mirror] [--corpus ...]

For every task of ``bench/context/corpus.json`` (real commits of real projects) that changes two or more
files, it writes a ``tierwise bench`` task folder under OUT (never into this repository: the projects'
code stays out of it):

- ``task.toml``: the commit message as the task text, the project's local mirror at the commit's parent
  as the starting repository (``source`` + ``revision``), and as test command and check a script that
  compares the changed files with the commit's version and prints the unified diff of what still differs;
- ``expected/``: the commit's version of the changed files (read by the check, outside the workspace);
- ``replay.toml``: scripted replies built from the real diff — an explore answer naming the definitions the
  commit touches, a PLAN.md listing the real files, one implement answer per file holding the SEARCH/REPLACE
  blocks of its real hunks (``bench/edits/ideal.py``), and a review with no findings. The last hunk of the
  last file with two or more hunks is held back from implement and sent by the first fix round instead, so
  the run goes through the check failing, the real failure log, and a fix round, like a real task.

Every phase prompt then carries what the real loop puts there: the context engine's pack of the real
repository, the real file tree, the real files. ``prefix_share.py`` reads the kept runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.edits.ideal import diff_blocks, render  # noqa: E402

CHECK_SCRIPT = '''"""Compare the task's files with the real commit's version; print what still differs."""
import difflib, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
FILES = {files!r}
bad = 0
for rel in FILES:
    want = (HERE / "expected" / rel).read_text(encoding="utf-8")
    path = Path.cwd() / rel
    have = path.read_text(encoding="utf-8") if path.is_file() else ""
    if have != want:
        bad += 1
        sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), want.splitlines(True),
                                                   "a/" + rel + " (now)", "b/" + rel + " (expected)"))
        print()
print(f"FAILED: {{bad}} of {{len(FILES)}} files differ from the expected change" if bad else f"{{len(FILES)}} files OK")
sys.exit(1 if bad else 0)
'''


def git_show(repo: Path, commit: str, path: str) -> str:
    return subprocess.run(["git", "show", f"{commit}:{path}"], cwd=repo, capture_output=True, check=True,
                          text=True, encoding="utf-8").stdout


def toml_string(text: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML escapes for these characters)."""
    return json.dumps(text, ensure_ascii=False)


def plan_text(task: dict[str, Any]) -> str:
    subject = task["text"].strip().splitlines()[0]
    goal = "\n".join(line for line in task["text"].strip().splitlines() if not line.lstrip().startswith("```"))
    lines = [f"# Plan: {subject}", "", "## Goal and user requirements", goal, "",
             "## Constraints", "Keep the public API and the existing behaviour outside this change.", "",
             "## Files"]
    by_file: dict[str, list[str]] = {}
    for symbol in task.get("symbols", []):
        by_file.setdefault(symbol["file"], []).append(f"`{symbol['qualname']}`")
    for path in task["files"]:
        where = ", ".join(by_file.get(path, [])) or "the code the task names"
        lines.append(f"- modify `{path}`: change {where} as the goal describes.")
    lines += ["", "## API contract changes", "None.", "", "## Data model or migration changes", "None.", "",
              "## Dependency changes", "None.", "", "## Test strategy",
              "The project's existing tests keep passing.", "", "## Success criteria",
              "The check command passes.", ""]
    return "\n".join(lines)


def build_task(task: dict[str, Any], mirror: Path, out: Path, *, explore: bool = True, name_files: bool = False
               ) -> str | None:
    """Write the bench task folder of one corpus task under ``out``; its name, or None without a mirror."""
    repo = mirror / task["repo"].replace("/", "+") / "repo"
    if not repo.is_dir():
        print(f"skip {task['id']}: no mirror at {repo}", file=sys.stderr)
        return None
    name = task["id"].replace("/", "-").replace("@", "-")
    folder = out / name
    source = out / "_mirrors" / (task["repo"].replace("/", "+") + ".git")  # a bare mirror, named as bench expects
    source.parent.mkdir(parents=True, exist_ok=True)
    if not source.exists():
        source.symlink_to(repo.resolve())
    (folder / "expected").mkdir(parents=True, exist_ok=True)
    blocks_by_file = {}
    for path in task["files"]:
        old, new = git_show(repo, task["parent"], path), git_show(repo, task["commit"], path)
        blocks_by_file[path] = diff_blocks(old, new, path)
        target = folder / "expected" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(new, encoding="utf-8")
    held: tuple[str, Any] | None = None
    for path in reversed(task["files"]):
        if len(blocks_by_file[path]) >= 2:
            held = (path, blocks_by_file[path][-1])
            blocks_by_file[path] = blocks_by_file[path][:-1]
            break
    replies = {path: render(blocks) for path, blocks in blocks_by_file.items()}
    (folder / "expect.py").write_text(CHECK_SCRIPT.format(files=list(task["files"])), encoding="utf-8")
    check = f"{{python}} {folder.resolve() / 'expect.py'}"
    (folder / "task.toml").write_text("\n".join([
        f"title = {toml_string(task['text'].strip().splitlines()[0])}",
        f"language = {toml_string(task.get('language', ''))}",
        'kind = "other"',
        "difficulty = 3",
        f"description = {toml_string(task['text'].strip())}",
        f"source = {toml_string(str(source))}",
        f"revision = {toml_string(task['parent'])}",
        f"test_command = {toml_string(check)}",
        f"check = {toml_string(check)}",
        f"tags = [{toml_string(task['id'])}]",
        *([f"paths = [{', '.join(toml_string(p) for p in task['files'])}]"] if name_files else []),
        "",
    ]), encoding="utf-8")
    items = {"items": [{"path": s["file"], "symbol": s["qualname"], "why": "the commit changes it"}
                         for s in task.get("symbols", [])][:12]}
    rules = [
        *([("explore", None, json.dumps(items))] if explore else []),
        ("plan", None, plan_text(task)),
        ("refine", None, plan_text(task)),
        *[("implement", path, replies[path]) for path in task["files"]],
    ]
    if held is not None:
        rules.append(("fix", None, render([held[1]])))
    rules.append(("review", None, "# Review\n\nSummary: the change follows the plan.\n\nNo findings.\n"))
    parts = []
    for phase, path, reply in rules:
        parts.append("[[shared]]")
        parts.append(f"phase = {toml_string(phase)}")
        if path is not None:
            parts.append(f"file = {toml_string(path)}")
        parts.append(f"reply = {toml_string(reply)}\n")
    (folder / "replay.toml").write_text("# Built by bench/caching/real_suite.py from "
                                        f"{task['id']}: the real commit's diff. Every tier answers alike.\n"
                                        "strong = []\nweak = []\n\n" + "\n".join(parts), encoding="utf-8")
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "context" / "corpus.json")
    parser.add_argument("--min-files", type=int, default=2)
    parser.add_argument("--name-files", action="store_true",
                        help="the user names the changed files (like `tierwise run --path`, as bench/suite's tasks do)")
    parser.add_argument("--no-explore", action="store_true",
                        help="no explore reply (for checkouts before the explore route existed, e.g. bcb08a1)")
    args = parser.parse_args(argv)
    tasks = json.loads(args.corpus.read_text(encoding="utf-8"))["tasks"]
    built = [name for task in tasks if len(task["files"]) >= args.min_files
             if (name := build_task(task, args.mirror, args.out, explore=not args.no_explore,
                                                 name_files=args.name_files)) is not None]
    print(f"{len(built)} tasks in {args.out}: {', '.join(built)}")
    return 0 if built else 2


if __name__ == "__main__":
    sys.exit(main())

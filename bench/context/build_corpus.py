"""Build bench/context/corpus.json from local clones of public repositories, by fixed rules.

    python -m bench.context.build_corpus [--mirrors /work/.mirror] [--out bench/context/corpus.json]

For each project (newest commit first, merges left out), a commit becomes a task when:
  * it has one parent, its subject is not one already taken from the project, and its subject describes a behaviour change (select.is_behaviour_subject);
  * it changes 1-3 source files (select.is_source: no tests, docs, examples, vendored code), all of which
    existed in the parent (modified, not added, deleted or renamed), with at most MAX_LINES changed lines;
  * its changed lines fall inside 1..MAX_SYMBOLS functions/classes of the parent (tree-sitter, the innermost
    definition around each hunk of ``git diff -U0``; an insertion counts for the definition around it;
    decorators belong to their function; Rust `mod tests` is left out), and no change falls in the own
    body of a class/impl/struct of more than MAX_CONTAINER_LINES lines (outside any of its methods).
Only ids, the message and names/spans are written, never source.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import corpus as corpus_mod
from .selection import is_behaviour_subject, is_source, parse_hunks, task_text
from .symbols import definitions, innermost, language_of

#: (owner/name, how many tasks at most). Python first, then Go, TypeScript, Rust.
PROJECTS: list[tuple[str, int]] = [
    ("pallets/jinja", 7),
    ("pallets/werkzeug", 7),
    ("marshmallow-code/marshmallow", 7),
    ("encode/starlette", 7),
    ("pypa/packaging", 7),
    ("hynek/structlog", 6),
    ("python-poetry/tomlkit", 6),
    ("spf13/cobra", 5),
    ("sindresorhus/ky", 5),
    ("BurntSushi/ripgrep", 5),
]
MAX_LINES = 150
MAX_SYMBOLS = 8
MAX_CONTAINER_LINES = 60
HISTORY = 4000

_REC, _SEP = "\x1e", "\x00"


def _commits(gdir: Path):  # type: ignore[no-untyped-def]
    log = corpus_mod.git(
        gdir,
        "log",
        "--no-merges",
        f"-n{HISTORY}",
        "--numstat",
        "--format=%x1e%H%x00%P%x00%s%x00%b%x00",
        "HEAD",
    )
    for record in log.split(_REC)[1:]:
        sha, parents, subject, body, stat = record.split(_SEP, 4)
        files = []
        for line in stat.strip().splitlines():
            added, deleted, path = line.split("\t", 2)
            files.append((path, None if added == "-" else int(added) + int(deleted)))
        yield sha, parents.split(), subject, body, files


class _BigContainer(Exception):
    """A change in a big class's own body (outside its methods): no function to point at."""


def _symbols(gdir: Path, parent: str, commit: str, paths: list[str]) -> list[corpus_mod.ChangedSymbol]:
    diff = corpus_mod.git(gdir, "diff", "-U0", "--no-color", parent, commit, "--", *paths)
    found: dict[tuple[str, str, int], corpus_mod.ChangedSymbol] = {}
    for path, ranges in parse_hunks(diff).items():
        defs = definitions(corpus_mod.git(gdir, "show", f"{parent}:{path}"), path)
        for first, last in ranges:
            if first < 0:  # insertion between lines -first and last: the definition holding both
                hits = innermost(
                    [d for d in defs if d.start_line <= -first and last <= d.end_line], -first, last
                )
            else:
                hits = innermost(defs, first, last)
            for d in hits:
                if d.qualname == "tests" or d.qualname.startswith("tests."):
                    continue  # Rust unit tests live in the source file: not part of the task's code
                if d.is_container and d.end_line - d.start_line + 1 > MAX_CONTAINER_LINES:
                    raise _BigContainer(f"{path}: {d.qualname}")
                found[(path, d.qualname, d.start_line)] = corpus_mod.ChangedSymbol(
                    file=path,
                    name=d.name,
                    qualname=d.qualname,
                    kind=d.kind,
                    start_line=d.start_line,
                    end_line=d.end_line,
                )
    return sorted(found.values(), key=lambda s: (s.file, s.start_line))


def tasks_of(repo: str, gdir: Path, quota: int) -> list[corpus_mod.Task]:
    tasks: list[corpus_mod.Task] = []
    subjects: set[str] = set()
    for sha, parents, subject, body, files in _commits(gdir):
        if len(tasks) >= quota:
            break
        if subject.strip().lower() in subjects:  # the same change again (a backport, a cherry-pick)
            continue
        if len(parents) != 1 or not is_behaviour_subject(subject) or any("=>" in p for p, _ in files):
            continue
        source = [(p, n) for p, n in files if is_source(p)]
        if not 1 <= len(source) <= 3 or any(n is None for _, n in source):
            continue
        lines = sum(n or 0 for _, n in source)
        if not 1 <= lines <= MAX_LINES:
            continue
        paths = [p for p, _ in source]
        status = corpus_mod.git(gdir, "diff", "--name-status", "--no-renames", parents[0], sha, "--", *paths)
        if any(not row.startswith("M\t") for row in status.strip().splitlines()):
            continue
        try:
            symbols = _symbols(gdir, parents[0], sha, paths)
        except _BigContainer:
            continue
        if not 1 <= len(symbols) <= MAX_SYMBOLS:
            continue
        subjects.add(subject.strip().lower())
        language = language_of(paths[0]) or "?"
        tasks.append(
            corpus_mod.Task(
                id=f"{repo}@{sha[:10]}",
                repo=repo,
                language=language,
                commit=sha,
                parent=parents[0],
                text=task_text(subject, body),
                files=sorted(paths),
                symbols=symbols,
                lines_changed=lines,
            )
        )
    return tasks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mirrors", type=Path, default=corpus_mod.DEFAULT_MIRRORS)
    parser.add_argument("--out", type=Path, default=corpus_mod.CORPUS)
    args = parser.parse_args(argv)
    tasks: list[corpus_mod.Task] = []
    heads: dict[str, str] = {}
    for repo, quota in PROJECTS:
        gdir = corpus_mod.git_dir(repo, args.mirrors)
        heads[repo] = corpus_mod.git(gdir, "rev-parse", "HEAD").strip()
        mine = tasks_of(repo, gdir, quota)
        print(f"{repo}: {len(mine)} tasks", file=sys.stderr)
        tasks.extend(mine)
    selection = {
        "command": "python -m bench.context.build_corpus",
        "rules": __doc__.split("For each project", 1)[1].split("Only ids", 1)[0].strip(),
        "max_lines": MAX_LINES,
        "max_symbols": MAX_SYMBOLS,
        "max_container_lines": MAX_CONTAINER_LINES,
        "history": HISTORY,
        "projects": {repo: {"quota": quota, "head": heads[repo]} for repo, quota in PROJECTS},
    }
    corpus_mod.save(corpus_mod.Corpus(selection=selection, tasks=tasks), args.out)
    print(f"wrote {len(tasks)} tasks to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The context benchmark's corpus: real tasks from public git history, stored as ids and names only.

A task is a commit of a public repository: the task text is its message, the repository state the planner
sees is the commit's parent, and what had to change is the commit's diff, reduced to the changed source files
and the changed functions/classes (names and spans in the parent). The projects' source is never stored:
`checkout` reads it at run time from a local clone (a bare mirror is enough).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus.json"
CACHE = HERE / ".cache"
DEFAULT_MIRRORS = Path(os.environ.get("TIERWISE_BENCH_MIRRORS", "/work/.mirror"))
EXCLUDED_REPOS = frozenset(
    {
        "pallets/click",
        "pallets/flask",
        "psf/requests",
        "encode/httpx",
        "python-attrs/attrs",
        "textualize/rich",
    }
)  # kept for an independent check


class ChangedSymbol(BaseModel):
    file: str
    name: str
    qualname: str
    kind: str
    start_line: int = Field(ge=1)  # in the parent commit
    end_line: int = Field(ge=1)


class Task(BaseModel):
    id: str  # owner/name@short
    repo: str  # owner/name
    language: str
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")
    parent: str = Field(pattern=r"^[0-9a-f]{40}$")
    text: str = Field(min_length=10)
    files: list[str] = Field(min_length=1, max_length=3)
    symbols: list[ChangedSymbol] = Field(min_length=1)
    lines_changed: int = Field(ge=1)

    @field_validator("repo")
    @classmethod
    def _not_excluded(cls, value: str) -> str:
        if value.lower() in EXCLUDED_REPOS:
            raise ValueError(f"{value} is kept for an independent check and may not be in this corpus")
        if value.count("/") != 1:
            raise ValueError(f"{value!r} is not owner/name")
        return value


class Corpus(BaseModel):
    schema_version: int = 1
    selection: dict[str, object]  # the rules and command that produced it
    tasks: list[Task]

    @field_validator("tasks")
    @classmethod
    def _unique(cls, tasks: list[Task]) -> list[Task]:
        ids = [t.id for t in tasks]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate task ids: {', '.join(dupes)}")
        for task in tasks:
            stray = sorted({s.file for s in task.symbols} - set(task.files))
            if stray:
                raise ValueError(f"{task.id}: symbols in files not listed as changed: {stray}")
        return tasks


class CorpusError(ValueError):
    pass


def load(path: Path = CORPUS) -> Corpus:
    try:
        return Corpus.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as err:
        raise CorpusError(f"{path}: {err}") from err
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()[:5])
        raise CorpusError(f"{path}: {problems}") from err


def save(corpus: Corpus, path: Path = CORPUS) -> None:
    path.write_text(json.dumps(corpus.model_dump(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def git_dir(repo: str, mirrors: Path = DEFAULT_MIRRORS) -> Path:
    """The local clone of ``owner/name``: ``MIRRORS/owner+name/repo`` (a fetch mirror), ``MIRRORS/owner+name``
    or ``MIRRORS/name`` (a plain clone or bare repository)."""
    owner, name = repo.split("/")
    for candidate in (mirrors / f"{owner}+{name}" / "repo", mirrors / f"{owner}+{name}", mirrors / name):
        if (candidate / "HEAD").is_file() or (candidate / ".git").exists():
            return candidate
    raise CorpusError(f"no local clone of {repo} under {mirrors} (expected {mirrors}/{owner}+{name}/repo)")


def git(gdir: Path, *args: str) -> str:
    proc = subprocess.run(["git", f"--git-dir={_git_path(gdir)}", *args], capture_output=True, check=False)
    if proc.returncode != 0:
        raise CorpusError(
            f"git {' '.join(args[:3])} in {gdir}: {proc.stderr.decode(errors='replace').strip()}"
        )
    return proc.stdout.decode("utf-8", "replace")


def _git_path(gdir: Path) -> Path:
    return gdir / ".git" if (gdir / ".git").exists() else gdir


def checkout(gdir: Path, commit: str, dest: Path) -> Path:
    """The tree of ``commit`` unpacked into ``dest`` (once; the repository is only read)."""
    marker = dest.parent / (dest.name + ".complete")  # outside the tree: not a workspace file
    if marker.exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["git", f"--git-dir={_git_path(gdir)}", "archive", "--format=tar", commit],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise CorpusError(
            f"git archive {commit[:10]} in {gdir}: {proc.stderr.decode(errors='replace').strip()}"
        )
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
        archive.extractall(dest, filter="data")
    marker.write_text(commit)
    return dest

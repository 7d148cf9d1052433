"""The benchmark suite format: a folder of tasks, each a small repository, a task text and a check command.

Layout of one task (``<suite>/<task>/``)::

    task.toml     the task description, check command and options (``TaskSpec``)
    repo/         the starting repository, copied fresh for every run
    hidden/       optional: files copied into the copy only for the check (tests the model never sees)
    replay.toml   optional: the scripted model behaviours for ``tierwise bench --scripted``

Instead of ``repo/`` a task may name ``source`` (a git repository, relative to the task folder or absolute)
and ``revision``; the run then starts from ``git archive <revision>`` of it, leaving that repository untouched.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tierwise.bench.tomlio import read_toml, validation_summary

TASK_FILE = "task.toml"
REPLAY_FILE = "replay.toml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class SuiteError(ValueError):
    """A suite or task file is missing or invalid; the message names the file and what to fix."""


class TaskSpec(BaseModel):
    """One benchmark task, as written in ``task.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Task name; defaults to the folder name.")
    description: str = Field(min_length=1, description="The task text given to the loop, as for `tierwise run`.")
    check: str = Field(
        min_length=1,
        description="Command run after the loop, with hidden files copied in; exit 0 means the task passed. "
        "`{python}` expands to the Python running tierwise.",
    )
    test_command: str | None = Field(
        default=None,
        description="The test command the loop itself runs (visible tests only). Defaults to the check command.",
    )
    title: str = ""
    language: str = Field(default="", description="Informative: python, javascript, ...")
    kind: Literal["bugfix", "feature", "refactor", "other"] = "other"
    difficulty: int = Field(default=1, ge=1, le=5)
    paths: list[str] = Field(default_factory=list, description="Files to hint to the planner (like `tierwise run --path`).")
    repo: str = Field(default="repo", description="Folder (inside the task folder) holding the starting repository.")
    source: str | None = Field(default=None, description="A git repository to start from instead of `repo/`.")
    revision: str = Field(default="HEAD", description="The revision of `source` to start from.")
    hidden: str = Field(default="hidden", description="Folder copied into the run's copy only for the check.")
    check_timeout_s: float = Field(default=300.0, gt=0)
    tags: list[str] = Field(default_factory=list)

    folder: Path = Field(exclude=True, description="The task folder (set by the loader).")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

    @field_validator("paths")
    @classmethod
    def _relative_paths(cls, value: list[str]) -> list[str]:
        for item in value:
            if Path(item).is_absolute() or ".." in Path(item).parts:
                raise ValueError(f"path {item!r} must be relative to the repository and stay inside it")
        return value

    @property
    def repo_dir(self) -> Path | None:
        """The starting repository folder, or None when the task starts from ``source``."""
        return None if self.source else self.folder / self.repo

    @property
    def source_dir(self) -> Path | None:
        if not self.source:
            return None
        path = Path(self.source).expanduser()
        return path if path.is_absolute() else (self.folder / path).resolve()

    @property
    def hidden_dir(self) -> Path | None:
        path = self.folder / self.hidden
        return path if path.is_dir() else None

    @property
    def replay_file(self) -> Path | None:
        path = self.folder / REPLAY_FILE
        return path if path.is_file() else None

    def check_command(self) -> str:
        return expand_command(self.check)

    def loop_test_command(self) -> str:
        return expand_command(self.test_command or self.check)


def expand_command(command: str) -> str:
    """Expand ``{python}`` to the interpreter running tierwise (so checks use the same environment)."""
    return command.replace("{python}", shlex.quote(sys.executable))


def load_task(folder: Path) -> TaskSpec:
    """Read ``folder/task.toml``; raise ``SuiteError`` naming the file and the bad key."""
    file = folder / TASK_FILE
    data = read_toml(
        file, SuiteError, missing="missing; every task folder needs a task.toml", invalid_hint="; fix the syntax"
    )
    data.setdefault("name", folder.name)
    try:
        spec = TaskSpec.model_validate({**data, "folder": folder})
    except ValidationError as err:
        raise SuiteError(f"{file}: {validation_summary(err, '(file)')}") from None
    _check_layout(spec, file)
    return spec


def _check_layout(spec: TaskSpec, file: Path) -> None:
    if spec.source:
        source = spec.source_dir
        assert source is not None
        if not (source / ".git").exists() and not source.name.endswith(".git"):
            raise SuiteError(f"{file}: source {spec.source!r} is not a git repository ({source})")
        return
    repo = spec.repo_dir
    assert repo is not None
    if not repo.is_dir():
        raise SuiteError(f"{file}: the starting repository {repo} is missing; add it or set `source`")
    for rel in spec.paths:
        if not (repo / rel).exists():
            raise SuiteError(f"{file}: paths names {rel!r}, which is not in {repo}")


def load_suite(folder: Path, *, only: list[str] | None = None) -> list[TaskSpec]:
    """Every task of a suite, sorted by difficulty then name. ``only`` selects tasks by name."""
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise SuiteError(f"{folder}: the suite folder does not exist")
    tasks = [load_task(child) for child in sorted(folder.iterdir()) if (child / TASK_FILE).is_file()]
    if not tasks:
        raise SuiteError(f"{folder}: no task folders (each needs a {TASK_FILE})")
    names = [task.name for task in tasks]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SuiteError(f"{folder}: task names must be unique; repeated: {', '.join(duplicates)}")
    if only:
        unknown = [name for name in only if name not in names]
        if unknown:
            raise SuiteError(f"{folder}: no task named {', '.join(unknown)}; tasks: {', '.join(names)}")
        tasks = [task for task in tasks if task.name in only]
    return sorted(tasks, key=lambda task: (task.difficulty, task.name))

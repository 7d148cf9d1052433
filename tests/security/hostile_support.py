"""A workspace under attack and the evidence that the attack failed.

``Fortress`` copies the demo project (a failing ``median()``) into a git repository next to an ``outside``
folder, and records what must never change: ``.git/config``, the hooks folder, the files of ``.tierwise``
other than task artifacts, tierwise's configuration, and the whole ``outside`` tree. ``assert_intact``
checks all of it, plus that no marker a hostile reply tried to create exists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from e2e_support import project

MEDIAN_FIX = '''textstats/stats.py
<<<<<<< SEARCH
def median(values: Sequence[float]) -> float:
    """Middle value of the sorted values."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle]
=======
def median(values: Sequence[float]) -> float:
    """Middle value of the sorted values; ValueError on an empty sequence."""
    if not values:
        raise ValueError("median of an empty sequence")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 0:
        return (ordered[middle - 1] + ordered[middle]) / 2
    return ordered[middle]
>>>>>>> REPLACE
'''

NO_OP_FIX = '''textstats/stats.py
<<<<<<< SEARCH
    """Middle value of the sorted values."""
=======
    """Middle value of the sorted values (unchanged logic)."""
>>>>>>> REPLACE
'''


def plan_md(*files: tuple[str, str]) -> str:
    """A valid PLAN.md (all eight sections) listing ``files`` as (action, path)."""
    bullets = "\n".join(f"- {action} `{path}`: {action} it" for action, path in files)
    return f"""# Plan: fix median

## Goal and user requirements
median() returns the mean of the two middle values for even lengths and raises ValueError when empty.

## Constraints
Keep the signature.

## Files
{bullets}

## API contract changes
None.

## Data model or migration changes
None.

## Dependency changes
None.

## Test strategy
tests/test_stats.py covers it.

## Success criteria
The tests pass.
"""


def _digest(path: Path) -> str:
    if path.is_symlink():
        return "link:" + str(path.readlink())
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return "dir" if path.is_dir() else "absent"


def _tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): _digest(p)
        for p in sorted(folder.rglob("*"))
        if not any(p.relative_to(folder).as_posix().startswith(s) for s in skip)
    }


@dataclass
class Fortress:
    root: Path
    outside: Path
    markers: list[Path] = field(default_factory=list)
    before: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, tmp_path: Path) -> Fortress:
        root = project("demo-project", tmp_path)
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "victim.txt").write_text("precious\n")
        (root / ".tierwise").mkdir()
        (root / ".tierwise" / "keep.txt").write_text("tierwise state\n")
        return cls(root, outside)

    def link(self, name: str, target: str) -> None:
        (self.root / name).symlink_to(target)

    def marker(self, name: str) -> Path:
        """A file a hostile reply tries to create by running something; it must never exist."""
        path = self.outside / name
        self.markers.append(path)
        return path

    def seal(self) -> None:
        """Record the protected state (call after the workspace and its configuration are set up)."""
        self.before = self._state()

    def _state(self) -> dict[str, dict[str, str]]:
        git = self.root / ".git"
        return {
            "git_config": {"config": _digest(git / "config")},
            "hooks": _tree(git / "hooks"),
            "tierwise": _tree(self.root / ".tierwise", skip=("tasks", "ledger.jsonl", "checkpoints", ".gitignore",
                                                                 "context", "deployments.json", "deployments.json.lock", "acp",
                                                                 "put-back")),
            "config": {n: _digest(self.root / n) for n in (".tierwise.toml", "pyproject.toml", "conftest.py",
                                                              "pytest.ini")},
            "outside": _tree(self.outside),
        }

    def assert_intact(self) -> None:
        after = self._state()
        for key, value in self.before.items():
            assert after[key] == value, f"{key} changed: {value} -> {after[key]}"
        for marker in self.markers:
            assert not marker.exists(), f"{marker} was created: something outside the loop ran"

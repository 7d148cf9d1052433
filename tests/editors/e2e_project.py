"""The example project and the replay script the editor end-to-end tests drive.

calc.py has two bugs (add subtracts, mul adds); test_calc.py tests both with real pytest. The scripted
session: the frontier tier plans, the mid tier fixes add(), the test run still fails on mul(), the light tier
fixes mul(), the frontier tier reviews (one finding without a suggestion), and the light tier answers the
quick fix for that finding.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

CALC = """def add(a, b):
    return a - b


def mul(a, b):
    return a + b
"""

TESTS = """from calc import add, mul


def test_add():
    assert add(2, 3) == 5


def test_mul():
    assert mul(2, 3) == 6
"""

TASK = "Fix add() and mul() in calc.py so that the tests pass"
TEST_COMMAND = f"{sys.executable} -m pytest -q -p no:cacheprovider"  # what make_project configures


def plan(goal: str, files: str) -> str:
    return f"""# Plan: {goal}

## Goal and user requirements
{goal}.

## Constraints
Keep the public API.

## Files
{files}

## API contract changes
None.

## Data model or migration changes
None.

## Dependency changes
None.

## Test strategy
Run the existing tests with pytest.

## Success criteria
The tests pass.
"""


PLAN = plan("Fix add() and mul()", "- modify `calc.py`: make add() add and mul() multiply")
FIX_ADD = """calc.py
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
"""
FIX_MUL = """calc.py
<<<<<<< SEARCH
def mul(a, b):
    return a + b
=======
def mul(a, b):
    return a * b
>>>>>>> REPLACE
"""
REVIEW = """# Review

Summary: add() and mul() are fixed.

## Finding: calc.py:1-2 warning
Message: add() has no docstring.
"""
QUICK_FIX = '''calc.py
<<<<<<< SEARCH
def add(a, b):
    return a + b
=======
def add(a, b):
    """Return the sum of a and b."""
    return a + b
>>>>>>> REPLACE
'''
PLAN_SUB = plan("Add sub()", "- modify `calc.py`: add sub(a, b) returning a - b")
ADD_SUB = """calc.py
<<<<<<< SEARCH
def mul(a, b):
    return a * b
=======
def mul(a, b):
    return a * b


def sub(a, b):
    return a - b
>>>>>>> REPLACE
"""
PLAN_NEVER = plan("Add div()", "- modify `calc.py`: add div()")


USER_NOTE = "- Keep the signatures of add and mul: a note the user typed, unsaved."
PLAN_NOTED = PLAN.replace("## Constraints\n", f"## Constraints\n{USER_NOTE}\nRefined: edge cases checked.\n")


REVIEW_SUGGESTION = """# Review

Summary: add() and mul() are fixed.

## Finding: calc.py:2-3 warning
Message: add() has no docstring.
Suggestion:
calc.py
<<<<<<< SEARCH
def add(a, b):
    return a + b
=======
def add(a, b):
    \"\"\"Sum of a and b.\"\"\"
    return a + b
>>>>>>> REPLACE
"""


def buffers_script(*, user_edit_delay_s: float = 4.0) -> dict[str, Any]:
    """plan (frontier); refine (light) answers only when the prompt holds the user's unsaved note; implement
    (mid) answers late, while the user types; the quick fix (light) on mul()."""
    import re

    return {
        "rules": [
            {"model": "replay-frontier", "reply": PLAN, "times": 1},
            {"model": "replay-light", "match": f"(?s)^(?=.*implementation plan)(?=.*{re.escape(USER_NOTE)})",
             "reply": PLAN_NOTED, "times": 1},
            {"model": "replay-mid", "reply": FIX_ADD, "times": 1, "hang_before_s": user_edit_delay_s},
            {"model": "replay-light", "reply": FIX_MUL, "times": 1},
        ]
    }


def replay_script(*, user_edit_delay_s: float = 4.0, cancel_hang_s: float = 60.0) -> dict[str, Any]:
    """Rules per model, used in order: each answers once."""

    def rule(model: str, reply: str, **extra: Any) -> dict[str, Any]:
        return {"model": f"replay-{model}", "reply": reply, "times": 1, **extra}

    return {
        "rules": [
            rule("frontier", PLAN),  # plan, task 1
            rule("light", PLAN),  # refine, task 1
            rule("mid", FIX_ADD),  # implement, task 1
            rule("light", FIX_MUL),  # fix, task 1
            rule("frontier", REVIEW),  # review, task 1
            rule("light", QUICK_FIX),  # quick fix on the review's diagnostic
            rule("frontier", PLAN_SUB),  # plan, task 2
            # implement, task 2: the user types meanwhile
            rule("mid", ADD_SUB, hang_before_s=user_edit_delay_s),
            rule("frontier", PLAN_NEVER, hang_before_s=cancel_hang_s),  # plan, task 3: cancelled
        ]
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def to_toml(config: dict[str, Any]) -> str:
    """TOML for a config dict of scalars, inline tables and one level of ``[section.name]`` tables."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in config.items():
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()) and value:
            tables.extend((f"{key}.{name}", body) for name, body in value.items())
        elif isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for name, body in tables:
        lines.append(f"\n[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in body.items())
    return "\n".join(lines) + "\n"


def make_project(root: Path, config: dict[str, Any], *, per_task_usd: float = 2.0) -> Path:
    """A git repository with calc.py, its failing tests and a .tierwise.toml (``per_task_usd``: the task's
    budget ceiling); returns the root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "calc.py").write_text(CALC, encoding="utf-8")
    (root / "test_calc.py").write_text(TESTS, encoding="utf-8")
    full = {
        **config,
        "loop": {"test_command": TEST_COMMAND, "fix_rounds": 3},
        "budget": {"per_task_usd": per_task_usd, "per_day_usd": 10.0},
    }
    (root / ".tierwise.toml").write_text(to_toml(full), encoding="utf-8")
    (root / ".gitignore").write_text(".tierwise/\n__pycache__/\n", encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "calc with two bugs"], cwd=root, check=True)
    return root


def project_tests_pass(root: Path) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    return proc.returncode == 0

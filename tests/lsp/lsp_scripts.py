"""Replay scripts for a tiny calc.py project: its files and the scripted answers, shared by the LSP loop
tests and the fault campaign (tests/e2e/test_fault_campaign.py).

The bug: ``add`` subtracts. The plan modifies calc.py; the implementer swaps the operator; the tests pass;
the reviewer asks for a docstring (with a suggested edit).
"""

from __future__ import annotations

from typing import Any

CALC_FILES = {
    "calc.py": "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n",
    "test_calc.py": "from calc import add, mul\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_mul():\n    assert mul(2, 3) == 6\n",
}
"""The project: ``test_add`` fails (add subtracts), ``test_mul`` passes."""
FIXED_CALC = CALC_FILES["calc.py"].replace("a - b", "a + b")
"""calc.py once :data:`IMPLEMENT` is applied."""

PLAN = """# Plan: make add() add

## Goal and user requirements
`calc.add(a, b)` must return the sum of its arguments; today it subtracts.

## Constraints
Keep the signature `add(a, b)`. Change nothing else.

## Files
- modify `calc.py`: in `add()`, return `a + b` instead of `a - b`.

## API contract changes
None.

## Data model or migration changes
None.

## Dependency changes
None.

## Test strategy
`test_calc.py::test_add` fails today and must pass; `test_mul` keeps passing.

## Success criteria
The test command passes.
"""

PLAN_CREATE = PLAN.replace(
    "- modify `calc.py`: in `add()`, return `a + b` instead of `a - b`.",
    "- modify `calc.py`: in `add()`, return `a + b` instead of `a - b`.\n"
    "- create `sub.py`: a `sub(a, b)` function returning `a - b`.\n"
    "- delete `notes.txt`: the TODO it holds is done.",
)

IMPLEMENT = """calc.py
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
"""

CREATE_SUB = """sub.py
<<<<<<< SEARCH
=======
def sub(a, b):
    return a - b
>>>>>>> REPLACE
"""

REVIEW = """# Review

Summary: add() now adds; one documentation gap.

## Finding: calc.py:1-2 warning
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

REVIEW_TWO = REVIEW + """
## Finding: calc.py:5-6 info
Message: mul() has no docstring.
Suggestion:
calc.py
<<<<<<< SEARCH
def mul(a, b):
    return a * b
=======
def mul(a, b):
    \"\"\"Product of a and b.\"\"\"
    return a * b
>>>>>>> REPLACE
"""
BOTH_DOCSTRINGS = FIXED_CALC.replace("b):\n", 'b):\n    """Sum of a and b."""\n', 1).replace(
    "def mul(a, b):\n", 'def mul(a, b):\n    """Product of a and b."""\n'
)

QUICK_FIX = """calc.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE
"""

PLAN_MARK = "You are the planning engineer"
REFINE_MARK = "You review an implementation plan"
IMPLEMENT_MARK = "You implement one step of an approved plan"
REVIEW_MARK = "You are the reviewer"
QUICKFIX_MARK = "You fix exactly one problem"


def rule(tier: str, mark: str, reply: str = "", **extra: Any) -> dict[str, Any]:
    return {"model": f"replay-{tier}", "match": mark, "reply": reply, **extra}


def loop_script(*, implement: list[dict[str, Any]] | None = None, plan: str = PLAN) -> dict[str, Any]:
    """plan (frontier) → refine (light, unchanged plan) → implement (mid) → review (frontier)."""
    return {
        "rules": [
            rule("frontier", PLAN_MARK, plan),
            rule("light", REFINE_MARK, plan),
            *(implement or [rule("mid", IMPLEMENT_MARK, IMPLEMENT)]),
            rule("frontier", REVIEW_MARK, REVIEW),
        ]
    }


def two_findings_script() -> dict[str, Any]:
    """The loop, with a review of two findings on calc.py (add's and mul's docstrings), each with a suggestion."""
    script = loop_script()
    script["rules"][-1] = rule("frontier", REVIEW_MARK, REVIEW_TWO)
    return script


def hang(rule_: dict[str, Any], seconds: float = 60) -> dict[str, Any]:
    """The same rule, answering only after ``seconds`` (a model call that can be cancelled meanwhile)."""
    return {**rule_, "hang_before_s": seconds}

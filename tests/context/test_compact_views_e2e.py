"""Later phases do not re-send code the task prefix shows, end to end (real gateway, replay server over HTTP,
real git, the real context engine): implement's block points to a definition the prefix's pack shows
unchanged instead of repeating its middle, and review shows each change once, inside its enclosing
definition with the file's real line numbers, not the whole file (docs/prompts.md, "Layout")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from context_project import PROJECT, write_project

from tierwise.config.model import Config
from tierwise.headless.wiring import build_engine

STEPS = "\n".join(f"    total = total + {i} * rate  # step {i} of the tariff" for i in range(24))
FILLER = "".join(f'\n\ndef helper_{i}(x: float) -> float:\n    """Helper {i}."""\n    return x * {i}\n' for i in range(60))
TARIFF = f'''"""Tariffs."""


def tariff_total(amount: float, rate: float) -> float:
    """The tariff of an amount at a rate, step by step."""
    total = amount
{STEPS}
    return round(total, 2)
{FILLER}'''

PLAN = """# Plan: tariff rounding

## Goal and user requirements
The tariff rounds to whole cents at step 12 as well.

## Constraints
None.

## Files
- modify `shop/tariff.py`: `tariff_total` rounds at step 12

## API contract changes
None.

## Data model or migration changes
None.

## Dependency changes
None.

## Test strategy
pytest.

## Success criteria
The tests pass.
"""
EDIT = (
    "shop/tariff.py\n<<<<<<< SEARCH\n    total = total + 12 * rate  # step 12 of the tariff\n=======\n"
    "    total = round(total + 12 * rate, 2)  # step 12 of the tariff, in cents\n>>>>>>> REPLACE\n"
)
REVIEW = "# Review\n\nSummary: fine.\n\nNo findings.\n"


class UI:
    def progress(self, event: Any) -> None:
        pass

    def notify(self, level: str, message: str) -> None:
        pass

    async def confirm(self, question: str, detail: str = "") -> bool:
        return True

    async def show_document(self, path: str) -> None:
        return None


def text_of(request: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in request["messages"])


async def test_implement_points_to_the_pack_and_review_shows_the_change_in_its_definition(
    ws: Path, replay_server, tier_config
) -> None:
    root = write_project(ws, {**PROJECT, "shop/tariff.py": TARIFF})
    server = replay_server(
        {
            "rules": [
                {"model": "replay-frontier", "match": "planning engineer", "reply": PLAN},
                {"model": "replay-mid", "match": "implement one step", "reply": EDIT},
                {"model": "replay-frontier", "match": "Write REVIEW.md", "reply": REVIEW},
            ]
        }
    )
    data = tier_config(server.url, gateway={"max_retries": 0, "timeout_s": 30})
    data["context"] = {"plan_tokens": 2500, "explore": "off"}
    engine = build_engine(root, Config.model_validate(data), ui=UI(), env=dict(os.environ))
    state = await engine.plan("tariff_total must round to whole cents at step 12 of the tariff")
    assert state.status == "ready", state.message
    state = await engine.implement(state.id)
    assert "round(total + 12 * rate, 2)" in (root / "shop/tariff.py").read_text()

    middle = "    total = total + 12 * rate  # step 12 of the tariff"
    implement = next(r for r in server.requests() if r.get("model") == "replay-mid")
    prefix = implement["messages"][1]["content"]  # the task's context: the pack with the full body
    assert middle in prefix and "### shop/tariff.py" in prefix
    block = (root / ".tierwise" / "tasks" / state.id / "implement-context.1.md").read_text()
    assert middle not in block  # the middle of the definition is a pointer to the prefix's copy ...
    assert "of `tariff_total` (lines 4-31): unchanged, exactly as shown above in the repository context" in block
    assert "def tariff_total(amount: float, rate: float) -> float:" in block  # ... its edges stay
    assert "def helper_59(x: float) -> float:" in block  # the rest of the file is there as before
    assert text_of(implement).count(middle) == 1  # sent once in the whole request

    state = await engine.review(state.id)
    review = next(r for r in server.requests() if "Write REVIEW.md" in text_of(r))
    tail = review["messages"][-1]["content"]
    assert "    - " + "    total = total + 12 * rate  # step 12 of the tariff" in tail  # the removed line, in place
    assert "19 +     total = round(total + 12 * rate, 2)  # step 12 of the tariff, in cents" in tail
    assert " 4 | def tariff_total(amount: float, rate: float) -> float:" in tail  # its enclosing definition
    assert "31 |     return round(total, 2)" in tail
    assert "helper_30" not in tail  # the unchanged rest of the file is not repeated
    assert "```diff" not in tail  # and the change is not shown a second time as a diff

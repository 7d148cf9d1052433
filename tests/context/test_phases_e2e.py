"""The phases built from the context engine, end to end: real gateway, replay server over HTTP, real git.

A workspace of ~40 modules (more code than the plan budget) with a task that names no file: the explore
route runs, its answer is validated (bad names dropped), and the planner's prompt holds the body of the
function to change. Explore's fallback on invalid JSON and on a failed call. Implement on a file too large
to show whole: the region the plan names, with real line numbers; the plan's files block is identical
for every per-file call.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

from context_project import PROJECT, write_project

from tierwise.config.model import Config
from tierwise.headless.wiring import build_engine

PLAN = """# Plan: case-insensitive coupons

## Goal and user requirements
Coupons are matched without regard to case; unknown coupons raise ValueError.

## Constraints
Keep `apply_discount`'s signature.

## Files
- modify `shop/pricing.py`: `apply_discount` raises ValueError for an unknown coupon
- modify `shop/catalog_big.py`: `price_of_item_250` uses `apply_discount`

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


class UI:
    def __init__(self) -> None:
        self.notices: list[tuple[str, str]] = []

    def progress(self, event: Any) -> None:
        pass

    def notify(self, level: str, message: str) -> None:
        self.notices.append((level, message))

    async def confirm(self, question: str, detail: str = "") -> bool:
        return True

    async def show_document(self, path: str) -> None:
        return None


def big_project(root: Path) -> Path:
    files = dict(PROJECT)
    for i in range(40):
        files[f"shop/module_{i:02}.py"] = textwrap.dedent(f'''
            """Reports of kind {i}."""


            def report_{i}(rows: list[dict]) -> str:
                """Render rows as text report {i}."""
                lines = [str(row.get("name", "?")) for row in rows]
                return "\\n".join(lines) + "{i}"


            def summary_{i}(rows: list[dict]) -> int:
                return len(rows) * {i}
            ''')
    files["shop/catalog_big.py"] = "".join(
        f'\n\ndef price_of_item_{i}(quantity: int) -> float:\n    """Price of item {i}."""\n'
        f"    base = {i}.0 * quantity\n    return round(base, 2)\n"
        for i in range(500)
    )
    return write_project(root, files)


def make_config(tier_config: Any, url: str, **context: Any) -> Config:
    data = tier_config(url, gateway={"max_retries": 0, "timeout_s": 30})
    data["context"] = {"plan_tokens": 1500, "file_tokens": 1500, "implement_tokens": 3000, **context}
    return Config.model_validate(data)


def by_model(server: Any, model: str) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r.get("model") == model]


def prompt(request: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in request["messages"])


TASK = (
    "Coupons should be case-insensitive, and an unknown coupon must raise an error instead of being ignored"
)
EXPLORE = json.dumps(
    {
        "items": [
            {"path": "shop/pricing.py", "symbol": "apply_discount", "why": "matches coupons"},
            {"path": "shop/missing.py", "symbol": None, "why": "invented"},
            {"path": "../outside.py", "symbol": None, "why": "escapes"},
            {"path": "shop/cart.py", "symbol": "Cart.no_such_method", "why": "wrong name"},
        ]
    }
)


async def test_explore_then_plan_prompt_holds_the_function_body(ws: Path, replay_server, tier_config) -> None:
    root = big_project(ws)
    server = replay_server(
        {
            "rules": [
                {"model": "replay-light", "match": "Candidates from search", "reply": EXPLORE},
                {"model": "replay-frontier", "match": "planning engineer", "reply": PLAN},
            ]
        }
    )
    engine = build_engine(root, make_config(tier_config, server.url), ui=UI(), env=dict(os.environ))
    state = await engine.plan(TASK)
    assert state.status == "ready", state.message
    explore = by_model(server, "replay-light")
    assert len(explore) == 1 and "apply_discount" in prompt(explore[0])
    plan_prompt = prompt(by_model(server, "replay-frontier")[0])
    assert "rate = COUPONS.get(coupon.upper(), 0.0)" in plan_prompt  # the body, not only the def line
    assert "Code from the repository that matters" in plan_prompt
    report = (root / ".tierwise" / "tasks" / state.id / "context.md").read_text()
    assert "chosen by explore: matches coupons" in report
    assert (
        "shop/missing.py: dropped" in report and "../outside.py: dropped (../outside.py is outside" in report
    )
    assert "Cart.no_such_method: dropped" in report
    assert [u.action for u in engine.usage(state.id)] == ["explore", "plan"]


async def test_invalid_explore_answer_falls_back_to_retrieval(ws: Path, replay_server, tier_config) -> None:
    root = big_project(ws)
    server = replay_server(
        {
            "rules": [
                {
                    "model": "replay-light",
                    "match": "Candidates from search",
                    "reply": "I think pricing.py matters.",
                },
                {"model": "replay-frontier", "match": "planning engineer", "reply": PLAN},
            ]
        }
    )
    engine = build_engine(root, make_config(tier_config, server.url), ui=UI(), env=dict(os.environ))
    state = await engine.plan(TASK)
    assert state.status == "ready", state.message
    assert "rate = COUPONS.get(coupon.upper(), 0.0)" in prompt(by_model(server, "replay-frontier")[0])
    report = (root / ".tierwise" / "tasks" / state.id / "context.md").read_text()
    assert "explore answer unusable: the answer holds no JSON object; using retrieval alone" in report


async def test_failed_explore_call_falls_back_to_retrieval(ws: Path, replay_server, tier_config) -> None:
    root = big_project(ws)
    server = replay_server(
        {
            "rules": [
                {"model": "replay-light", "match": "Candidates from search", "status": 500, "times": 0},
                {"model": "replay-frontier", "match": "planning engineer", "reply": PLAN},
            ]
        }
    )
    cfg = make_config(tier_config, server.url)
    cfg.routes["explore"].tiers = ["light"]
    engine = build_engine(root, cfg, ui=UI(), env=dict(os.environ))
    state = await engine.plan(TASK)
    assert state.status == "ready", state.message
    report = (root / ".tierwise" / "tasks" / state.id / "context.md").read_text()
    assert "explore failed (" in report and "using retrieval alone" in report
    assert "rate = COUPONS.get(coupon.upper(), 0.0)" in prompt(by_model(server, "replay-frontier")[0])


async def test_explore_off_makes_no_call(ws: Path, replay_server, tier_config) -> None:
    root = big_project(ws)
    server = replay_server(
        {"rules": [{"model": "replay-frontier", "match": "planning engineer", "reply": PLAN}]}
    )
    engine = build_engine(
        root, make_config(tier_config, server.url, explore="off"), ui=UI(), env=dict(os.environ)
    )
    state = await engine.plan(TASK)
    assert state.status == "ready" and [r["model"] for r in server.requests()] == ["replay-frontier"]


NO_EDIT = "no changes needed"


async def test_implement_sees_regions_with_real_lines_and_a_shared_block(
    ws: Path, replay_server, tier_config
) -> None:
    root = big_project(ws)
    server = replay_server(
        {
            "rules": [
                {"model": "replay-frontier", "match": "planning engineer", "reply": PLAN},
                {"model": "replay-mid", "match": "implement one step", "reply": NO_EDIT, "times": 0},
            ]
        }
    )
    engine = build_engine(
        root, make_config(tier_config, server.url, explore="off"), ui=UI(), env=dict(os.environ)
    )
    state = await engine.plan(TASK)
    await engine.implement(state.id)
    calls = [r for r in by_model(server, "replay-mid") if r["messages"][-1]["role"] == "user"]
    first_per_file: dict[str, dict[str, Any]] = {}
    for request in calls:
        path = prompt(request).split("Your file: `", 1)[1].split("`", 1)[0]
        first_per_file.setdefault(path, request)
    assert set(first_per_file) == {"shop/pricing.py", "shop/catalog_big.py"}
    big_prompt = prompt(first_per_file["shop/catalog_big.py"])
    lines = (root / "shop/catalog_big.py").read_text().splitlines()
    number = lines.index("def price_of_item_250(quantity: int) -> float:") + 1
    assert f"{number} | def price_of_item_250(quantity: int) -> float:" in big_prompt
    assert f"{number + 3} |     return round(base, 2)" in big_prompt
    assert "characters left out" not in big_prompt

    block = (root / ".tierwise" / "tasks" / state.id / "implement-context.1.md").read_text()
    assert "### shop/pricing.py" in block and "### shop/catalog_big.py (" in block
    for request in first_per_file.values():  # the same bytes in every per-file call
        assert block in prompt(request)

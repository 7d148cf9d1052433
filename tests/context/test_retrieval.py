"""Retrieval and packs: the relevant body is shown, the order is deterministic, big files keep real lines."""

from __future__ import annotations

import shutil
from pathlib import Path

from tierwise.context import ContextEngine, ContextPack
from tierwise.context.terms import split_identifier
from tierwise.context.types import Query


def test_identifiers_split_on_case_and_underscores() -> None:
    assert split_identifier("parse_config_file") == ["parse_config_file", "parse", "config", "file"]
    assert split_identifier("HTTPServerError") == ["httpservererror", "http", "server", "error"]
    assert split_identifier("total") == ["total"]


def test_plan_pack_holds_the_body_of_the_function_to_change(project: Path) -> None:
    engine = ContextEngine(project)
    engine.refresh()
    pack = engine.plan_pack(
        "Coupons should be case-insensitive and an unknown coupon must raise an error", budget_tokens=3000
    )
    assert isinstance(pack, ContextPack)
    assert "rate = COUPONS.get(coupon.upper(), 0.0)" in pack.text  # apply_discount's body
    bodies = [i for i in pack.items if i.kind == "body"]
    assert bodies[0].path == "shop/pricing.py" and bodies[0].symbol == "apply_discount"
    assert {i.kind for i in pack.items} <= {"body", "skeleton", "map"}
    assert all(i.tokens > 0 and i.why for i in pack.items)
    assert 0 < pack.tokens <= 3000
    assert pack.text.index("## Code that matters") < pack.text.index("## Outlines")


def test_named_identifiers_and_files_win(project: Path) -> None:
    engine = ContextEngine(project)
    pack = engine.plan_pack("Make `shipping_cost` charge less", budget_tokens=2000)
    assert pack.items[0].symbol == "shipping_cost"
    pack = engine.plan_pack(
        "Show prices with a currency symbol", budget_tokens=2000, named_files=["web/format.ts"]
    )
    assert any(i.path == "web/format.ts" and i.kind == "body" for i in pack.items)


def test_structural_expansion_reaches_callees_and_tests(project: Path) -> None:
    engine = ContextEngine(project)
    ranking = engine.rank(Query(task="`Cart.total` is wrong"))
    found = {(h.symbol.qualname if h.symbol else None): h.why for h in ranking.symbols}
    assert "Cart.total" in found
    assert "called or used by Cart.total" in found.get("round_money", "") + found.get("apply_discount", "")
    assert "tests/test_cart.py" in [h.path for h in ranking.files]


def test_retrieval_is_deterministic(project: Path, tmp_path: Path) -> None:
    task = "round the cart total and apply the coupon discount"
    first = ContextEngine(project).plan_pack(task, budget_tokens=2500)
    second = ContextEngine(project).plan_pack(task, budget_tokens=2500)
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    shutil.rmtree(copy / ".tierwise", ignore_errors=True)
    third = ContextEngine(copy).plan_pack(task, budget_tokens=2500)
    assert first.text == second.text == third.text
    assert first.items == second.items


def test_pack_respects_small_budgets(project: Path) -> None:
    engine = ContextEngine(project)
    for budget in (50, 200, 800):
        pack = engine.plan_pack("coupon discount", budget_tokens=budget)
        assert pack.tokens <= budget


def _big_module(count: int) -> str:
    parts = ['"""A big module."""\n\nimport math\n']
    for i in range(count):
        parts.append(f"\n\ndef helper_{i}(value):\n    \"\"\"Helper number {i}.\"\"\"\n"
                     f"    result = value * {i}\n    return math.floor(result)\n")  # fmt: skip
    return "".join(parts)


def test_big_file_view_shows_outline_and_complete_regions_with_real_lines(ws: Path) -> None:
    text = _big_module(600)
    (ws / "big.py").write_text(text)
    engine = ContextEngine(ws)
    engine.refresh()
    view = engine.file_view("big.py", focus_symbols=["helper_300"], budget_tokens=3000)
    lines = text.splitlines()
    start = lines.index("def helper_300(value):") + 1
    assert f"{start} | def helper_300(value):" in view
    for offset in range(4):  # the whole function, each line with its real number and verbatim text
        assert f"{start + offset} | {lines[start - 1 + offset]}" in view
    assert "too large to show whole" in view
    assert "helper_599" in view  # the outline reaches the end of the file
    assert "characters left out" not in view
    small = engine.file_view("big.py", focus_symbols=[], budget_tokens=10**6)
    assert small.count("def helper_") == 600  # whole when it fits


def test_file_view_of_a_new_file(ws: Path) -> None:
    engine = ContextEngine(ws)
    assert "does not exist yet" in engine.file_view("new.py", focus_symbols=[], budget_tokens=100)


def test_big_text_file_is_shown_as_its_blocks_never_whole(ws: Path) -> None:
    sections = [f"## Section {i}\n\nThe setting number_{i} controls part {i} of the widget.\n" for i in range(800)]
    sections[500] = "## Retry policy\n\nThe retry_backoff setting doubles the delay after each failure.\n"
    text = "# Manual\n\n" + "\n".join(sections)
    (ws / "MANUAL.md").write_text(text)
    engine = ContextEngine(ws)
    engine.refresh()
    view = engine.file_view("MANUAL.md", focus_symbols=["retry_backoff"], budget_tokens=1500)
    lines = text.splitlines()
    number = lines.index("The retry_backoff setting doubles the delay after each failure.") + 1
    assert f"{number} | The retry_backoff setting doubles the delay after each failure." in view
    assert "too large to show whole" in view
    assert engine.count(view) < 5000  # an outline of block titles, not the whole manual


async def test_editor_open_files_personalise_the_pack(project: Path) -> None:
    from tierwise.config.model import Config
    from tierwise.context.port import WorkspaceContext

    plain = WorkspaceContext(project, Config())
    await plain.refresh()
    opened = WorkspaceContext(project, Config(), open_files=lambda: ["web/format.ts"])
    await opened.refresh()
    query = Query(task="make the output nicer")
    before = await plain.pack(query, budget_tokens=1500)
    after = await opened.pack(query, budget_tokens=1500)
    assert not any(i.path == "web/format.ts" and "open" in i.why for i in before.items)
    assert any(i.path == "web/format.ts" and "open" in i.why for i in after.items)
    assert plain.check_pin("../etc/passwd", None) and plain.check_pin(".env", None)
    assert plain.check_pin("shop/cart.py", "Cart.total") is None
    assert "no definition named" in (plain.check_pin("shop/cart.py", "Cart.nope") or "")

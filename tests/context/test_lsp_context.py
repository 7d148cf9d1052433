"""The language server builds the index in the background after ``initialized`` (work-done progress),
answers requests meanwhile, follows buffer edits, and shows the planner's context with
``tierwise.showContext``. Real ``tierwise serve`` over stdio, driven by pytest-lsp."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))

from context_project import write_project  # noqa: E402
from lsp_helpers import capabilities, execute, start_client, uri, wait_for, write_config  # noqa: E402

pytestmark = pytest.mark.slow


async def test_background_index_progress_show_context_and_buffer_updates(ws: Path) -> None:
    from tierwise.replay.fixtures import replay_tier_config

    root = write_project(ws)
    write_config(root, replay_tier_config("http://127.0.0.1:9/v1"))
    client, editor, result = await start_client(
        root, capabilities("neovim"), init_options={"tierwise": {"lsp": {"warmUp": False}}}
    )
    try:
        assert "tierwise.showContext" in result.capabilities.execute_command_provider.commands
        status = await execute(client, "tierwise.status")  # a request answered while the index builds
        assert status["running"] == []

        def index_progress() -> list[object] | None:
            for token, reports in client.progress_reports.items():
                if str(token).startswith("tierwise/context-index/") and any(
                    getattr(r, "kind", "") == "end" for r in reports
                ):
                    return reports
            return None

        reports = await wait_for(index_progress, timeout=60)
        assert reports[0].title == "tierwise: indexing"
        assert "indexed" in reports[-1].message
        assert (root / ".tierwise" / "context" / "manifest.json").is_file()

        shown = await execute(client, "tierwise.showContext", {"task": "unknown coupons must raise an error"})
        assert "rate = COUPONS.get(coupon.upper(), 0.0)" in shown["text"]
        assert shown["tokens"] <= shown["budgetTokens"]
        assert any(i["symbol"] == "apply_discount" and i["kind"] == "body" for i in shown["items"])
        assert "secrets file" in shown["skipped"][".env"]

        # an edit in an open buffer reaches the index without a save
        doc = uri(root, "shop/shipping.py")
        editor.open(doc, (root / "shop/shipping.py").read_text())
        editor.type_text(doc, 0, 0, "def express_parcel_surcharge(weight):\n    return 7.5 * weight\n\n\n")

        async def surcharge_shown() -> bool:
            answer = await execute(
                client, "tierwise.showContext", {"task": "change `express_parcel_surcharge`"}
            )
            return "return 7.5 * weight" in answer["text"]

        assert await wait_for(surcharge_shown, timeout=30, interval=0.3)
        assert "express_parcel_surcharge" not in (root / "shop/shipping.py").read_text()
    finally:
        await client.shutdown_session()

"""`tierwise context "TASK"` from a real terminal process: the pack, --why with reasons and skipped files, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tierwise.replay.fixtures import replay_tier_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))

from lsp_helpers import write_config  # noqa: E402


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierwise", "context", *args, "--workspace", str(root)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_context_command_prints_the_pack_and_why(project: Path) -> None:
    write_config(project, replay_tier_config("http://127.0.0.1:9/v1"))
    done = run(project, "unknown coupons must raise an error", "--why")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Index: ")
    assert "rate = COUPONS.get(coupon.upper(), 0.0)" in out
    assert "body" in out and "shop/pricing.py apply_discount lines 6-11" in out
    assert ".env: secrets file (never indexed or sent)" in out
    assert "deploy/server.pem: secrets file" in out
    assert "sk-very-secret-value" not in out


def test_context_command_json_and_budget(project: Path) -> None:
    write_config(project, replay_tier_config("http://127.0.0.1:9/v1"))
    done = run(project, "round the cart total", "--json", "--budget", "300", "--file", "shop/cart.py")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["budget_tokens"] == 300 and 0 < data["tokens"] <= 300
    assert data["index"]["files"] >= 8 and ".env" in data["skipped"]
    assert all({"path", "symbol", "kind", "tokens", "why"} <= set(item) for item in data["items"])


def test_context_command_reports_a_bad_configuration(project: Path) -> None:
    (project / ".tierwise.toml").write_text("[context]\nshare = 5\n")
    done = run(project, "anything")
    assert done.returncode == 2 and "share" in done.stderr

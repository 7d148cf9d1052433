"""The headless adapters: DiskFiles (atomic, encoding-preserving, base-checked), exit codes, the cost table."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from tierwise.engine.ports import Document, FileChange
from tierwise.engine.state import TaskState, UsageRecord
from tierwise.headless.files import DiskFiles
from tierwise.headless.report import cost_rows, cost_table, exit_code_for


async def test_disk_files_keep_encoding_bom_and_line_endings(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes("café\r\nbar\r\n".encode("cp1252"))
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfx = 1\n")
    files = DiskFiles(tmp_path)
    latin = await files.read("latin.txt")
    bom = await files.read("./bom.py")
    assert latin.text == "café\r\nbar\r\n" and bom.text == "x = 1\n" and bom.path == "bom.py"
    outcome = await files.apply([
        FileChange("latin.txt", latin, "thé\r\nbar\r\n"),
        FileChange("bom.py", bom, "x = 2\n"),
        FileChange("new/dir/file.txt", Document("new/dir/file.txt", None), "hello\n"),
    ])
    assert outcome.ok and sorted(outcome.applied) == ["bom.py", "latin.txt", "new/dir/file.txt"]
    assert (tmp_path / "latin.txt").read_bytes() == "thé\r\nbar\r\n".encode("cp1252")
    assert (tmp_path / "bom.py").read_bytes() == b"\xef\xbb\xbfx = 2\n"
    assert (tmp_path / "new/dir/file.txt").read_text() == "hello\n"
    assert not list(tmp_path.rglob("*.tierwise-tmp"))


async def test_disk_files_refuse_stale_bases_and_outside_paths(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("one\n")
    files = DiskFiles(tmp_path)
    base = await files.read("a.py")
    (tmp_path / "a.py").write_text("user typed this\n")
    outcome = await files.apply([FileChange("a.py", base, "tierwise\n"),
                                 FileChange("../evil.py", Document("../evil.py", None), "x\n")])
    assert not outcome.ok and set(outcome.rejected) == {"a.py", "../evil.py"}
    assert "changed on disk" in outcome.rejected["a.py"]
    assert (tmp_path / "a.py").read_text() == "user typed this\n"
    assert not (tmp_path.parent / "evil.py").exists()
    with pytest.raises(ValueError):
        await files.read("../outside.txt")


async def test_disk_files_delete_and_list(tmp_path: Path) -> None:
    for rel in ("src/a.py", "node_modules/x/index.js", ".venv/lib.py", ".tierwise/tasks/t/task.json", "b.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    files = DiskFiles(tmp_path)
    assert await files.list_files() == ["b.md", "src/a.py"]
    doc = await files.read("b.md")
    assert (await files.apply([FileChange("b.md", doc, None)])).ok
    assert not (tmp_path / "b.md").exists()
    assert (await files.read("b.md")).text is None


def _state(**kw: object) -> TaskState:
    return TaskState(id="t1", task="x", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": "done", "tests_passed": True}, 0),
        ({"status": "done", "tests_passed": None}, 0),
        ({"status": "done", "tests_passed": False}, 1),
        ({"status": "done", "refused_files": ["a.py"]}, 1),
        ({"status": "failed", "error_type": "ModelCallFailed"}, 1),
        ({"status": "failed", "error_type": "NoTestCommand"}, 2),
        ({"status": "budget_stopped", "error_type": "BudgetExceeded"}, 3),
        ({"status": "resumable", "error_type": "CancelledError"}, 4),
        ({"status": "ready", "completed_phases": ["plan"]}, 0),
        ({"status": "ready", "completed_phases": ["plan", "implement"], "refused_files": ["a.py"]}, 1),
        ({"status": "cancelled"}, 4),
    ],
)
def test_exit_codes(fields: dict[str, object], code: int) -> None:
    assert exit_code_for(_state(**fields)) == code


def test_cost_table_groups_by_phase_and_tier() -> None:
    records = [
        UsageRecord(phase="fix", step="fix/1/1", action="fix", tier="light", model="m", tokens_in=100,
                    tokens_out=10, cost_usd=0.001, saved_usd=0.01),
        UsageRecord(phase="plan", step="plan/1", action="plan", tier="frontier", model="f", tokens_in=50,
                    tokens_out=20, cost_usd=0.02, saved_usd=0.0),
        UsageRecord(phase="fix", step="fix/1/2", action="fix", tier="light", model="m", tokens_in=100,
                    tokens_out=10, cost_usd=0.001, saved_usd=0.01),
    ]
    rows = cost_rows(records)
    assert [(r["phase"], r["tier"], r["calls"]) for r in rows] == [("plan", "frontier", 1), ("fix", "light", 2)]
    assert rows[1]["frontier_usd"] == pytest.approx(0.022)
    console = Console(file=io.StringIO(), width=140)
    console.print(cost_table(records))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "If frontier" in text and "$0.0220" in text and "$0.0420" in text and "48%" in text


def test_a_ready_task_names_the_command_of_its_next_phase() -> None:
    from tierwise.headless.report import next_step_hint

    ready = _state(status="ready", phase="plan", completed_phases=["plan"])
    assert next_step_hint(ready) == "Next: tierwise refine t1  (or the remaining phases: tierwise run --resume t1)"
    assert next_step_hint(_state(status="resumable", message="cancelled during plan")) is None
    assert next_step_hint(_state(status="done")) is None

"""The benchmark machinery (ideal replies, perturbations, classification) on synthetic files, no download."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "bench" / "edits" / "harness.py"


@pytest.fixture(scope="module")
def harness():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("tierwise_edits_bench_harness", HARNESS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


OLD = '''"""Module."""

import os
import sys


def first(a, b):
    total = a + b
    if total > 10:
        return total

    return 0


class Thing:
    def method(self):
        value = 1
        return value

    def other(self):
        value = 1
        return value
'''

NEW = OLD.replace("    total = a + b\n", "    total = a + b + 1\n").replace(
    "    def other(self):\n        value = 1\n", "    def other(self):\n        value = 2\n"
).replace("import sys\n", "import sys\nimport re\n")


def test_ideal_reply_text_edits_and_perturbations(harness) -> None:  # type: ignore[no-untyped-def]
    others = {"pkg/helpers.py": "x = 1\n"}
    report = harness.evaluate_pair("pkg/mod.py", OLD.encode(), NEW.encode(), others=others, count_tokens=len)
    assert report.ideal == "exact"
    assert report.textedits_ok and report.n_edits == 3
    assert 0 < report.tokens_floor < report.tokens_blocks
    assert set(report.perturbed) >= {"indent", "trailing_ws", "crlf", "wrong_path", "elided", "ambiguous_short"}
    statuses = {kind: outcome.status for kind, outcome in report.perturbed.items()}
    assert "misapplied" not in statuses.values(), statuses
    assert statuses["trailing_ws"] == statuses["crlf"] == statuses["indent"] == "correct"
    assert statuses["wrong_path"] == "refused"
    assert report.perturbed["wrong_path"].reasons == ["file_missing"]
    assert statuses["ambiguous_short"] == "refused"  # "value = 1" alone matches twice
    assert "ambiguous" in report.perturbed["ambiguous_short"].reasons


def test_new_file_and_crlf_bytes(harness) -> None:  # type: ignore[no-untyped-def]
    created = harness.evaluate_pair("new.py", None, b"print(1)\n")
    assert created.ideal == "exact" and created.perturbed == {}
    crlf = harness.evaluate_pair("w.py", OLD.replace("\n", "\r\n").encode(), NEW.replace("\n", "\r\n").encode())
    assert crlf.ideal == "exact" and crlf.textedits_ok
    final_newline = harness.evaluate_pair("n.py", b"a = 1\nb = 2", b"a = 1\nb = 3\n")
    assert final_newline.ideal == "inexpressible"


def test_classify_flags_wrong_file_as_misapplied(harness) -> None:  # type: ignore[no-untyped-def]
    from tierwise.edits import EditResult, FileResult

    wrong = EditResult([FileResult("other.py", "a\n", "b\n", True, [])])
    assert harness.classify(wrong, "mine.py", "x\n").status == "misapplied"


def test_speed_case_shape(harness) -> None:  # type: ignore[no-untyped-def]
    timing = harness.time_speed_case(runs=1, lines=2_000, changes=10)
    assert timing["lines"] == 2_000 and timing["total_ms_median"] > 0

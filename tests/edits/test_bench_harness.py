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


INDENTED = '''class Outer:
    class Inner:
        def run(self, items):
            for item in items:
                if item:
                    rv = item.value
                    return rv
            return None

def top(items):
    for item in items:
        rv = item.value
        return rv
'''


def test_ideal_reply_from_the_real_diff_is_accepted_with_underscore_names(harness) -> None:  # type: ignore[no-untyped-def]
    new = INDENTED.replace("                    rv = item.value\n", "                    rv = item.value * 2\n")
    for style in range(6):  # bare, `name`, **name**, **`name`**:, File: name, ### name
        report = harness.evaluate_pair("_pkg/__init__.py", INDENTED.encode(), new.encode(), kinds=(), style=style)
        assert report.accepted and report.accepted_u1 and report.refusals == [], (style, report.refusals)
        assert report.diff_ideal == "exact" and report.diff_blocks == 1


def test_diff_blocks_follow_the_hunks_and_grow_only_when_not_unique(harness) -> None:  # type: ignore[no-untyped-def]
    from tierwise.edits.text import content_lines

    ideal = harness  # the harness re-exports diff_blocks from bench/edits/ideal.py
    old = "".join(f"line {i}\n" for i in range(40)) + "dup\nx\ndup\nx\ndup\n"
    new = old.replace("line 5\n", "line five\n").replace("line 30\n", "line thirty\n")
    blocks = ideal.diff_blocks(old, new, "f.txt")
    assert [len(content_lines(b.search)) for b in blocks] == [7, 7]  # 3 lines of context each side
    copy = "".join(f"    r{i}\n" for i in range(7))
    twice = "first\n" + copy + "middle\n" + copy + "last\n"
    grown = ideal.diff_blocks(twice, twice.replace("    r3\n", "    R3\n", 2).replace("    R3\n", "    r3\n", 1), "f.txt")
    assert len(grown) == 1 and grown[0].search.startswith("middle\n")  # r0..r6 alone occurs twice
    assert content_lines(grown[0].search) == ["middle", *content_lines(copy), "last"]  # one more line each side


def test_padded_perturbation_applies_without_padding(harness) -> None:  # type: ignore[no-untyped-def]
    report = harness.evaluate_pair("pkg/mod.py", OLD.encode(), NEW.encode(), kinds=("padded",))
    assert report.perturbed["padded"].status == "correct"

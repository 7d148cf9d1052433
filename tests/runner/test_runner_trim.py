"""trim_log: bounded output that keeps the failure, the traceback and the summary."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.runner import trim_log

FAILURE = """\
=================================== FAILURES ===================================
___________________________________ test_div ___________________________________

    def test_div():
>       assert div(1, 0) == 0

tests/test_calc.py:11:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

    def div(a, b):
>       return a / b
E       ZeroDivisionError: division by zero

calc.py:5: ZeroDivisionError
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_div - ZeroDivisionError: division by zero
1 failed, 2000 passed in 12.34s
"""


def _big_log() -> str:
    passing = "".join(f"tests/test_many.py::test_case_{i} PASSED [ {i % 100:2d}%]\n" for i in range(2000))
    noise = "".join(f"DEBUG some chatter line {i}\n" for i in range(3000))
    return "\x1b[1m============ test session starts ============\x1b[0m\n" + passing + noise + FAILURE


def test_short_logs_are_returned_unchanged_apart_from_ansi() -> None:
    assert trim_log("\x1b[31mFAILED\x1b[0m x\n", 100) == "FAILED x"


def test_keeps_traceback_and_summary_within_bound() -> None:
    log = _big_log()
    trimmed = trim_log(log, 3000)
    assert len(trimmed) <= 3000
    assert "E       ZeroDivisionError: division by zero" in trimmed
    assert "calc.py:5: ZeroDivisionError" in trimmed
    assert "tests/test_calc.py:11:" in trimmed
    assert "FAILED tests/test_calc.py::test_div" in trimmed
    assert "1 failed, 2000 passed" in trimmed
    assert "lines trimmed" in trimmed
    assert "PASSED" not in trimmed
    assert "\x1b" not in trimmed


def test_repeated_lines_are_collapsed() -> None:
    log = "start\n" + "WARNING: same thing\n" * 500 + FAILURE
    trimmed = trim_log(log, 2000)
    assert trimmed.count("WARNING: same thing") == 1
    assert "repeated 499 more times" in trimmed


def test_progress_redraws_keep_their_last_state() -> None:
    log = "progress 10%\rprogress 50%\rprogress 100%\n" + "x" * 50
    assert trim_log(log, 1000).startswith("progress 100%\n")


def test_one_giant_line_is_cut_with_a_marker() -> None:
    trimmed = trim_log("A" * 10_000 + "END", 500)
    assert len(trimmed) <= 500
    assert trimmed.endswith("END")
    assert "chars" in trimmed


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000), st.integers(min_value=0, max_value=2000))
def test_never_longer_than_the_limit(text: str, limit: int) -> None:
    assert len(trim_log(text, limit)) <= limit


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=200, max_value=20_000))
def test_big_log_bound_for_any_limit(limit: int) -> None:
    trimmed = trim_log(_big_log(), limit)
    assert len(trimmed) <= limit
    if limit >= 1500:
        assert "ZeroDivisionError: division by zero" in trimmed

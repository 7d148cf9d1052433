"""parse_failures and rerun_command on real pytest / node --test runs and on recorded cargo / go output."""

from __future__ import annotations

import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest
from runner_support import JS_PROJECT, PY_PROJECT, write_tree

from tierwise.runner import SubprocessRunner, parse_failures, rerun_command

PYTEST = f"{shlex.quote(sys.executable)} -m pytest -q -p no:cacheprovider"


@pytest.fixture
def py_project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", PY_PROJECT)


async def test_real_pytest_run(py_project: Path) -> None:
    result = await SubprocessRunner().run(PYTEST, cwd=py_project, timeout_s=120)
    assert result.exit_code == 1
    report = parse_failures(result.output, py_project)
    assert report.failing_tests == [
        "tests/test_calc.py::test_add",
        "tests/test_calc.py::test_div",
        "tests/test_calc.py::TestObj::test_obj",
    ]
    assert set(report.files) == {"tests/test_calc.py", "calc.py"}
    assert any("ZeroDivisionError" in line for line in report.error_lines)
    assert report.summary.startswith("3 failing tests: tests/test_calc.py::test_add")
    assert report.signature


async def test_signature_is_stable_across_runs_and_changes_with_the_failure(py_project: Path) -> None:
    runner = SubprocessRunner()
    first = await runner.run(PYTEST, cwd=py_project, timeout_s=120)
    second = await runner.run(PYTEST, cwd=py_project, timeout_s=120)
    # the runs differ in timings and object addresses, not in the failure
    assert first.output != second.output
    assert parse_failures(first.output).signature == parse_failures(second.output).signature
    (py_project / "calc.py").write_text(
        "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n"
    )
    third = await runner.run(PYTEST, cwd=py_project, timeout_s=120)
    assert parse_failures(third.output).signature != parse_failures(first.output).signature


async def test_rerun_command_runs_only_the_failing_tests(py_project: Path) -> None:
    runner = SubprocessRunner()
    full = await runner.run(f"{PYTEST} tests", cwd=py_project, timeout_s=120)
    report = parse_failures(full.output, py_project)
    again = rerun_command(full.command, report.failing_tests)
    assert again is not None and " tests " not in again + " "
    rerun = await runner.run(again, cwd=py_project, timeout_s=120)
    assert "3 failed" in rerun.output and "passed" not in rerun.output
    assert parse_failures(rerun.output).failing_tests == report.failing_tests


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_real_node_test_run(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "js", JS_PROJECT)
    result = await SubprocessRunner().run("node --test", cwd=project, timeout_s=120)
    assert result.exit_code != 0
    report = parse_failures(result.output, project)
    assert report.failing_tests == ["adds numbers", "throws"]
    assert report.files == ["math.test.js"]
    again = await SubprocessRunner().run("node --test", cwd=project, timeout_s=120)
    assert parse_failures(again.output).signature == report.signature  # Date.now() and timings differ
    assert rerun_command("node --test", report.failing_tests) is None


NODE_SPEC = """\
✖ adds numbers (1.823523ms)
  AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:
      at TestContext.<anonymous> (/PROJECT/math.test.js:4:37)
      at Test.run (node:internal/test_runner/test:796:25)
      at helper (/PROJECT/node_modules/lib/index.js:1:1)
✔ passes (0.155405ms)
▶ suite
  ✖ inner fails (0.139275ms)
    Error: boom
        at file:///PROJECT/src/util.mjs:6:69
✖ suite (0.360581ms)
ℹ fail 2
"""


def test_node_spec_reporter(tmp_path: Path) -> None:
    write_tree(tmp_path, {"math.test.js": "", "src/util.mjs": "", "node_modules/lib/index.js": ""})
    report = parse_failures(NODE_SPEC.replace("/PROJECT", str(tmp_path)), tmp_path)
    assert report.failing_tests == ["adds numbers", "inner fails"]
    assert report.files == ["math.test.js", "src/util.mjs"]


CARGO = """\
running 3 tests
test tests::it_adds ... ok
test tests::it_divides ... FAILED
test tests::it_parses ... FAILED

failures:

---- tests::it_divides stdout ----
thread 'tests::it_divides' panicked at src/lib.rs:12:9:
assertion `left == right` failed
  left: 1
 right: 2

failures:
    tests::it_divides
    tests::it_parses

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
"""


def test_cargo_output(tmp_path: Path) -> None:
    write_tree(tmp_path, {"src/lib.rs": ""})
    report = parse_failures(CARGO, tmp_path)
    assert report.failing_tests == ["tests::it_divides", "tests::it_parses"]
    assert report.files == ["src/lib.rs"]
    assert (
        rerun_command("cargo test", report.failing_tests)
        == "cargo test -- tests::it_divides tests::it_parses"
    )


GO = """\
=== RUN   TestAdd
--- FAIL: TestAdd (0.00s)
    calc_test.go:9: add(1, 2) = -1, want 3
=== RUN   TestTable
=== RUN   TestTable/zero
    --- FAIL: TestTable/zero (0.01s)
--- FAIL: TestTable (0.01s)
FAIL
FAIL\texample.com/calc\t0.004s
"""


def test_go_output(tmp_path: Path) -> None:
    write_tree(tmp_path, {"calc/calc_test.go": "", "go.mod": ""})
    report = parse_failures(GO, tmp_path)
    assert report.failing_tests == ["TestAdd", "TestTable/zero", "TestTable"]
    assert report.files == ["calc/calc_test.go"]
    assert (
        rerun_command("go test ./...", report.failing_tests) == "go test ./... -run '^(TestAdd|TestTable)$'"
    )


PY_TRACEBACK = """\
Traceback (most recent call last):
  File "/PROJECT/main.py", line 3, in <module>
    run()
  File "/PROJECT/pkg/core.py", line 8, in run
    helper()
  File "/usr/lib/python3.11/site-packages/lib/x.py", line 1, in helper
    raise ValueError("bad value at 0x7f33aa")
ValueError: bad value at 0x7f33aa
"""


def test_python_traceback_files_innermost_first_and_outside_files_dropped(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": "", "pkg/core.py": ""})
    report = parse_failures(PY_TRACEBACK.replace("/PROJECT", str(tmp_path)), tmp_path)
    assert report.files == ["pkg/core.py", "main.py"]
    assert report.failing_tests == []
    assert report.error_lines == ["ValueError: bad value at 0x7f33aa"]
    assert "first error: ValueError" in report.summary
    other = parse_failures(
        PY_TRACEBACK.replace("/PROJECT", "/tmp/pytest-of-x/pytest-7/t0").replace("7f33aa", "1")
    )
    assert other.signature == report.signature


def test_pytest_collection_error_and_headers() -> None:
    output = (
        "_____________ ERROR collecting tests/test_broken.py _____________\n"
        "E   ImportError: cannot import name 'nope'\n"
        "_____________ test_lonely _____________\n"
        "E   assert 1 == 2\n"
        "ERROR tests/test_broken.py\n"
    )
    report = parse_failures(output)
    assert report.failing_tests == ["tests/test_broken.py", "test_lonely"]


def test_clean_output_has_no_failures() -> None:
    report = parse_failures("....\n4 passed in 0.01s\n")
    assert report.failing_tests == [] and report.files == [] and report.signature == ""
    assert not report.has_failures
    assert "no failing tests" in report.summary


def test_rerun_command_for_pytest_keeps_options_and_drops_paths() -> None:
    command = "python -m pytest -q -k 'slow or fast' tests/unit -x --tb=short"
    again = rerun_command(command, ["tests/unit/test_a.py::test_x[a b]"])
    assert again == "python -m pytest -q -k 'slow or fast' -x --tb=short 'tests/unit/test_a.py::test_x[a b]'"
    assert rerun_command("npm test", ["adds"]) is None
    assert rerun_command("make test", ["x"]) is None
    assert rerun_command("pytest", []) is None
    assert rerun_command("pytest", ["test_lonely"]) is None  # a bare name is no node id: full run


def test_long_progress_lines_parse_in_linear_time(tmp_path: Path) -> None:
    """pytest's ``....`` progress runs made the JS location pattern retry from every character (quadratic per
    line: a 2 MB log took 25 s, on the language server's event loop). Locations still start at a token."""
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "app.test.js").write_text("test()\n")
    progress = "tests/test_mod.py " + "." * 20_000 + " [ 50%]"
    log = "\n".join([progress] * 40 + ["    at Object.<anonymous> (web/app.test.js:4:37)", "FAILED x"])
    started = time.perf_counter()
    report = parse_failures(log, tmp_path)
    assert time.perf_counter() - started < 5  # quadratic: 40 lines x 20,000^2 steps, minutes
    assert report.files == ["web/app.test.js"]
    assert parse_failures("see foo.bar.js:1:2 and x=lib/y.ts:3:4", tmp_path).files == []  # not in workspace

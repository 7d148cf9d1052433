"""Issue #11 finding 3: the one definition of test infrastructure per ecosystem (``tierwise.testinfra``) and
the gates built from it (``tierwise.engine.guards``): every kind the issue names, the parts of shared files
compared as parsed data, and "unless the approved plan lists the file"."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tierwise.engine.guards import infra_gates
from tierwise.engine.planfile import Plan, PlanFile
from tierwise.testinfra import config_content_reason, infra_content_reason, infra_file_kind, is_test_file

WHOLE_FILES = [
    "conftest.py", "pkg/sub/conftest.py", "pytest.ini", "tox.ini", "noxfile.py", ".coveragerc", "sitecustomize.py",
    "jest.config.js", "jest.config.ts", "vitest.config.mts", ".mocharc.yml", "karma.conf.js", "playwright.config.ts",
    "cypress.config.js", "src/setupTests.ts",
    # test files by each ecosystem's naming rules
    "tests/test_app.py", "test_app.py", "app_test.py", "tests/helpers.py", "web/src/app.test.tsx",
    "web/src/app.spec.js", "web/__tests__/app.js", "pkg/app_test.go", "pkg/testdata/input.txt",
    "src/test/java/AppTest.java", "src/main/java/AppTest.java", "spec/app_spec.rb", "lib/app_spec.rb",
]
ORDINARY = ["app.py", "src/app.py", "web/src/app.tsx", "pkg/app.go", "src/main/java/App.java",
            "src/main/java/Submit.java", "lib/app.rb", "README.md", "testing.md", "contest.py", "attest.py",
            "src/latest.py", "docs/snapshot.md", "src/pth.py", "cargo/config.toml", "src/venvs.py",
            "web/src/modules/app.js", "npmrc.md", "vite.md", "go.work.md", "web/src/app.cy.md",
            "gradle/libs.versions.toml", "src/yarn/x.js", "eggs/spam.py"]


@pytest.mark.parametrize("path", WHOLE_FILES)
def test_whole_files_of_every_ecosystem_are_test_infrastructure(path: str) -> None:
    assert infra_file_kind(path) is not None


# What the audit of 2026-12-02 found outside the definition, each with a working repro (a reply that made the
# detected test command pass without fixing the code): the files below decide that command's result too.
AUDIT_WHOLE_FILES = {
    "unittest/Django test modules": ["polls/tests.py", "tests.py", "testing.py", "pkg/testutils.py"],
    "the test runners' own configuration": [".npmrc", "web/.npmrc", ".yarnrc", ".yarnrc.yml", "bunfig.toml",
                                           ".cargo/config", ".cargo/config.toml", "crates/a/.cargo/config.toml",
                                           "go.work", "vite.config.ts", "web/vite.config.mjs", ".rspec",
                                           "gradlew", "gradlew.bat", "gradle/wrapper/gradle-wrapper.properties",
                                           "mvnw", ".mvn/maven.config", ".mvn/jvm.config"],
    "virtual environments and installed packages": [
        ".venv/lib/python3.12/site-packages/pytest/__init__.py", "venv/bin/python", ".tox/py312/bin/pytest",
        ".nox/lint/lib/x.py", "node_modules/jest/bin/jest.js", "web/node_modules/.bin/vitest",
        "env/lib/python3.12/site-packages/x.py", "/usr/lib/python3/dist-packages/x.py", "zz_speedups.pth",
        "build/lib/easy-install.pth", ".VENV/lib/x.py", "Node_Modules/x.js",
        ".eggs/pytest-8.0-py3.egg/pytest.py", "__pypackages__/3.12/lib/x.py", ".yarn/releases/yarn-4.1.cjs",
        ".pnp.cjs", ".pnp.loader.mjs"],
    "snapshots and Cypress tests": ["web/src/__snapshots__/app.test.js.snap", "web/app.snap",
                                    "cypress/e2e/login.cy.ts", "web/home.cy.js"],
}


@pytest.mark.parametrize("kind", AUDIT_WHOLE_FILES)
def test_what_the_audit_found_outside_the_definition_is_test_infrastructure(kind: str) -> None:
    for path in AUDIT_WHOLE_FILES[kind]:
        assert infra_file_kind(path) is not None, path


def test_tool_configuration_says_what_the_file_is() -> None:
    assert "npm configuration" in (infra_file_kind(".npmrc") or "")
    assert "cargo configuration" in (infra_file_kind(".cargo/config.toml") or "")
    assert "virtual environment" in (infra_file_kind(".venv/lib/python3.12/site-packages/x.py") or "")
    assert ".pth" in (infra_file_kind("x.pth") or "")


@pytest.mark.parametrize("path", ORDINARY)
def test_ordinary_files_are_not(path: str) -> None:
    assert infra_file_kind(path) is None and not is_test_file(path)
    assert infra_content_reason(path, "x = 1\n", "x = 2\n") is None


@pytest.mark.parametrize("path", ["CONFTEST.py", "Conftest.py", "PYTEST.INI", "Tox.ini", "NoxFile.py",
                                  "Jest.Config.js", "SiteCustomize.py"])
def test_names_compare_case_insensitively(path: str) -> None:
    """On a case-insensitive file system (macOS, Windows) pytest imports ``CONFTEST.py`` as conftest.py."""
    assert infra_file_kind(path) is not None


def _pkg(**extra: object) -> str:
    return json.dumps({"name": "web", "version": "1.0.0", "dependencies": {"left-pad": "1.0.0"}, **extra}, indent=2)


def test_package_json_scripts_and_runner_settings_are_protected_the_rest_is_not() -> None:
    old = _pkg(scripts={"test": "jest", "build": "tsc"}, jest={"testMatch": ["**/*.test.js"]})
    assert infra_content_reason("package.json", old, _pkg(scripts={"test": "true", "build": "tsc"},
                                                          jest={"testMatch": ["**/*.test.js"]})) is not None
    assert infra_content_reason("web/package.json", old, _pkg(scripts={"test": "jest", "build": "tsc"},
                                                              jest={"testMatch": []})) is not None
    assert infra_content_reason("package.json", _pkg(), _pkg(mocha={"spec": "none"})) is not None  # added key
    # dependencies may change; key order and whitespace inside the parts do not count
    bumped = json.loads(old)
    bumped["dependencies"]["left-pad"] = "1.3.0"
    assert infra_content_reason("package.json", old, json.dumps(bumped)) is None
    reordered = json.dumps({"jest": {"testMatch": ["**/*.test.js"]}, "scripts": {"build": "tsc", "test": "jest"},
                            "name": "web", "version": "1.0.0", "dependencies": {"left-pad": "1.0.0"}})
    assert infra_content_reason("package.json", old, reordered) is None
    # a change that breaks the file is refused (it changes how the tests run)
    assert "no longer parse" in (infra_content_reason("package.json", old, old[:-5]) or "")


def test_go_mod_replace_directives_are_protected_the_rest_is_not() -> None:
    old = "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v1.2.0\n"
    assert infra_content_reason("go.mod", old, old + "\nreplace example.com/lib => ../evil-lib\n") is not None
    block = old + "\nreplace (\n\texample.com/lib => ./fake // local\n)\n"
    assert infra_content_reason("go.mod", old, block) is not None
    assert infra_content_reason("go.mod", block, block.replace("./fake", "./other")) is not None
    assert infra_content_reason("go.mod", old, old.replace("v1.2.0", "v1.3.0")) is None  # a version bump is fine
    assert infra_content_reason("go.mod", block, block.replace("\texample", "    example")) is None  # whitespace


CARGO = '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nserde = "1"\n'


@pytest.mark.parametrize("added", ["[lib]\ntest = false\n", "[lib]\nharness = false\n", "[[test]]\nname = \"it\"\ntest = false\n",
                                   "[profile.test]\noverflow-checks = false\n", "[workspace]\nexclude = [\"core\"]\n",
                                   "[patch.crates-io]\nserde = { path = \"../fake-serde\" }\n"])
def test_cargo_toml_parts_that_decide_what_cargo_test_runs_are_protected(added: str) -> None:
    """`[lib] test = false` makes `cargo test` skip the library's unit tests (the audit's repro passed)."""
    assert infra_content_reason("Cargo.toml", CARGO, CARGO + "\n" + added) is not None
    assert infra_content_reason("Cargo.toml", CARGO.replace('edition = "2021"', 'edition = "2021"\nautotests = false'),
                                CARGO) is not None


def test_the_rest_of_cargo_toml_stays_editable() -> None:
    assert infra_content_reason("Cargo.toml", CARGO, CARGO.replace('serde = "1"', 'serde = "1.0.200"')) is None
    assert infra_content_reason("Cargo.toml", CARGO, CARGO + '\n[profile.release]\nlto = true\n') is None
    assert "no longer parse" in (infra_content_reason("Cargo.toml", CARGO, CARGO + "[lib\n") or "")


def test_a_makefile_with_a_test_target_is_protected() -> None:
    with_test = "build:\n\tgo build ./...\n\ntest:\n\tgo test ./...\n"
    assert infra_content_reason("Makefile", with_test, with_test.replace("go test ./...", "true")) is not None
    assert infra_content_reason("GNUmakefile", with_test, with_test + "\nlint:\n\tgolangci-lint run\n") is not None
    # adding a test target to a Makefile that had none counts too
    plain = "build:\n\tgo build ./...\n"
    assert infra_content_reason("Makefile", plain, plain + "check:\n\ttrue\n") is not None
    assert infra_content_reason("Makefile", plain, plain + "unit-test:\n\ttrue\n") is not None
    assert infra_content_reason("Makefile", plain, plain.replace("./...", "./cmd/...")) is None
    assert infra_content_reason("Makefile", plain, plain + "TEST := 1\n") is None  # a variable, not a target


@pytest.mark.parametrize("name", ["GNUmakefile", "makefile", "Makefile", "sub/GNUmakefile"])
def test_creating_or_deleting_any_make_file_is_test_infrastructure(name: str) -> None:
    """GNU make reads GNUmakefile, else makefile, else Makefile: a new GNUmakefile with a catch-all rule
    shadows the Makefile's test target, and removing one exposes the next."""
    assert infra_content_reason(name, None, "%:\n\t@echo all good\n") is not None
    assert infra_content_reason(name, None, "build:\n\tcc x.c\n") is not None
    assert infra_content_reason(name, "build:\n\tcc x.c\n", None) is not None


def test_make_rules_that_can_answer_make_test_are_protected() -> None:
    plain = "build:\n\tgo build ./...\n"
    for rule in ("%:\n\t@true\n", "%::\n\t@true\n", ".DEFAULT:\n\t@true\n", "t%:\n\t@true\n",
                 "%-test:\n\t@true\n", "lint test: ; @true\n", "all check:\n\t@true\n",
                 "include other.mk\n", "-include local.mk\n"):
        assert infra_content_reason("GNUmakefile", plain, plain + rule) is not None, rule
        assert infra_content_reason("makefile", plain + rule, plain + rule + "X = 1\n") is not None, rule
    # a build Makefile stays editable
    assert infra_content_reason("Makefile", plain, plain + "%.o: %.c\n\tcc -c $<\n") is None
    assert infra_content_reason("Makefile", plain, plain + "CFLAGS := -O2\nX ::= 1\n") is None


def test_make_really_reads_a_new_gnumakefile_first(tmp_path: Path) -> None:
    """The premise, with real make: a GNUmakefile's catch-all rule answers `make test` over the Makefile's."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    (tmp_path / "Makefile").write_text("test:\n\t@exit 1\n")
    assert subprocess.run([make, "test"], cwd=tmp_path, capture_output=True).returncode != 0
    (tmp_path / "GNUmakefile").write_text("%:\n\t@echo all good\n")
    assert subprocess.run([make, "test"], cwd=tmp_path, capture_output=True).returncode == 0
    assert infra_content_reason("GNUmakefile", None, (tmp_path / "GNUmakefile").read_text()) is not None


SETUP_CFG = "[metadata]\nname = p\n"
# section headers that pytest (iniconfig) reads as [tool:pytest] and configparser does not, and the reverse
PYTEST_HEADERS = ["[tool:pytest] ;]", "[tool:pytest] #]", "[tool:pytest];x]", "[tool:pytest]#;]]"]


@pytest.mark.parametrize("header", PYTEST_HEADERS)
def test_setup_cfg_sections_count_as_pytest_reads_them(header: str) -> None:
    """pytest reads setup.cfg with iniconfig, which cuts a header line at its first # or ; before reading
    [name]: `[tool:pytest] ;]` is [tool:pytest] to pytest and `tool:pytest] ;` to configparser."""
    new = SETUP_CFG + f"\n{header}\naddopts = -k \"not test_bug\"\n"
    iniconfig = pytest.importorskip("iniconfig")
    assert "tool:pytest" in iniconfig.IniConfig("setup.cfg", data=new).sections  # the premise
    assert infra_content_reason("setup.cfg", SETUP_CFG, new) is not None
    # and a value changed under such a header is a change too
    assert infra_content_reason("setup.cfg", new, new.replace("not test_bug", "nothing")) is not None


def test_setup_cfg_under_both_readings() -> None:
    # configparser's reading still counts (coverage and tox read setup.cfg with it)
    assert infra_content_reason("setup.cfg", SETUP_CFG, SETUP_CFG + "\n[coverage:run]\nomit = *\n") is not None
    # pytest would refuse the new file (a duplicate name): it no longer parses, as pytest reads it
    cfg = SETUP_CFG + "\n[tool:pytest]\naddopts = -q\n"
    assert "no longer parse" in (infra_content_reason("setup.cfg", cfg, cfg + "addopts = -x\n") or "")
    # comments and other sections stay editable under both readings
    assert infra_content_reason("setup.cfg", cfg, cfg.replace("name = p", "name = q  ; renamed")) is None
    assert infra_content_reason("setup.cfg", cfg, "# top\n" + cfg + "\n[flake8]\nmax-line-length = 99\n") is None


def test_python_shared_files_are_protected_by_their_test_parts() -> None:
    project = '[project]\nname = "p"\nversion = "1"\n'
    assert infra_content_reason("pyproject.toml", project,
                                project + '\n[tool.pytest.ini_options]\naddopts = "-k nothing"\n') is not None
    assert infra_content_reason("pyproject.toml", project, project + "\n[tool.coverage.run]\nomit = ['*']\n")
    assert infra_content_reason("pyproject.toml", project, project + "\n[tool.tox]\nenv_list = []\n")
    assert infra_content_reason("pyproject.toml", project, project.replace('"1"', '"2"')) is None
    cfg = "[metadata]\nname = p\n"
    assert infra_content_reason("setup.cfg", cfg, cfg + "\n[tool:pytest]\naddopts = -k nothing\n")
    assert infra_content_reason("setup.cfg", cfg, cfg + "\n[coverage:run]\nomit = *\n")
    assert infra_content_reason("setup.cfg", cfg, cfg.replace("name = p", "name = q")) is None
    # [tool.tierwise] is tierwise's configuration in every phase, whatever the plan lists
    tw = project + '\n[tool.tierwise.loop]\ntest_command = "pytest"\n'
    assert config_content_reason("pyproject.toml", tw, tw.replace('"pytest"', '"true"')) is not None
    assert config_content_reason("pyproject.toml", project, tw) is not None
    assert config_content_reason("pyproject.toml", tw, tw.replace('"1"', '"2"')) is None


def _plan(*paths: str) -> Plan:
    return Plan(files=[PlanFile(action="modify", path=p, description="") for p in paths])


def test_the_gates_allow_exactly_what_the_plan_lists() -> None:
    gate, change_gate = infra_gates(_plan("tests/test_app.py", "package.json"), "fix")
    assert gate("tests/test_app.py") is None  # listed
    assert "the plan does not list it" in (gate("conftest.py") or "")
    assert gate("app.py") is None
    scripts = _pkg(scripts={"test": "jest"})
    assert change_gate("package.json", scripts, _pkg(scripts={"test": "true"})) is None  # listed
    assert change_gate("web/package.json", scripts, _pkg(scripts={"test": "true"})) is not None  # another file
    none_gate, none_change_gate = infra_gates(None, "quick-fix")  # no plan: nothing is listed
    assert none_gate("tests/test_app.py") is not None
    assert none_change_gate("go.mod", "module m\n", "module m\nreplace a => ../b\n") is not None


def test_shared_file_names_compare_case_insensitively_too() -> None:
    assert infra_content_reason("PACKAGE.JSON", _pkg(scripts={"test": "jest"}), _pkg(scripts={"test": "true"}))
    assert infra_content_reason("MAKEFILE", "test:\n\tpytest\n", "test:\n\ttrue\n")
    assert infra_content_reason("Go.Mod", "module m\n", "module m\nreplace a => ../b\n")
    tw = '[tool.tierwise.loop]\ntest_command = "pytest"\n'
    assert config_content_reason("PyProject.toml", tw, tw.replace('"pytest"', '"true"'))


@pytest.mark.parametrize("path", ["pytest.py", "pluggy/__init__.py", "_pytest/__init__.py", "json.py", "inspect.pyc",
                                  "evil-1.0.dist-info/entry_points.txt", "Evil.egg-info/entry_points.txt",
                                  "src/mylib.egg-link"])
def test_what_the_test_run_imports_by_name_is_test_infrastructure(path: str) -> None:
    assert infra_file_kind(path) is not None


@pytest.mark.parametrize("path", ["src/json.py", "pkg/pytest.py", "pluggy/hooks.py", "calc.py", "distinfo.py"])
def test_modules_that_shadow_nothing_stay_ordinary(path: str) -> None:
    assert infra_file_kind(path) is None


def _new(path: str, text: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n=======\n{text}>>>>>>> REPLACE\n"


@pytest.mark.parametrize("reply", [
    _new("pytest.py", "import sys\nsys.exit(0)\n"),  # `python -m pytest` would import it instead of pytest
    _new("evilplug.py", "import pytest\n\n\n@pytest.hookimpl(tryfirst=True)\ndef pytest_runtestloop(session):\n"
                        "    return True\n")
    + _new("evil-1.0.dist-info/METADATA", "Name: evil\nVersion: 1.0\n")
    + _new("evil-1.0.dist-info/entry_points.txt", "[pytest11]\nevil = evilplug\n"),
], ids=["shadow-pytest", "plugin-entry-point"])
async def test_a_fix_reply_cannot_shadow_pytest_or_register_a_plugin(tmp_path: Path, reply: str) -> None:
    """Real pytest, real files: fix replies that would make a failing test pass without fixing the code."""
    from tierwise.engine.editing import apply_reply
    from tierwise.headless.files import DiskFiles

    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (tmp_path / "test_calc.py").write_text("from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    gate, change_gate = infra_gates(None, "fix")
    report = await apply_reply(DiskFiles(tmp_path), tmp_path, reply, gate=gate, change_gate=change_gate)
    assert "pytest.py" not in report.applied_files and not (tmp_path / "pytest.py").exists()
    assert not (tmp_path / "evil-1.0.dist-info").exists()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout

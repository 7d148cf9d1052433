"""What decides "the tests pass", per ecosystem — the one definition of *test infrastructure*.

A fix reply may not create or change test infrastructure, and an implement reply only the files the
approved plan lists (docs/security.md, docs/loop.md). Two kinds:

- **whole files** (:func:`infra_file_kind`): test files by each ecosystem's naming rules (Python
  ``test*.py`` (unittest's discovery pattern, so Django's ``tests.py`` too)/``*_test.py`` and ``tests/``,
  JS/TS ``*.test.*``/``*.spec.*``/``__tests__/``, Cypress ``*.cy.*``, Go ``*_test.go``/``testdata/``, Rust
  ``tests/``, Java/Kotlin ``src/test/``/``*Test.java``, Ruby ``spec/``/``*_spec.rb``, snapshots
  ``__snapshots__/``/``*.snap``); test configuration files (``conftest.py`` anywhere, ``pytest.ini``,
  ``tox.ini``, ``noxfile.py``, ``.coveragerc``, ``sitecustomize.py``, jest/vitest/vite/mocha/karma/
  playwright/cypress configs, ``.rspec``); the configuration of the tools that run the test command
  (``.npmrc``, ``.yarnrc``, ``.yarnrc.yml``, ``bunfig.toml``, ``.cargo/config.toml``, ``go.work``, the
  Gradle/Maven wrappers ``gradlew``, ``gradle/wrapper/``, ``mvnw``, ``.mvn/``); and what the tests import
  and run: virtual environments and installed packages (``.venv/``, ``venv/``, ``.tox/``, ``.nox/``,
  ``.eggs/``, ``__pypackages__/``, ``node_modules/``, ``.yarn/``, ``site-packages/``, ``dist-packages/`` at
  any depth, Yarn's ``.pnp.cjs``) and ``*.pth`` start-up files;
- **parts of shared files** (:func:`infra_content_reason`): ``setup.cfg`` sections ``[tool:pytest]``,
  ``[coverage:*]``, ``[tox:*]`` (as configparser reads them and as pytest's iniconfig does);
  ``pyproject.toml`` tables ``[tool.pytest…]``, ``[tool.coverage…]``, ``[tool.tox…]``; ``package.json``
  ``scripts`` (and its ``jest``/``mocha``/``vitest``/``ava``/``nyc``/``c8`` keys); ``go.mod`` ``replace``
  directives; ``Cargo.toml`` targets, ``package.auto*``, ``[profile.dev]``/``[profile.test]``, workspace
  members, ``[patch]``/``[replace]``. The rest of those files stays editable. Parts are compared as parsed data, so whitespace or
  key order inside them does not matter; a change that leaves the file unparsable (when it parsed before)
  is refused too. Make files (``GNUmakefile``, ``makefile``, ``Makefile``: GNU make reads the first that
  exists, so a new one can shadow the others): creating or deleting one always counts, changing one when
  either text has a rule that can answer ``make test`` (a test target, a pattern rule that matches one,
  ``.DEFAULT``) or an ``include``.

:func:`config_content_reason` guards ``[tool.tierwise]`` in ``pyproject.toml`` the same way, in every phase
(tierwise's configuration is never model-editable; the ``.tierwise.toml`` file is a protected location,
``tierwise.protected``). Standard library only; pure functions of (path, old text, new text).
"""

from __future__ import annotations

import configparser
import json
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

_TEST_FILE = re.compile(
    r"(^|/)(tests?|__tests__|__mocks__|__snapshots__|spec|testdata)/"  # test folders (Python, JS, Rust, Ruby, Go)
    r"|(^|/)src/test/"  # Maven / Gradle
    r"|(^|/)test[^/]*\.py$|_test\.py$"  # unittest's test*.py (so Django's tests.py) and pytest's naming
    r"|_test\.go$"  # Go
    r"|\.(test|spec|cy)\.[cm]?[jt]sx?$"  # JS / TS, Cypress
    r"|\.snap$"  # jest / vitest snapshots
    r"|_spec\.rb$"  # RSpec
    r"|(^|/)[^/]*(Test|Tests|IT)\.(java|kt)$"  # JUnit
)
_INFRA_NAMES = {
    "conftest.py": "pytest's conftest.py",
    "pytest.ini": "pytest configuration",
    ".pytest.ini": "pytest configuration",
    "pytest.toml": "pytest configuration",
    ".pytest.toml": "pytest configuration",
    "tox.ini": "tox configuration",
    "noxfile.py": "nox configuration",
    ".coveragerc": "coverage configuration",
    "sitecustomize.py": "a Python start-up hook",
    "usercustomize.py": "a Python start-up hook",
    ".mocharc": "mocha configuration",
    "karma.conf.js": "karma configuration",
    ".rspec": "RSpec configuration",
    ".rspec-local": "RSpec configuration",
    ".npmrc": "npm configuration (it can change how `npm test` runs, e.g. script-shell or node-options)",
    ".yarnrc": "yarn configuration (it can change how `yarn test` runs)",
    ".yarnrc.yml": "yarn configuration (it can change how `yarn test` runs)",
    "bunfig.toml": "bun configuration (it can change how `bun test` runs)",
    "go.work": "a Go workspace file (it can change which modules `go test` builds)",
    "gradlew": "the Gradle wrapper script (what `./gradlew test` runs)",
    "gradlew.bat": "the Gradle wrapper script (what `./gradlew test` runs)",
    "mvnw": "the Maven wrapper script (what `./mvnw test` runs)",
    "mvnw.cmd": "the Maven wrapper script (what `./mvnw test` runs)",
    ".pnp.cjs": "Yarn Plug'n'Play's resolver (it decides which packages the tests load)",
    ".pnp.loader.mjs": "Yarn Plug'n'Play's resolver (it decides which packages the tests load)",
}
_INFRA_PREFIXES = {
    "jest.config.": "jest configuration",
    "jest.setup.": "jest set-up",
    "vitest.config.": "vitest configuration",
    "vitest.workspace.": "vitest configuration",
    "vitest.setup.": "vitest set-up",
    "vite.config.": "vite configuration (vitest reads its `test` settings)",
    ".mocharc.": "mocha configuration",
    "karma.conf.": "karma configuration",
    "setupTests.": "test set-up",
    "playwright.config.": "playwright configuration",
    "cypress.config.": "cypress configuration",
    ".nycrc": "coverage configuration",
}
# By path, case-insensitively like the names above (a case-insensitive file system hands `.VENV/` over as
# `.venv/`): what runs the test command or is imported by the tests rather than the project's own code.
_INFRA_PATHS = (
    (re.compile(r"(^|/)\.cargo/config(\.toml)?$", re.I),
     "cargo configuration (it can change how `cargo test` runs, e.g. a target runner)"),
    (re.compile(r"(^|/)(gradle/wrapper|\.mvn)/", re.I),
     "Gradle/Maven wrapper configuration (which build tool, with which options, runs the tests)"),
    (re.compile(r"(^|/)(\.venv|venv|\.tox|\.nox|\.eggs|__pypackages__|node_modules|\.yarn|site-packages|dist-packages)/",
                re.I), "part of a virtual environment or of installed packages (what the tests import and run)"),
    (re.compile(r"\.pth$", re.I), "a Python .pth file (its `import` lines run at every interpreter start)"),
    (re.compile(r"(^|/)[^/]+\.(dist-info|egg-info)/|\.egg-link$", re.I),
     "installed-package metadata (pytest loads the plugins its entry points name)"),
)
# Python modules the test run imports by name: the standard library's and pytest's own packages. At the
# workspace root, `python -m pytest` (cwd first on sys.path) would import such a file instead of the real one.
_SHADOWED = frozenset(sys.stdlib_module_names) | {
    "pytest", "_pytest", "pluggy", "iniconfig", "packaging", "py", "exceptiongroup", "tomli", "colorama",
    "pygments",
}
_ROOT_MODULE = re.compile(r"^([A-Za-z_]\w*)(\.pyc?|/__init__\.pyc?)$|^([A-Za-z_]\w*)\.pyw$")
MAKEFILES = frozenset({"Makefile", "makefile", "GNUmakefile"})
_FOLDED_NAMES = {name.casefold(): kind for name, kind in _INFRA_NAMES.items()}


def is_test_file(path: str) -> bool:
    """A test file by the usual naming rules of its ecosystem (see the module docstring)."""
    return bool(_TEST_FILE.search(PurePosixPath(path).as_posix()))


def _folded_name(path: str) -> str:
    """The file name of ``path``, case-folded: configuration file names compare case-insensitively on every
    system, since on a case-insensitive one (macOS, Windows) pytest imports ``CONFTEST.py`` as conftest.py."""
    return PurePosixPath(path).name.casefold()


def infra_file_kind(path: str) -> str | None:
    """What kind of test infrastructure the whole file at ``path`` is (by name), or None."""
    name = _folded_name(path)
    if name in _FOLDED_NAMES:
        return _FOLDED_NAMES[name]
    for prefix, kind in _INFRA_PREFIXES.items():
        if name.startswith(prefix.casefold()):
            return kind
    posix = PurePosixPath(path).as_posix()
    for pattern, kind in _INFRA_PATHS:
        if pattern.search(posix):
            return kind
    if is_test_file(path):
        return "a test file"
    return _shadowing_kind(posix)


def _shadowing_kind(posix: str) -> str | None:
    """A module at the workspace root named like a standard-library or pytest module (``pytest.py``,
    ``pluggy/__init__.py``, ``json.py``): the test run would import it instead."""
    found = _ROOT_MODULE.match(posix)
    name = (found.group(1) or found.group(3)) if found else None
    if name is None or name not in _SHADOWED:
        return None
    return f"a module named like `{name}` at the workspace root, which the test run would import instead of the real one"



# -- parts of shared files ----------------------------------------------------------------------------------
_Parts = Callable[[str], Any]


def _toml_tables(*names: str) -> _Parts:
    def parts(text: str) -> Any:
        tool = tomllib.loads(text).get("tool", {})
        return {n: tool.get(n) for n in names} if isinstance(tool, dict) else {}

    return parts


def _infra_sections(sections: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {s: v for s, v in sections.items() if s == "tool:pytest" or s.startswith(("coverage:", "tox:"))}


def _setup_cfg(text: str) -> Any:
    """setup.cfg's infra sections as configparser reads them (coverage, tox)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read_string(text)
    return _infra_sections({s: dict(parser.items(s)) for s in parser.sections()})


def _setup_cfg_as_pytest_reads_it(text: str) -> Any:
    """setup.cfg's infra sections as pytest reads them (the ``iniconfig`` package, not a dependency of
    tierwise): a line that starts with ``[`` is a section header when what comes before its first ``#`` or
    ``;`` ends with ``]`` — so ``[tool:pytest] ;]`` is ``[tool:pytest]`` here while configparser sees a
    section ``tool:pytest] ;`` — and otherwise a value's continuation; a line whose first non-blank character
    is ``#`` or ``;`` is a comment; ``name = value`` (``name: value`` when the name would hold a ``:``);
    indented lines continue a value. What iniconfig refuses (and pytest with it) raises ValueError."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    key: str | None = None
    for line in text.removeprefix("\ufeff").splitlines():
        line = line.rstrip()
        if line.lstrip()[:1] in ("", "#", ";"):
            continue
        if line[0] == "[" and re.split("[#;]", line, maxsplit=1)[0].rstrip().endswith("]"):
            name = re.split("[#;]", line, maxsplit=1)[0].rstrip()[1:-1]
            if not name or name in sections:
                raise ValueError(f"empty or duplicate section [{name}]")
            current, key = sections.setdefault(name, {}), None
        elif line[0] == "[" or line[0].isspace():  # a value's continuation
            if current is None or key is None:
                raise ValueError("a continuation line outside a value")
            current[key].append(line.strip())
        else:
            name, sep, value = line.partition("=")
            if not sep or ":" in name:
                name, sep, value = line.partition(":")
            if not sep or current is None or name.strip() in current:
                raise ValueError(f"unexpected line {line!r}")
            key = name.strip()
            current[key] = [value.strip()] if value.strip() else []
    return _infra_sections({s: {k: "\n".join(v) for k, v in items.items()} for s, items in sections.items()})


def _package_json(text: str) -> Any:
    data = json.loads(text)
    keys = ("scripts", "jest", "mocha", "vitest", "ava", "nyc", "c8")
    return {k: data.get(k) for k in keys} if isinstance(data, dict) else {}


def _pick(table: Any, *keys: str) -> dict[str, Any]:
    return {k: table[k] for k in keys if k in table} if isinstance(table, dict) else {}


def _cargo_toml(text: str) -> Any:
    """What decides which of a crate's tests `cargo test` builds and runs: the targets (``[lib] test = false``
    skips the library's unit tests), target auto-discovery, the dev/test profiles, workspace members and
    ``[patch]``/``[replace]`` (like go.mod's replace)."""
    data = tomllib.loads(text)
    return {"targets": _pick(data, "lib", "bin", "test", "bench", "example", "patch", "replace"),
            "package": _pick(data.get("package"), "autolib", "autobins", "autotests", "autoexamples", "autobenches"),
            "profile": _pick(data.get("profile"), "dev", "test"),
            "workspace": _pick(data.get("workspace"), "members", "default-members", "exclude")}


_REPLACE_LINE = re.compile(r"^\s*replace\s+(?!\()(.+?)\s*(//.*)?$", re.M)
_REPLACE_BLOCK = re.compile(r"^\s*replace\s*\((.*?)^\s*\)", re.M | re.S)


def _go_replaces(text: str) -> Any:
    found = [m.group(1).strip() for m in _REPLACE_LINE.finditer(text)]
    for block in _REPLACE_BLOCK.finditer(text):
        found += [ln.split("//")[0].strip() for ln in block.group(1).splitlines() if ln.split("//")[0].strip()]
    return sorted(" ".join(r.split()) for r in found)


# Each shared file's infra parts under every reading that a test tool uses: a change counts when any differs.
_SHARED: dict[str, tuple[str, tuple[_Parts, ...]]] = {
    "pyproject.toml": ("its [tool.pytest], [tool.coverage] or [tool.tox] tables",
                       (_toml_tables("pytest", "coverage", "tox"),)),
    "setup.cfg": ("its [tool:pytest], [coverage:*] or [tox:*] sections", (_setup_cfg, _setup_cfg_as_pytest_reads_it)),
    "package.json": ("its \"scripts\" or test-runner settings", (_package_json,)),
    "go.mod": ("its replace directives", (_go_replaces,)),
    "cargo.toml": ("its targets ([lib], [[bin]], [[test]]…), target discovery, [profile.dev]/[profile.test], "
                   "workspace members or [patch]/[replace]", (_cargo_toml,)),
}


def _parts_changed(parts: _Parts, old: str | None, new: str | None) -> bool | None:
    """True when the parts differ; None when the new text no longer parses (while the old one did).
    An absent file has empty parts."""
    empty = parts("{}" if parts is _package_json else "")
    try:
        before = parts(old) if old is not None else empty
    except (ValueError, tomllib.TOMLDecodeError, configparser.Error):
        before = None
    try:
        after = parts(new) if new is not None else empty
    except (ValueError, tomllib.TOMLDecodeError, configparser.Error):
        return None if before is not None else False
    return before != after


_MAKE_TEST_NAME = re.compile(r"test|tests|check|test[-_][\w.-]*|[\w.-]*[-_]test")
_MAKE_SAMPLE_GOALS = ("test", "tests", "check", "test-unit", "test_unit", "unit-test", "unit_test")
_MAKE_RULE = re.compile(r"^([^\t#\n:=][^\n:=#]*?)::?(?![:=])", re.M)  # the targets of a rule line
_MAKE_INCLUDE = re.compile(r"^[ \t]*(-include|sinclude|include)\s", re.M)


def _answers_make_test(target: str) -> bool:
    """Whether a rule for ``target`` can be what ``make test`` (or check, test-unit…) runs: a test target,
    ``.DEFAULT``, or a pattern rule that matches such a goal (``%``, ``t%``…)."""
    if "%" in target:
        before, _, after = target.partition("%")
        pattern = re.compile(re.escape(before) + ".*" + re.escape(after))
        return any(pattern.fullmatch(goal) for goal in _MAKE_SAMPLE_GOALS)
    return target == ".DEFAULT" or bool(_MAKE_TEST_NAME.fullmatch(target))


def _make_reason(path: str, old: str | None, new: str | None) -> str | None:
    """GNU make reads GNUmakefile, else makefile, else Makefile: creating or deleting any of them can change
    which one ``make test`` reads, and a sibling's test target is out of sight here, so both always count.
    A change counts when either text has a rule that can answer ``make test`` or includes other make files."""
    if old is None or new is None:
        return (f"{'creating' if old is None else 'deleting'} {path} changes which make file `make test` reads "
                "(GNUmakefile, then makefile, then Makefile); it is test infrastructure")
    for text in (old, new):
        if any(_answers_make_test(t) for m in _MAKE_RULE.finditer(text) for t in m.group(1).split()):
            return f"{path} defines test targets (make test) or rules that can answer them; it is test infrastructure"
        if _MAKE_INCLUDE.search(text):
            return f"{path} includes other make files, which can decide what `make test` runs; it is test infrastructure"
    return None


def infra_content_reason(path: str, old: str | None, new: str | None) -> str | None:
    """Why changing ``path`` from ``old`` to ``new`` (None: absent) touches test infrastructure, or None."""
    name = _folded_name(path)
    if name in {m.casefold() for m in MAKEFILES}:
        return _make_reason(path, old, new)
    shared = _SHARED.get(name)  # the keys are lower case
    if shared is None:
        return None
    what, readings = shared
    changed = [_parts_changed(parts, old, new) for parts in readings]
    if None in changed:
        return f"{path} would no longer parse, which changes how the tests run"
    return f"the change touches {what} in {path} (test infrastructure)" if any(changed) else None


def config_content_reason(path: str, old: str | None, new: str | None) -> str | None:
    """Why a change to ``pyproject.toml`` would change tierwise's own configuration ([tool.tierwise])."""
    if _folded_name(path) != "pyproject.toml":
        return None
    changed = _parts_changed(_toml_tables("tierwise"), old, new)
    if changed is None:
        return f"{path} would no longer parse, and it holds tierwise's configuration"
    return f"the change touches [tool.tierwise] in {path}, tierwise's own configuration" if changed else None


def infra_reason(path: str, old: str | None, new: str | None) -> str | None:
    """Why this change touches test infrastructure (whole file or part), or None."""
    kind = infra_file_kind(path)
    if kind is not None:
        return f"{path} is {kind}, test infrastructure"
    return infra_content_reason(path, old, new)

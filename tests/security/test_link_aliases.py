"""Rules that go by a file's name hold whichever name a reply writes: a link's target is judged under the
link's name (conftest.py, tests/, pyproject.toml), and a linked .tierwise or .tierwise.toml protects where
it leads. Real git repositories, the fix phase's real gates, the headless disk port."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tierwise.engine.editing import apply_reply
from tierwise.engine.guards import infra_gates
from tierwise.headless.files import DiskFiles
from tierwise.path_aliases import Aliases
from tierwise.protected import protected_reason


def _block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A repository whose conftest.py, tests folder and pyproject.toml are links to files kept elsewhere."""
    root = tmp_path / "repo"
    for folder in ("testing", "suite", "config"):
        (root / folder).mkdir(parents=True)
    (root / "testing" / "hooks.py").write_text("# shared pytest hooks\n")
    (root / "suite" / "check_app.py").write_text("def test_app():\n    assert False\n")
    (root / "config" / "pyproject.toml").write_text('[project]\nname = "p"\n\n[tool.tierwise.loop]\ntest_command = "pytest"\n')
    (root / "conftest.py").symlink_to("testing/hooks.py")
    (root / "tests").symlink_to("suite")
    (root / "pyproject.toml").symlink_to("config/pyproject.toml")
    (root / "app.py").write_text("x = 1\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "start")
    return root


async def _fix(root: Path, reply: str):  # noqa: ANN202 - EditReport
    gate, change_gate = infra_gates(None, "fix")
    return await apply_reply(DiskFiles(root), root, reply, gate=gate, change_gate=change_gate)


def test_every_name_of_a_file(linked: Path) -> None:
    (linked / "untracked-link.py").symlink_to("app.py")  # untracked, not ignored: listed too
    aliases = Aliases.load(linked)
    assert aliases.names("testing/hooks.py") == ["testing/hooks.py", "conftest.py"]
    assert aliases.names("suite/check_app.py") == ["suite/check_app.py", "tests/check_app.py"]
    assert aliases.names("conftest.py") == ["conftest.py", "testing/hooks.py"]
    assert aliases.names("app.py") == ["app.py", "untracked-link.py"]
    assert aliases.names("other.py") == ["other.py"]


def test_every_name_outside_git(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "hooks.py").write_text("")
    (tmp_path / "lib" / "conftest.py").symlink_to("hooks.py")
    assert Aliases.load(tmp_path).names("lib/hooks.py") == ["lib/hooks.py", "lib/conftest.py"]


@pytest.mark.parametrize(
    ("path", "search", "replace", "said"),
    [
        ("testing/hooks.py", "# shared pytest hooks\n", "import pytest\n", "conftest.py is pytest's conftest.py"),
        ("suite/check_app.py", "    assert False\n", "    assert True\n", "through a symbolic link"),
        ("config/pyproject.toml", 'test_command = "pytest"\n', 'test_command = "true"\n', "[tool.tierwise]"),
    ],
)
async def test_a_fix_reply_cannot_reach_test_infrastructure_or_configuration_by_another_name(
    linked: Path, path: str, search: str, replace: str, said: str
) -> None:
    before = (linked / path).read_text()
    report = await _fix(linked, _block(path, search, replace))
    assert report.applied_files == [] and said in report.retry_message
    assert (linked / path).read_text() == before


async def test_the_code_under_test_stays_editable(linked: Path) -> None:
    report = await _fix(linked, _block("app.py", "x = 1\n", "x = 2\n"))
    assert report.applied_files == ["app.py"]


async def test_a_linked_state_folder_or_configuration_file_protects_where_it_leads(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "var" / "state").mkdir(parents=True)
    (root / "var" / "state" / "ledger.jsonl").write_text('{"cost_usd": 1.25}\n')
    (root / "shared").mkdir()
    (root / "shared" / "tierwise.toml").write_text('[loop]\ntest_command = "pytest"\n')
    _git(root, "init", "-q")
    assert protected_reason(root, root / "var" / "state" / "ledger.jsonl") is None
    (root / ".tierwise").symlink_to("var/state")  # made after the first check: the cached answer is renewed
    (root / ".tierwise.toml").symlink_to("shared/tierwise.toml")
    assert "var/state" in (protected_reason(root, root / "var" / "state" / "ledger.jsonl") or "")
    assert "tierwise's own configuration" in (protected_reason(root, root / "shared" / "tierwise.toml") or "")
    report = await _fix(root, _block("var/state/ledger.jsonl", '{"cost_usd": 1.25}\n', '{"cost_usd": 0}\n')
                        + _block("shared/tierwise.toml", 'test_command = "pytest"\n', 'test_command = "true"\n'))
    assert report.applied_files == []
    assert (root / "var" / "state" / "ledger.jsonl").read_text() == '{"cost_usd": 1.25}\n'
    assert "pytest" in (root / "shared" / "tierwise.toml").read_text()

"""The Neovim plugin's own logic, in a real headless Neovim, against an in-process fake server.

The fake (tests/editors/nvim/fake_server.lua) stands in for `tierwise serve` only to check what the client
sends and how its handlers behave; the whole loop against the real server is in test_nvim_e2e.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from nvim_support import SCRIPTS, find_nvim, run_script

NVIM = find_nvim()
TIERWISE = Path(sys.executable).parent / "tierwise"
pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(NVIM is None, reason="Neovim 0.11+ not found: run editor-clients/install-e2e-deps.sh"),
]


def test_plugin_logic_in_headless_neovim(tmp_path: Path) -> None:
    work = tmp_path / "proj"
    work.mkdir()
    (work / ".tierwise.toml").write_text("# marker\n")
    (work / "a.py").write_text("def f():\n    return 1\nx = f()\n")
    (work / "b.py").write_text('print("b")\n')
    assert NVIM is not None
    run = run_script(
        NVIM,
        SCRIPTS / "unit.lua",
        tmp_path / "result.json",
        env={"TIERWISE_WORKDIR": str(work), "TIERWISE_BIN": str(TIERWISE) if TIERWISE.exists() else ""},
        cwd=work,
        timeout=120,
    )
    assert run.result.get("done"), run.explain()
    assert not run.failures(), run.explain()
    names = [case["name"] for case in run.result["cases"]]
    assert len(names) == 17, names

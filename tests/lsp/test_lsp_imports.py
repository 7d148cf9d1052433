"""What the server path imports: nothing heavy before ``initialize``; never matplotlib (the optional
'bench' extra), also after the engine, the gateway and the version-control layer are loaded."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import tierwise.lsp.server
first = sorted(m for m in ("git", "watchdog", "litellm", "matplotlib", "pydantic") if m in sys.modules)
import tierwise.headless.wiring, tierwise.gateway, tierwise.vcs, tierwise.lsp.watcher, tierwise.lsp.engine_host
import tierwise.engine.core
later = sorted(m for m in ("git", "matplotlib") if m in sys.modules)
print(json.dumps({"first": first, "later": later}))
"""


def test_server_path_never_imports_matplotlib_and_gitpython_only_with_vcs() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["first"] == []  # the module behind `tierwise serve` loads none of them at import
    assert loaded["later"] == ["git"]  # gitpython comes with tierwise.vcs; matplotlib never

"""``tierwise replay-server`` as a process: URL on the first line, serves, stops on SIGTERM, exit 2 on bad scripts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

TIERWISE = [sys.executable, "-m", "tierwise"]


def test_serves_until_sigterm(tmp_path: Path) -> None:
    script = tmp_path / "script.toml"
    script.write_text('[[rules]]\nreply = "from the cli"\ntimes = 0\n')
    log = tmp_path / "log.jsonl"
    proc = subprocess.Popen(
        [*TIERWISE, "replay-server", "--script", str(script), "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        body = json.dumps({"model": "any", "messages": [{"role": "user", "content": "hi"}]}).encode()
        req = urllib.request.Request(
            url + "/chat/completions", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.loads(resp.read())["choices"][0]["message"]["content"] == "from the cli"
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=15)
    assert rc == 0
    assert json.loads(log.read_text().splitlines()[0])["rule"] == 0


def test_bad_script_exits_2_with_message(tmp_path: Path) -> None:
    script = tmp_path / "bad.toml"
    script.write_text('[[rules]]\nreply = "x"\nmatch = "(unclosed"\n')
    result = subprocess.run(
        [*TIERWISE, "replay-server", "--script", str(script)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "bad.toml" in result.stderr and "rules[0].match: bad regex" in result.stderr
    missing = subprocess.run(
        [*TIERWISE, "replay-server", "--script", str(tmp_path / "nope.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "cannot read replay script" in missing.stderr

"""Benchmarks of ``tierwise serve``: start-up to the ``initialize`` answer against a bare pygls server,
``textDocument/codeAction`` latency on a 5,000-line file with 200 diagnostics, the longest wait of any
request during the model stack's warm-up and while a task runs (``task.py``: git checkpoints in a
repository with many files, tests streaming, model streaming through the replay server), and idle memory
before and after the warm-up.

    .venv/bin/python bench/lsp/run.py [--runs 15] [--requests 200] [--only warmup,task] [--json out.json]

Figures go to docs/benchmarks.md (## LSP server). No model is called.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from rpc import RpcClient, initialize_params  # noqa: E402
from task import during_task  # noqa: E402

HERE = Path(__file__).parent
PYTHON = sys.executable
TIERWISE = [PYTHON, "-m", "tierwise", "serve"]
BARE = [PYTHON, str(HERE / "bare_server.py")]
LINES, DIAGNOSTICS = 5000, 200


def _capabilities() -> dict[str, Any]:
    from pytest_lsp.clients import __file__ as clients_init

    data = json.loads((Path(clients_init).parent / "visual_studio_code_v1.65.2.json").read_text())
    return data["capabilities"]


def _workspace() -> str:
    root = tempfile.mkdtemp(prefix="tierwise-bench-lsp-")
    config = (
        '[tiers.light]\nmodel = "openai/replay-light"\napi_base = "http://127.0.0.1:9/v1"\n'
        'api_key_env = "TIERWISE_BENCH_KEY"\n'
    )
    Path(root, ".tierwise.toml").write_text(config, encoding="utf-8")
    return root


def _env() -> dict[str, str]:
    return {**os.environ, "TIERWISE_BENCH_KEY": "sk-bench", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def startup(runs: int, root: str, caps: dict[str, Any]) -> dict[str, Any]:
    """Seconds from process start to the ``initialize`` answer, alternating the two servers."""
    times: dict[str, list[float]] = {"bare": [], "tierwise": []}
    for _ in range(runs):
        for name, argv in (("bare", BARE), ("tierwise", TIERWISE)):
            client = RpcClient(argv, root, _env())
            client.request("initialize", initialize_params(root, caps))
            times[name].append(time.perf_counter() - client.started)
            client.notify("initialized", {})
            client.close()
    bare, ours = statistics.median(times["bare"]), statistics.median(times["tierwise"])
    return {"runs": runs, "bare_median_s": bare, "tierwise_median_s": ours, "ratio": ours / bare}


def _source() -> str:
    body = []
    for n in range(LINES):
        body.append(
            f"def f{n}(x):  # TODO: check {n}" if n % 250 == 0 else f"    value_{n} = compute(x, {n})"
        )
    return "\n".join(body) + "\n"


def _diagnostic(line: int) -> dict[str, Any]:
    return {
        "range": {"start": {"line": line, "character": 4}, "end": {"line": line, "character": 12}},
        "message": f"undefined name 'compute' ({line})",
        "severity": 1,
        "source": "pyflakes",
        "code": "F821",
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _open_big_file(root: str, caps: dict[str, Any]) -> tuple[RpcClient, str]:
    """A started, initialized tierwise server with ``big.py`` open; returns the client and the file's URI."""
    client = RpcClient(TIERWISE, root, _env())
    client.request("initialize", initialize_params(root, caps))
    client.notify("initialized", {})
    uri = "file://" + os.path.join(root, "big.py")
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": _source()}},
    )
    return client, uri


def code_actions(requests: int, root: str, caps: dict[str, Any]) -> dict[str, Any]:
    """codeAction latency with the model stack warmed up: a cursor on one diagnostic, and the whole file."""
    client, uri = _open_big_file(root, caps)
    _wait_ready(client)
    lines = [int(i * LINES / DIAGNOSTICS) for i in range(DIAGNOSTICS)]
    all_diags = [_diagnostic(line) for line in lines]
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": LINES, "character": 0}}
    samples: dict[str, list[float]] = {"cursor": [], "whole_file": []}
    counts: dict[str, int] = {}
    for i in range(requests):
        line = lines[i % DIAGNOSTICS]
        cursor = {"start": {"line": line, "character": 6}, "end": {"line": line, "character": 6}}
        for name, rng, diags in (("cursor", cursor, [_diagnostic(line)]), ("whole_file", whole, all_diags)):
            params = {"textDocument": {"uri": uri}, "range": rng, "context": {"diagnostics": diags}}
            start = time.perf_counter()
            actions = client.request("textDocument/codeAction", params)
            samples[name].append((time.perf_counter() - start) * 1000)
            counts[name] = len(actions)
    client.close()
    return {
        name: {
            "p50_ms": statistics.median(values),
            "p95_ms": _percentile(values, 0.95),
            "max_ms": max(values),
            "actions": counts[name],
        }
        for name, values in samples.items()
    } | {"requests": requests, "lines": LINES, "diagnostics": DIAGNOSTICS}


def during_warmup(root: str, caps: dict[str, Any]) -> dict[str, Any]:
    """Cursor codeAction latency while litellm imports on its thread (the first seconds after start)."""
    client, uri = _open_big_file(root, caps)
    samples: list[float] = []
    status_every, ready = 10, False
    while not ready:
        for _ in range(status_every):
            line = (len(samples) * 25) % LINES
            rng = {"start": {"line": line, "character": 6}, "end": {"line": line, "character": 6}}
            params = {
                "textDocument": {"uri": uri},
                "range": rng,
                "context": {"diagnostics": [_diagnostic(line)]},
            }
            start = time.perf_counter()
            client.request("textDocument/codeAction", params)
            samples.append((time.perf_counter() - start) * 1000)
            time.sleep(0.02)
        status = client.request("workspace/executeCommand", {"command": "tierwise.status", "arguments": [{}]})
        ready = bool(status.get("modelStackReady"))
    client.close()
    return {
        "requests": len(samples),
        "p50_ms": statistics.median(samples),
        "p95_ms": _percentile(samples, 0.95),
        "max_ms": max(samples),
    }


class CursorProbe:
    """One cursor ``codeAction`` on the open ``big.py`` (what an editor sends as the cursor moves)."""

    @staticmethod
    def open(client: RpcClient, root: str) -> str:
        uri = "file://" + os.path.join(root, "big.py")
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": _source()}},
        )
        return uri

    @staticmethod
    def once(client: RpcClient, uri: str, n: int) -> float:
        line = (n * 25) % LINES
        rng = {"start": {"line": line, "character": 6}, "end": {"line": line, "character": 6}}
        params = {"textDocument": {"uri": uri}, "range": rng, "context": {"diagnostics": [_diagnostic(line)]}}
        start = time.perf_counter()
        client.request("textDocument/codeAction", params)
        return (time.perf_counter() - start) * 1000

    @staticmethod
    def wait_ready(client: RpcClient) -> float:
        return _wait_ready(client)


def _wait_ready(client: RpcClient, timeout_s: float = 120.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        status = client.request("workspace/executeCommand", {"command": "tierwise.status", "arguments": [{}]})
        if status.get("modelStackReady"):
            return time.perf_counter() - start
        time.sleep(0.2)
    raise TimeoutError("the model stack did not warm up")


def memory(root: str, caps: dict[str, Any]) -> dict[str, Any]:
    """Idle RSS: bare pygls; tierwise after initialize (no warm-up yet); after the warm-up."""
    bare = RpcClient(BARE, root, _env())
    bare.request("initialize", initialize_params(root, caps))
    bare.notify("initialized", {})
    time.sleep(1.0)
    bare_rss = bare.rss_mib()
    bare.close()
    client = RpcClient(TIERWISE, root, _env())
    client.request("initialize", initialize_params(root, caps, {"tierwise": {"lsp": {"warmUp": False}}}))
    client.notify("initialized", {})
    client.request("workspace/executeCommand", {"command": "tierwise.status", "arguments": [{}]})
    time.sleep(1.0)
    before = client.rss_mib()
    client.notify("workspace/didChangeConfiguration", {"settings": {"tierwise": {"lsp": {"warmUp": True}}}})
    warm_s = _wait_ready(client)
    time.sleep(1.0)
    after = client.rss_mib()
    client.close()
    return {
        "bare_rss_mib": bare_rss,
        "before_warmup_rss_mib": before,
        "after_warmup_rss_mib": after,
        "warmup_s": warm_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="start-up runs per server (median)")
    parser.add_argument("--requests", type=int, default=200, help="codeAction requests per kind")
    parser.add_argument("--only", default="startup,code_action,warmup,task,memory",
                        help="comma-separated scenarios (default: all)")
    parser.add_argument("--files", type=int, default=4000, help="files in the task's git repository")
    parser.add_argument("--touch", type=int, default=40, help="files the task edits (each checkpointed)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    caps, root = _capabilities(), _workspace()
    scenarios = {
        "startup": lambda: startup(args.runs, root, caps),
        "code_action": lambda: code_actions(args.requests, root, caps),
        "warmup": lambda: during_warmup(root, caps),
        "task": lambda: during_task(caps, _env(), TIERWISE, files=args.files, touch=args.touch,
                                    code_action=CursorProbe),
        "memory": lambda: memory(root, caps),
    }
    results: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                               "loadavg_1m_at_start": os.getloadavg()[0]}
    for name in args.only.split(","):
        results[name] = scenarios[name.strip()]()
    results["loadavg_1m_at_end"] = os.getloadavg()[0]
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""What the model gateway adds to a call, and what its bookkeeping costs.

    .venv/bin/python bench/gateway/overhead.py [--calls 40]

Measures, against the replay server on 127.0.0.1 (so the "model" answers in about a millisecond):
- median latency of a streamed litellm call made directly vs. through ModelGateway.complete (the
  difference is routing + token counting + budget check + ledger append with fsync);
- Ledger.append (one fsync'd line) and Ledger.spent on a 10,000-line ledger (first read, then an
  incremental read after one more line);
- counting the prompt tokens of a 50 KB prompt.
Direct and gateway calls are interleaved so that load from other processes hits both alike.
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tierwise.config.model import Config  # noqa: E402
from tierwise.gateway.gateway import ModelGateway  # noqa: E402
from tierwise.gateway.ledger import Ledger  # noqa: E402
from tierwise.gateway.provider import load_litellm  # noqa: E402
from tierwise.gateway.tokens import count_message_tokens, tokenizer_name  # noqa: E402
from tierwise.gateway.types import LedgerLine, Message  # noqa: E402
from tierwise.replay.fixtures import TEST_KEY, TEST_KEY_ENV, replay_tier_config  # noqa: E402
from tierwise.replay.server import ReplayServer  # noqa: E402

REPLY = "def add(a, b):\n    return a + b\n" * 5
PROMPT = [Message(role="system", content="You write code."), Message(role="user", content="Write add().")]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} ms"


async def _direct(url: str, calls: int) -> list[float]:
    litellm = await load_litellm()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        stream = await litellm.acompletion(
            model="openai/replay-mid",
            messages=[m.model_dump() for m in PROMPT],
            api_base=url,
            api_key=TEST_KEY,
            stream=True,
            stream_options={"include_usage": True},
            num_retries=0,
            max_retries=0,
        )
        async for _chunk in stream:
            pass
        times.append(time.perf_counter() - started)
    return times


def _make_gateway(url: str, root: Path) -> ModelGateway:
    config = Config.model_validate(
        replay_tier_config(url, budget={"per_task_usd": 1000, "per_day_usd": 1000})
    )
    return ModelGateway(config, root, env={TEST_KEY_ENV: TEST_KEY})


async def _gateway(gateway: ModelGateway, calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        await gateway.complete("implement", PROMPT, task_id="bench")
        times.append(time.perf_counter() - started)
    return times


def _ledger_figures(root: Path) -> dict[str, str]:
    ledger = Ledger(root)
    append_times = []
    for _ in range(200):
        started = time.perf_counter()
        ledger.append(LedgerLine(task_id="t", action="fix", tier="light", model="m", cost_usd=0.001))
        append_times.append(time.perf_counter() - started)
    line = (
        LedgerLine(task_id="t", action="fix", tier="light", model="m", cost_usd=0.001).model_dump_json()
        + "\n"
    )
    with ledger.path.open("a") as handle:
        handle.write(line * 9_800)
    fresh = Ledger(root)
    started = time.perf_counter()
    fresh.spent(task_id="t")
    first = time.perf_counter() - started
    fresh.append(LedgerLine(task_id="t", action="fix", tier="light", model="m", cost_usd=0.001))
    started = time.perf_counter()
    fresh.spent(task_id="t")
    incremental = time.perf_counter() - started
    return {
        "Ledger.append (one line, fsync), median of 200": _ms(append_times),
        "Ledger.spent, 10,000 lines, first read": f"{first * 1000:.1f} ms",
        "Ledger.spent, 10,001 lines, incremental read": f"{incremental * 1000:.2f} ms",
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        async with ReplayServer({"rules": [{"reply": REPLY, "times": 0}]}) as server:
            started = time.perf_counter()
            await load_litellm()
            import_s = time.perf_counter() - started
            await _direct(server.url, 3)  # warm both paths
            gateway = _make_gateway(server.url, root / "ws")
            await _gateway(gateway, 3)
            direct: list[float] = []
            through: list[float] = []
            for _ in range(args.calls):  # interleaved, so load changes on the machine hit both alike
                direct += await _direct(server.url, 1)
                through += await _gateway(gateway, 1)
        figures = {
            f"litellm import on a background thread (first call only; {'cached' if import_s < 1 else 'cold'})": f"{import_s:.2f} s",
            f"streamed call, litellm direct, median of {args.calls}": _ms(direct),
            f"streamed call, ModelGateway.complete, median of {args.calls}": _ms(through),
            "gateway overhead per call (difference of medians)": f"{(statistics.median(through) - statistics.median(direct)) * 1000:.2f} ms",
            **_ledger_figures(root / "ledger"),
        }
        big = [Message(role="user", content="x = compute(a, b)  # note\n" * 1_800)]  # ~50 KB
        started = time.perf_counter()
        tokens = count_message_tokens((m.role, m.content) for m in big)
        figures[f"count prompt tokens, 50 KB prompt ({tokenizer_name()}, {tokens:,} tokens)"] = (
            f"{(time.perf_counter() - started) * 1000:.1f} ms"
        )
    print("| measurement | value |\n|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value} |")
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    asyncio.run(main())

"""The model worker process (``tierwise.gateway.worker``): litellm stays out of the calling process, calls
are priced with litellm's cost functions all the same, and a worker that dies is replaced while the call
is retried. (Every test of ``test_gateway_calls``/``_safety``/``_caching`` also runs through the worker:
``make_gateway`` is parametrized in conftest.py.)"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tierwise.config.model import Config
from tierwise.gateway.gateway import ModelGateway
from tierwise.gateway.ledger import Ledger
from tierwise.gateway.types import Message, TokenUsage
from tierwise.gateway.worker_client import WorkerBackend

HI = [Message(role="user", content="hello")]

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path
    from tierwise.config.model import Config
    from tierwise.gateway.gateway import ModelGateway
    from tierwise.gateway.types import Message
    from tierwise.gateway.worker_client import WorkerBackend

    async def main():
        config = Config.model_validate(json.loads(sys.argv[1]))
        backend = WorkerBackend()
        gateway = ModelGateway(config, Path(sys.argv[2]), backend=backend)
        done = await gateway.complete("implement", [Message(role="user", content="hello")], task_id="t")
        worker = backend.describe()
        backend.close()
        print(json.dumps({"litellm_loaded": "litellm" in sys.modules, "openai_loaded": "openai" in sys.modules,
                          "text": done.text, "line": done.usage.model_dump(mode="json"), "worker": worker}))

    asyncio.run(main())
    """
)


def test_a_call_through_the_worker_never_imports_litellm_here_and_is_priced_by_litellm(
    replay_server, tier_config, tmp_path: Path
) -> None:
    srv = replay_server({"rules": [{"reply": "the answer"}]})
    # a model litellm's price map knows, with no price in the config: litellm's cost functions price it
    config = tier_config(srv.url, tiers={"mid": {"model": "openai/gpt-4o-mini", "price": None}},
                         budget={"per_task_usd": None, "per_day_usd": None})
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(config), str(tmp_path / "ws")],
                          capture_output=True, text=True, timeout=240, env={**os.environ})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["litellm_loaded"] is False and result["openai_loaded"] is False
    assert result["text"] == "the answer" and result["line"]["outcome"] == "ok"
    assert result["worker"]["pid"] not in (None, os.getpid()) and result["worker"]["started"] == 1
    import litellm  # here, in the test's process, to compute what litellm itself charges

    from tierwise.gateway.invoice import call_cost

    deployment = Config.model_validate(config).tiers["mid"].deployments()[0]
    tokens_in, tokens_out = result["line"]["tokens_in"], result["line"]["tokens_out"]
    assert tokens_in > 0 and tokens_out > 0 and not result["line"]["tokens_estimated"]
    usage = TokenUsage(prompt_tokens=tokens_in, completion_tokens=tokens_out)
    expected = float(litellm.completion_cost(
        completion_response=litellm.ModelResponse(model="gpt-4o-mini", usage=litellm.Usage(
            prompt_tokens=tokens_in, completion_tokens=tokens_out, total_tokens=tokens_in + tokens_out)),
        model="gpt-4o-mini"))
    assert abs(result["line"]["cost_usd"] - expected) < 1e-12 and expected > 0
    assert abs(call_cost(deployment, usage) - expected) < 1e-12  # the in-process path books the same


async def test_a_worker_killed_mid_stream_is_replaced_and_the_call_retried(
    replay_server, tier_config, tmp_path: Path
) -> None:
    srv = replay_server({"rules": [{"reply": " ".join(f"w{i}" for i in range(60)), "token_delay_s": 0.05, "times": 0}]})
    config = Config.model_validate(tier_config(
        srv.url, budget={"per_task_usd": None, "per_day_usd": None},
        gateway={"max_retries": 1, "backoff_s": 0.05, "idle_timeout_s": 5, "timeout_s": 200}))
    backend = WorkerBackend()
    try:
        gateway = ModelGateway(config, tmp_path / "ws", backend=backend)
        await asyncio.wait_for(backend.ready(), 180)
        first = backend.describe()["pid"]
        task = asyncio.create_task(gateway.complete("implement", HI, task_id="t"))
        for _ in range(500):
            if srv.requests():
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # streaming now
        os.kill(first, signal.SIGKILL)
        done = await asyncio.wait_for(task, 200)
        assert done.text.startswith("w0 w1") and done.usage.outcome == "ok" and done.usage.retries == 1
        assert backend.describe()["started"] == 2 and backend.describe()["pid"] != first
        (line,) = Ledger(tmp_path / "ws").read()
        assert line.cost_usd > 0 and line.retries == 1  # the cut attempt's partial output is booked too
        assert len(srv.requests()) == 2
    finally:
        backend.close()


async def test_pricing_and_counting_fall_back_when_the_worker_cannot_start(tmp_path: Path) -> None:
    backend = WorkerBackend(argv=[sys.executable, "-c", "import sys; sys.exit(7)"])
    try:
        deployment = Config.model_validate(
            {"tiers": {"mid": {"model": "openai/gpt-4o-mini"}}}).tiers["mid"].deployments()[0]
        usage = TokenUsage(prompt_tokens=1000, completion_tokens=10)
        (cost,) = await backend.price([(deployment, usage)])
        assert cost > 0  # the pinned map's plain price
        assert await backend.count_prompt_tokens("openai/gpt-4o-mini", [("user", "hello there")]) > 0
        assert backend.describe()["state"] == "stopped"
    finally:
        backend.close()


TOKENS_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from tierwise.gateway import tokens
    from tierwise.gateway.worker_client import WorkerBackend

    texts = ["def add(a, b):\\n    return a - b\\n", "", "<|endoftext|> is plain text here", "héllo wörld " * 50]
    backend = WorkerBackend()
    tokens.count_elsewhere(backend.count_texts)
    started = time.monotonic()
    counted = tokens.count_many(texts)  # a thread without an event loop: counted in the worker
    first = time.monotonic() - started
    state = backend.describe()["state"]  # litellm is still importing there
    message = tokens.count_message_tokens([("system", texts[0]), ("user", texts[3])])
    encoder_built_here = tokens._encoding.cache_info().currsize > 0

    async def on_a_loop():  # an event loop's own thread never blocks on the worker: counted here
        return tokens.count_tokens(texts[0])

    here = asyncio.run(on_a_loop())
    backend.close()
    tokens.count_elsewhere(None)
    local = [tokens.count_tokens(t) for t in texts]
    print(json.dumps({"counted": counted, "local": local, "state": state, "first_s": first, "here": here,
                      "encoder_built_before_the_loop_call": encoder_built_here, "message": message,
                      "message_local": tokens.count_message_tokens([("system", texts[0]), ("user", texts[3])]),
                      "litellm": "litellm" in sys.modules}))
    """
)


def test_token_counts_are_made_in_the_worker_before_litellm_is_loaded_and_equal_local_counts() -> None:
    """The language server counts cl100k tokens in its model worker (building tiktoken's encoder holds the GIL
    for ~100 ms): answered from the worker's start, the same numbers, the calling process builds no encoder
    unless an event loop's own thread asks."""
    out = subprocess.run([sys.executable, "-c", TOKENS_SCRIPT], capture_output=True, text=True, timeout=120,
                         check=True)  # fmt: skip
    seen = json.loads(out.stdout)
    assert seen["counted"] == seen["local"] and seen["counted"][1] == 0 and all(n > 0 for n in seen["local"][::2])
    assert seen["message"] == seen["message_local"]
    assert seen["state"] == "starting"  # answered while litellm still imports in the worker
    assert not seen["encoder_built_before_the_loop_call"]  # nothing counted here until the loop's call
    assert seen["here"] == seen["local"][0]
    assert not seen["litellm"]


async def test_token_counts_fall_back_to_this_process_when_the_worker_cannot_start() -> None:
    from tierwise.gateway import tokens

    backend = WorkerBackend(argv=[sys.executable, "-c", "import sys; sys.exit(7)"])
    try:
        tokens.count_elsewhere(backend.count_texts)
        counted = await asyncio.to_thread(tokens.count_many, ["hello there", "x"])
        again = await asyncio.to_thread(tokens.count_tokens, "hello again")
        assert backend.started == 1  # not one failing process per count: counted here for a while
    finally:
        tokens.count_elsewhere(None)
        backend.close()
    assert counted == [tokens.count_tokens("hello there"), tokens.count_tokens("x")]
    assert again == tokens.count_tokens("hello again")

"""The replay server over real HTTP: rule semantics, wire format, faults, request log."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from tierwise.replay.script import ScriptError, parse_script
from tierwise.replay.server import ReplayServer

USER = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "Write PLAN.md for task 7"}]


async def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as session, session.post(url + "/chat/completions", json=body) as resp:
        return resp.status, dict(resp.headers), await resp.text()


def _events(raw: str) -> list[str]:
    return [line[len("data: ") :] for line in raw.splitlines() if line.startswith("data: ")]


def _streamed_text(raw: str) -> str:
    text = ""
    for data in _events(raw):
        if data == "[DONE]":
            break
        for choice in json.loads(data)["choices"]:
            text += choice["delta"].get("content") or ""
    return text


async def test_rules_model_match_times_and_404() -> None:
    script = {
        "rules": [
            {"model": "replay-frontier", "match": r"(?s)be brief.*PLAN\.md", "reply": "plan one"},
            {"model": "replay-frontier", "reply": "plan again", "times": 0},
            {"model": "replay-mid", "match": "never", "reply": "nope"},
        ]
    }
    async with ReplayServer(script) as srv:
        first = await _post(srv.url, {"model": "replay-frontier", "messages": USER})
        second = await _post(srv.url, {"model": "replay-frontier", "messages": USER})
        third = await _post(srv.url, {"model": "replay-frontier", "messages": USER})
        missing = await _post(srv.url, {"model": "replay-mid", "messages": USER})
        log = srv.requests()
    assert json.loads(first[2])["choices"][0]["message"]["content"] == "plan one"
    assert json.loads(second[2])["choices"][0]["message"]["content"] == "plan again"
    assert json.loads(third[2])["choices"][0]["message"]["content"] == "plan again"  # times = 0: unlimited
    assert missing[0] == 404
    error = json.loads(missing[2])["error"]["message"]
    assert "replay-mid" in error and "Write PLAN.md for task 7" in error
    assert [entry["rule"] for entry in log] == [0, 1, 1, None]
    assert [entry["status"] for entry in log] == [200, 200, 200, 404]
    assert log[0]["messages"] == USER and log[0]["stream"] is False


async def test_non_stream_usage_and_models_endpoint() -> None:
    async with ReplayServer({"rules": [{"model": "m", "reply": "hello world"}]}) as srv:
        status, _, body = await _post(srv.url, {"model": "m", "messages": USER})
        async with aiohttp.ClientSession() as session, session.get(srv.url + "/models") as resp:
            models = await resp.json()
    usage = json.loads(body)["usage"]
    assert status == 200
    assert usage["completion_tokens"] == 2 and usage["prompt_tokens"] > 10
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert [m["id"] for m in models["data"]] == ["m"]


async def test_stream_format_with_usage_and_done() -> None:
    reply = "def add(a, b):\n    return a + b\n"
    async with ReplayServer({"rules": [{"reply": reply}]}) as srv:
        status, headers, raw = await _post(
            srv.url,
            {"model": "x", "messages": USER, "stream": True, "stream_options": {"include_usage": True}},
        )
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    events = _events(raw)
    assert events[-1] == "[DONE]"
    assert json.loads(events[-2])["usage"]["completion_tokens"] > 0
    assert json.loads(events[-3])["choices"][0]["finish_reason"] == "stop"
    assert _streamed_text(raw) == reply


async def test_stream_without_include_usage_has_no_usage_chunk() -> None:
    async with ReplayServer({"rules": [{"reply": "a b c"}]}) as srv:
        _, _, raw = await _post(srv.url, {"model": "x", "messages": USER, "stream": True})
    assert all("usage" not in json.loads(e) for e in _events(raw) if e != "[DONE]")


async def test_status_faults_and_retry_after_header() -> None:
    script = {
        "rules": [
            {"status": 429, "retry_after": 2},
            {"status": 500},
            {"status": 401},
            {"status": 400, "error": "This model's maximum context length is 10 tokens."},
        ]
    }
    async with ReplayServer(script) as srv:
        results = [await _post(srv.url, {"model": "x", "messages": USER}) for _ in range(4)]
    assert [r[0] for r in results] == [429, 500, 401, 400]
    assert results[0][1]["Retry-After"] == "2"
    assert json.loads(results[2][2])["error"]["code"] == "invalid_api_key"
    assert "maximum context length" in json.loads(results[3][2])["error"]["message"]


async def test_cut_stream_closes_without_done() -> None:
    async with ReplayServer({"rules": [{"reply": "one two three four five", "cut_after_tokens": 2}]}) as srv:
        with pytest.raises(aiohttp.ClientPayloadError):
            await _post(srv.url, {"model": "x", "messages": USER, "stream": True})


async def test_malformed_chunk_is_not_json() -> None:
    async with ReplayServer({"rules": [{"reply": "one two three", "malformed_chunk": True}]}) as srv:
        _, _, raw = await _post(srv.url, {"model": "x", "messages": USER, "stream": True})
    broken = []
    for data in _events(raw):
        try:
            json.loads(data) if data != "[DONE]" else None
        except ValueError:
            broken.append(data)
    assert len(broken) == 1 and _events(raw)[-1] == "[DONE]"


async def test_blank_lines_pad_reply_and_stream() -> None:
    async with ReplayServer({"rules": [{"reply": "alpha\n\nbeta", "blank_lines": True, "times": 2}]}) as srv:
        _, _, raw = await _post(srv.url, {"model": "x", "messages": USER, "stream": True})
        _, _, whole = await _post(srv.url, {"model": "x", "messages": USER})
    text = _streamed_text(raw)
    assert text.startswith("\n\n\n") and text.endswith("\n\n\n") and "\n\n\n\n" in text.strip()
    assert text.split() == ["alpha", "beta"]
    assert "\n\n\n\n" in raw  # extra blank lines between SSE events
    assert json.loads(whole)["choices"][0]["message"]["content"] == text


async def test_hangs_delay_and_shutdown_ends_them() -> None:
    script = {
        "rules": [
            {"reply": "a b c d", "hang_before_s": 0.4},
            {"reply": "a b c d", "hang_after_tokens": 2, "hang_s": 30},
        ]
    }
    async with ReplayServer(script) as srv:
        started = time.monotonic()
        await _post(srv.url, {"model": "x", "messages": USER, "stream": True})
        assert time.monotonic() - started >= 0.4
        async with aiohttp.ClientSession() as session:
            resp = await session.post(
                srv.url + "/chat/completions", json={"model": "x", "messages": USER, "stream": True}
            )
            seen = b""
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.5):
                    async for chunk in resp.content.iter_any():
                        seen += chunk
            assert b'"content":"a"' in seen and b'" b"' in seen and b'" c"' not in seen
            resp.close()
    # leaving the context manager while a 30 s hang was pending must not take 30 s
    assert time.monotonic() - started < 5


def test_log_file_is_jsonl_with_fields(replay_server) -> None:
    handle = replay_server('[[rules]]\nmodel = "m"\nreply = "ok"\n')
    body = json.dumps({"model": "m", "messages": USER, "max_tokens": 7}).encode()
    import urllib.request

    request = urllib.request.Request(
        handle.url + "/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert json.loads(resp.read())["choices"][0]["message"]["content"] == "ok"
    (entry,) = handle.requests()
    assert set(entry) >= {"time", "model", "messages", "stream", "rule", "status"}
    assert (
        entry["model"] == "m" and entry["rule"] == 0 and entry["status"] == 200 and entry["max_tokens"] == 7
    )
    assert abs(entry["time"] - time.time()) < 60


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[rules]]\nreply = "x"\nmatch = "("\n', "rules[0].match: bad regex"),
        ('[[rules]]\nreply = "x"\nbogus = 1\n', "rules[0].bogus: unknown key"),
        ("[[rules]]\ntimes = 2\n", "needs 'reply'"),
        ('[[rules]]\nreply = "x"\nretry_after = 1\n', "only makes sense with 'status'"),
        ("rules = [", "not valid TOML"),
        ('[[rules]]\nreply = "x"\nstatus = 200\n', "rules[0].status"),
    ],
)
def test_script_errors_are_clear(text: str, expected: str) -> None:
    with pytest.raises(ScriptError, match=None) as info:
        parse_script(text, origin="demo.toml")
    assert expected in str(info.value) and str(info.value).startswith("demo.toml")


def test_json_script(tmp_path) -> None:
    from tierwise.replay.script import load_script

    path = tmp_path / "s.json"
    path.write_text(json.dumps({"rules": [{"reply": "hi", "times": 0}]}))
    assert load_script(path).rules[0].times == 0


async def test_fault_omit_usage_and_ignore_max_tokens() -> None:
    rules = [{"reply": "one two ", "ignore_max_tokens": 500, "times": 1}, {"reply": "x", "omit_usage": True}]
    async with ReplayServer({"rules": rules}) as srv:
        asked = {"model": "x", "messages": USER, "stream": True, "stream_options": {"include_usage": True}}
        _, _, giant = await _post(srv.url, {**asked, "max_tokens": 3})
        _, _, bare = await _post(srv.url, asked)
    assert _streamed_text(giant) == "one two " * 500  # max_tokens = 3 ignored
    assert json.loads(_events(giant)[-2])["usage"]["completion_tokens"] >= 1000
    assert _streamed_text(bare) == "x"
    assert all("usage" not in json.loads(e) for e in _events(bare) if e != "[DONE]")

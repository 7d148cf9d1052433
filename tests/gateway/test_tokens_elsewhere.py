"""``tokens.count_elsewhere``: counts made in another process (the language server's model worker) are
remembered by text, made here on an event loop's own thread, and made here for a while after a failure."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence

import pytest

from tierwise.gateway import tokens


@pytest.fixture
def asked() -> Iterator[list[list[str]]]:
    calls: list[list[str]] = []

    def counter(texts: Sequence[str]) -> list[int]:
        calls.append(list(texts))
        return [tokens._count_here(t) for t in texts]

    tokens._remembered = tokens._Remembered()
    tokens.count_elsewhere(counter)
    yield calls
    tokens.count_elsewhere(None)


def _in_thread(fn, *args):  # noqa: ANN001, ANN202 - a plain thread: no event loop there
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(fn(*args)))
    thread.start()
    thread.join()
    return out[0]


def test_counts_are_asked_once_per_text_and_equal_local_counts(asked: list[list[str]]) -> None:
    texts = ["def f(x):\n    return x\n", "", "héllo " * 30, "def f(x):\n    return x\n"]
    first = _in_thread(tokens.count_many, texts)
    assert first == [tokens._count_here(t) if t else 0 for t in texts]
    assert asked == [[texts[0], texts[2], texts[0]]]  # one request (the repeat inside it is harmless)
    assert _in_thread(tokens.count_many, texts) == first and len(asked) == 1  # remembered
    assert _in_thread(tokens.count_tokens, "new text") == tokens._count_here("new text") and asked[-1] == ["new text"]
    pairs = [("system", texts[0]), ("user", texts[2])]
    assert _in_thread(tokens.count_message_tokens, pairs) == (
        tokens.TOKENS_PER_REPLY + 2 * tokens.TOKENS_PER_MESSAGE + sum(tokens._count_here(t) for p in pairs for t in p)
    )


def test_an_event_loop_thread_never_waits_on_another_process(asked: list[list[str]]) -> None:
    async def on_loop() -> int:
        return tokens.count_tokens("counted here")

    assert asyncio.run(on_loop()) == tokens._count_here("counted here") and asked == []


def test_after_a_failure_counts_are_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def broken(texts: Sequence[str]) -> list[int]:
        calls.append(texts)
        raise RuntimeError("worker gone")

    tokens._remembered = tokens._Remembered()
    tokens.count_elsewhere(broken)
    try:
        assert _in_thread(tokens.count_tokens, "abc") == tokens._count_here("abc")
        assert _in_thread(tokens.count_tokens, "abcd") == tokens._count_here("abcd") and len(calls) == 1
        monkeypatch.setattr(tokens, "_resume_at", 0.0)  # the pause is over: asked again
        _in_thread(tokens.count_tokens, "abcde")
        assert len(calls) == 2
    finally:
        tokens.count_elsewhere(None)


def test_remembered_text_is_bounded() -> None:
    memory = tokens._Remembered()
    memory.CHARS = 100
    memory.put(["a" * 10, "b" * 10], [1, 2])
    memory.put(["c" * 12] * 8, [3] * 8)  # the same text repeated is kept once
    assert memory.get("a" * 10) == 1
    memory.put([str(i) * 12 for i in range(10)], list(range(10)))
    assert memory._chars <= 100 and memory.get("a" * 10) is None and memory.get("9" * 12) == 9
    memory.put(["x" * 13], [5])  # longer than an eighth of the bound: not kept
    assert memory.get("x" * 13) is None

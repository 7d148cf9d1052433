from lru.cache import LRUCache
from lru.memo import memoize


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lru_eviction():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert "b" not in cache and "a" in cache and "c" in cache


def test_ttl_expiry_at_the_boundary():
    clock = FakeClock()
    cache = LRUCache(4, ttl_s=10, clock=clock)
    cache.put("a", 1)
    clock.now = 9.99
    assert cache.get("a") == 1
    clock.now = 10.0
    assert cache.get("a") is None
    assert len(cache) == 0
    assert cache.stats() == {"hits": 1, "misses": 1, "expired": 1}


def test_memoize_ttl():
    clock = FakeClock()
    calls = []

    @memoize(8, ttl_s=5, clock=clock)
    def square(x):
        calls.append(x)
        return x * x

    assert square(3) == 9 and square(3) == 9
    clock.now = 5
    assert square(3) == 9
    assert calls == [3, 3]

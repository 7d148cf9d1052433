from lru.cache import LRUCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_put_evicts_expired_before_live():
    clock = FakeClock()
    cache = LRUCache(2, ttl_s=10, clock=clock)
    cache.put("old", 1)
    clock.now = 5
    cache.put("live", 2)
    clock.now = 6
    cache.get("old")  # "old" is now the most recently used
    clock.now = 11  # "old" expired, "live" has 4 s left
    cache.put("new", 3)
    assert cache.get("live") == 2 and cache.get("new") == 3 and "old" not in cache


def test_put_refreshes_age():
    clock = FakeClock()
    cache = LRUCache(2, ttl_s=10, clock=clock)
    cache.put("a", 1)
    clock.now = 8
    cache.put("a", 2)
    clock.now = 15
    assert cache.get("a") == 2


def test_contains_and_len_skip_expired():
    clock = FakeClock()
    cache = LRUCache(3, ttl_s=1, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    clock.now = 1
    assert "a" not in cache
    assert len(cache) == 0


def test_without_ttl_nothing_expires():
    clock = FakeClock()
    cache = LRUCache(1, clock=clock)
    cache.put("a", 1)
    clock.now = 10**9
    assert cache.get("a") == 1
    assert cache.stats() == {"hits": 1, "misses": 0, "expired": 0}

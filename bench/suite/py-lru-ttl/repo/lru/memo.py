"""``@memoize(maxsize)``: cache a function's results in an LRUCache."""

import functools
from collections.abc import Callable
from typing import Any

from lru.cache import LRUCache

_MISSING = object()


def memoize(maxsize: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        cache = LRUCache(maxsize)

        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            value = cache.get(args, _MISSING)
            if value is _MISSING:
                value = func(*args)
                cache.put(args, value)
            return value

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper

    return decorate

"""Reports over a list of items."""

from collections.abc import Iterable

from inventory.models import Item


def total_value(items: Iterable[Item]) -> float:
    """Sum of the items' values."""
    return sum(item.value() for item in items)

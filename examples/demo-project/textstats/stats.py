"""Small statistics helpers."""

from collections.abc import Sequence


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean of the values; ValueError on an empty sequence."""
    if not values:
        raise ValueError("mean of an empty sequence")
    return sum(values) / len(values)


def median(values: Sequence[float]) -> float:
    """Middle value of the sorted values."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle]

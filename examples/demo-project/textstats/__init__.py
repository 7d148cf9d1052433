"""Small statistics helpers."""

from textstats.stats import mean, median

__all__ = ["mean", "median"]

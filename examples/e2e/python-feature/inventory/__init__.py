"""A tiny inventory."""

from inventory.models import Item
from inventory.report import total_value

__all__ = ["Item", "total_value"]

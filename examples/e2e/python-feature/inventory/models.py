"""Inventory items."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """A stocked item."""

    name: str
    quantity: int
    unit_price: float

    def value(self) -> float:
        """Quantity times unit price."""
        return self.quantity * self.unit_price

"""The shopping cart. Prices are integer cents."""

from dataclasses import dataclass, field


@dataclass
class Line:
    name: str
    price_cents: int
    quantity: int = 1

    @property
    def amount_cents(self) -> int:
        return self.price_cents * self.quantity


@dataclass
class Cart:
    lines: list[Line] = field(default_factory=list)

    def add(self, name: str, price_cents: int, quantity: int = 1) -> None:
        if price_cents < 0 or quantity < 1:
            raise ValueError("price must be >= 0 and quantity >= 1")
        self.lines.append(Line(name, price_cents, quantity))

    def subtotal_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def total_cents(self) -> int:
        return self.subtotal_cents()

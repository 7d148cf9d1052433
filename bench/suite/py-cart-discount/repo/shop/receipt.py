"""Plain-text receipts."""

from shop.cart import Cart


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100}.{cents % 100:02d}"


def format_receipt(cart: Cart) -> str:
    lines = [f"{line.quantity} x {line.name}: {money(line.amount_cents)}" for line in cart.lines]
    lines.append(f"Subtotal: {money(cart.subtotal_cents())}")
    lines.append(f"Total: {money(cart.total_cents())}")
    return "\n".join(lines)

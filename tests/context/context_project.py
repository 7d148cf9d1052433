"""A small realistic multi-language project for the context tests (written, committed to git)."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

PROJECT: dict[str, str] = {
    "shop/__init__.py": "",
    "shop/cart.py": '''
        """Shopping cart: items, totals and discounts."""

        from shop.pricing import apply_discount, round_money


        class Cart:
            """A customer's cart."""

            def __init__(self) -> None:
                self.items: list[tuple[str, float, int]] = []

            def add_item(self, name: str, price: float, quantity: int = 1) -> None:
                """Add ``quantity`` units of an item."""
                if quantity <= 0:
                    raise ValueError("quantity must be positive")
                self.items.append((name, price, quantity))

            def total(self, coupon: str | None = None) -> float:
                """The amount to pay, after the coupon's discount."""
                subtotal = sum(price * quantity for _, price, quantity in self.items)
                return round_money(apply_discount(subtotal, coupon))
        ''',
    "shop/pricing.py": '''
        """Money helpers."""

        COUPONS = {"SAVE10": 0.10, "HALF": 0.50}


        def apply_discount(amount: float, coupon: str | None) -> float:
            """The amount after the coupon's percentage discount."""
            if coupon is None:
                return amount
            rate = COUPONS.get(coupon.upper(), 0.0)
            return amount * (1 - rate)


        def round_money(amount: float) -> float:
            return round(amount + 1e-9, 2)
        ''',
    "shop/shipping.py": '''
        def shipping_cost(weight_kg: float, country: str) -> float:
            """Flat rate per country plus a per-kilogram charge."""
            base = 5.0 if country == "DE" else 12.0
            return base + 1.5 * weight_kg
        ''',
    "tests/test_cart.py": """
        from shop.cart import Cart


        def test_total_with_coupon():
            cart = Cart()
            cart.add_item("book", 10.0, 2)
            assert cart.total("SAVE10") == 18.0
        """,
    "web/app.ts": """
        import { formatPrice } from "./format";

        export class CheckoutView {
          render(total: number): string {
            return `<p>${formatPrice(total)}</p>`;
          }
        }
        """,
    "web/format.ts": """
        /** Format a price in euros. */
        export function formatPrice(value: number): string {
          return value.toFixed(2) + " EUR";
        }
        """,
    "README.md": "# Shop\n\nA tiny shop.\n\n## Coupons\n\nSAVE10 gives ten percent off.\n",
    ".gitignore": "ignored_dir/\n*.log\n",
    ".env": "API_TOKEN=sk-very-secret-value\n",
    "deploy/server.pem": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
    "ignored_dir/big.py": "def hidden_function():\n    return 1\n",
    "run.log": "log line\n",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def write_project(root: Path, files: dict[str, str] = PROJECT, *, commit: bool = True) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    if commit:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init")
    return root

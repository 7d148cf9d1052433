import pytest
from shop.cart import Cart
from shop.discounts import UnknownCode, discount_cents
from shop.receipt import format_receipt


def test_rules():
    assert discount_cents("SAVE10", 1999) == 199
    assert discount_cents("save10", 1000) == 100
    assert discount_cents("FLAT5", 2000) == 500
    assert discount_cents("FLAT5", 1999) == 0


def test_unknown_code():
    assert issubclass(UnknownCode, ValueError)
    with pytest.raises(UnknownCode):
        discount_cents("FREE", 1000)
    cart = Cart()
    with pytest.raises(UnknownCode):
        cart.apply_code("FREE")


def test_receipt_shows_discount():
    cart = Cart()
    cart.add("tea", 450, 2)
    cart.add("mug", 300)
    cart.apply_code("save10")
    assert format_receipt(cart) == (
        "2 x tea: $9.00\n1 x mug: $3.00\nSubtotal: $12.00\nDiscount (SAVE10): -$1.20\nTotal: $10.80"
    )


def test_no_code_no_discount_line():
    cart = Cart()
    cart.add("mug", 300)
    assert "Discount" not in format_receipt(cart)

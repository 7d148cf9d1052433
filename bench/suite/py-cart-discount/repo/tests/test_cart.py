from shop.cart import Cart
from shop.receipt import format_receipt


def make_cart() -> Cart:
    cart = Cart()
    cart.add("tea", 450, 2)
    cart.add("mug", 300)
    return cart


def test_subtotal_and_receipt():
    cart = make_cart()
    assert cart.subtotal_cents() == 1200
    assert format_receipt(cart) == "2 x tea: $9.00\n1 x mug: $3.00\nSubtotal: $12.00\nTotal: $12.00"


def test_save10():
    cart = make_cart()
    cart.apply_code("SAVE10")
    assert cart.total_cents() == 1080

from inventory import Item, total_value


def test_total_value() -> None:
    items = [Item("bolt", 10, 0.5), Item("nut", 4, 0.25)]
    assert total_value(items) == 6.0


def test_total_value_empty() -> None:
    assert total_value([]) == 0

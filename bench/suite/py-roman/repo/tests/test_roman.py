import pytest
from roman import to_roman


@pytest.mark.parametrize(
    ("number", "numeral"),
    [(1, "I"), (3, "III"), (4, "IV"), (9, "IX"), (14, "XIV"), (40, "XL"), (90, "XC"), (1994, "MCMXCIV")],
)
def test_to_roman(number, numeral):
    assert to_roman(number) == numeral


def test_out_of_range():
    with pytest.raises(ValueError):
        to_roman(0)

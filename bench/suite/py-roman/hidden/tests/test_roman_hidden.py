import pytest
from roman import from_roman, to_roman


def test_round_trip_everything():
    for number in range(1, 4000):
        assert from_roman(to_roman(number)) == number


@pytest.mark.parametrize(("number", "numeral"), [(400, "CD"), (900, "CM"), (3999, "MMMCMXCIX"), (2024, "MMXXIV")])
def test_more_numerals(number, numeral):
    assert to_roman(number) == numeral


@pytest.mark.parametrize("bad", ["IIII", "VV", "IC", "MMMM"])
def test_non_standard_rejected(bad):
    with pytest.raises(ValueError):
        from_roman(bad)


def test_upper_bound():
    with pytest.raises(ValueError):
        to_roman(4000)

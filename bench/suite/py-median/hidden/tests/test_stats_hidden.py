import pytest
from stats import median


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 2], 1.5), ([10, -10], 0.0), ([1.5, 2.5, 3.5, 4.5], 3.0), ((7, 1, 5, 3), 4.0), ([5], 5)],
)
def test_median_hidden(values, expected):
    assert median(values) == expected


def test_median_does_not_mutate():
    values = [3, 1, 2, 4]
    median(values)
    assert values == [3, 1, 2, 4]

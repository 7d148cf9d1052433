import pytest
from jobs import retry, scheduler
from jobs.durations import parse_duration


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("5m", 300), ("2h", 7200), ("1d", 86400), (" 7s ", 7)])
def test_parse(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "  ", "-5m", "1.5h", "10x", "m", "5 m"])
def test_bad(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_retry_understands_hours_now():
    assert retry.delays("1h", "1d", 2) == [3600, 7200]


def test_private_copies_removed():
    assert not hasattr(scheduler, "_parse_interval")
    assert not hasattr(retry, "_seconds")

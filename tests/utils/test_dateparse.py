"""reinhardt.utils.dateparse: the formats each parser accepts, and what it does with the rest."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from reinhardt.utils.dateparse import parse_date, parse_datetime, parse_duration, parse_time
from reinhardt.utils.timezone import get_fixed_timezone


@pytest.mark.parametrize("text, expected", [
    ("2012-04-23", date(2012, 4, 23)),
    ("2012-4-9", date(2012, 4, 9)),
    ("20120423", date(2012, 4, 23)),  # fromisoformat's basic format
    ("12-04-23", None),
    ("2012-04-23x", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_parse_date_impossible_value_is_an_error():
    with pytest.raises(ValueError):
        parse_date("2012-04-56")


@pytest.mark.parametrize("text, expected", [
    ("09:15:00", time(9, 15)),
    ("9:5", time(9, 5)),
    ("10:10:10.5", time(10, 10, 10, 500000)),
    ("10:10:10,123456789", time(10, 10, 10, 123456)),
    ("4:8:16.000001", time(4, 8, 16, 1)),
    ("10:20:30.400+02:00", time(10, 20, 30, 400000)),  # the offset is dropped
    ("10:20:30.400-", None),
    ("noon", None),
])
def test_parse_time(text, expected):
    result = parse_time(text)
    assert result == expected
    assert result is None or result.tzinfo is None


@pytest.mark.parametrize("text, expected, offset_minutes", [
    ("2012-04-23T09:15:00", datetime(2012, 4, 23, 9, 15), None),
    ("2012-4-9 4:8:16", datetime(2012, 4, 9, 4, 8, 16), None),
    ("2012-04-23T09:15:00Z", datetime(2012, 4, 23, 9, 15, tzinfo=UTC), 0),
    ("2012-4-9 4:8:16-0320", datetime(2012, 4, 9, 4, 8, 16), -200),
    ("2012-04-23T10:20:30.400 +02:30", datetime(2012, 4, 23, 10, 20, 30, 400000), 150),
    ("2012-04-23T10:20:30,4-02", datetime(2012, 4, 23, 10, 20, 30, 400000), -120),
    ("2012-04-23T10:20:30.400+0", None, None),
    ("2012-04-23", datetime(2012, 4, 23), None),
])
def test_parse_datetime(text, expected, offset_minutes):
    result = parse_datetime(text)
    if expected is None:
        assert result is None
        return
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)
    if offset_minutes is None:
        assert result.tzinfo is None
    else:
        assert result.utcoffset() == timedelta(minutes=offset_minutes)
        assert result.tzinfo == get_fixed_timezone(offset_minutes) or offset_minutes == 0


@pytest.mark.parametrize("text, expected", [
    # str(timedelta) style
    ("30", timedelta(seconds=30)),
    ("15:30", timedelta(minutes=15, seconds=30)),
    ("10:15:30", timedelta(hours=10, minutes=15, seconds=30)),
    ("4 days, 0:15:30.1", timedelta(days=4, minutes=15, seconds=30, milliseconds=100)),
    ("-1 day, 23:59:59", timedelta(days=-1, hours=23, minutes=59, seconds=59)),
    ("-15:30", -timedelta(minutes=15, seconds=30)),
    ("-4 15:30", timedelta(days=-4, minutes=15, seconds=30)),  # days carry their own sign
    ("-30.1", -timedelta(seconds=30, milliseconds=100)),
    ("10:11:12,345", timedelta(hours=10, minutes=11, seconds=12, milliseconds=345)),
    # PostgreSQL
    ("1 day", timedelta(days=1)),
    ("3 days 04:05:06.5", timedelta(days=3, hours=4, minutes=5, seconds=6.5)),
    ("-4 days -15:00:30", timedelta(days=-4, hours=-15, seconds=-30)),
    ("-4 days +15:00:30", timedelta(days=-4, hours=15, seconds=30)),
    # ISO 8601: the sign covers the days too
    ("P4DT1H15M20S", timedelta(days=4, hours=1, minutes=15, seconds=20)),
    ("-P4DT1H", -timedelta(days=4, hours=1)),
    ("P0,5D", timedelta(hours=12)),
    ("PT0.000005S", timedelta(microseconds=5)),
    ("P", timedelta()),
    ("P4W", None),
    ("P4Y", None),
    ("1 fortnight", None),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


def test_durations_round_trip_through_str():
    for delta in (timedelta(days=-3, seconds=5), timedelta(microseconds=-1),
                  timedelta(days=400, hours=5, microseconds=7)):
        assert parse_duration(str(delta)) == delta

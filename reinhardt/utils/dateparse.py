"""Parsing dates, times, datetimes and durations from strings (ISO 8601 and Django's forms).

Each parser returns None for a string that is not in a format it knows, and raises
ValueError for one that is well formatted but names an impossible value (month 13).
Python's ``fromisoformat`` is tried first; the regular expressions below cover the looser
forms it refuses (one-digit fields, a space before the offset, up to 12 fraction digits).
"""

from __future__ import annotations

import datetime
import re

from reinhardt.utils.timezone import get_fixed_timezone


def _named(name: str, pattern: str) -> str:
    return f"(?P<{name}>{pattern})"


def _optional(pattern: str) -> str:
    return f"(?:{pattern})?"


# Fractions keep their first six digits (microseconds) and drop up to six more.
def _fraction(name: str) -> str:
    return _optional("[.,]" + _named(name, r"\d{1,6}") + r"\d{0,6}")


_YEAR_MONTH_DAY = "-".join(
    [_named("year", r"\d{4}"), _named("month", r"\d{1,2}"), _named("day", r"\d{1,2}")]
)
_CLOCK = (
    _named("hour", r"\d{1,2}") + ":" + _named("minute", r"\d{1,2}")
    + _optional(":" + _named("second", r"\d{1,2}") + _fraction("microsecond"))
)
_OFFSET = _named("tzinfo", r"Z|[+-]\d{2}" + _optional(r":?\d{2}"))

date_re = re.compile(_YEAR_MONTH_DAY + "$")
time_re = re.compile(_CLOCK + "$")
datetime_re = re.compile(_YEAR_MONTH_DAY + "[T ]" + _CLOCK + r"\s*" + _OFFSET + "?$")

# str(timedelta) and friends: "3 days, 10:15:30.5", "-1 day, 23:59:59", "15:30", "45".
standard_duration_re = re.compile(
    "^"
    + _optional(_named("days", r"-?\d+") + " (?:days?, )?")
    + _named("sign", "-?")
    + _optional(_named("hours", r"\d+") + ":" + r"(?=\d+:\d+)")
    + _optional(_named("minutes", r"\d+") + ":")
    + _named("seconds", r"\d+")
    + _fraction("microseconds")
    + "$"
)


def _iso_part(name: str, unit: str) -> str:
    return _optional(_named(name, r"\d+(?:[.,]\d+)?") + unit)


# ISO 8601 durations: "P4DT1H15M20S", "-P1D", "PT0.5S" (no years, months or weeks).
iso8601_duration_re = re.compile(
    "^" + _named("sign", "[-+]?") + "P" + _iso_part("days", "D")
    + _optional("T" + _iso_part("hours", "H") + _iso_part("minutes", "M")
                + _iso_part("seconds", "S"))
    + "$"
)

# PostgreSQL's interval output: "3 days 04:05:06", "-1 days -02:00:00.5", "1 day".
postgres_interval_re = re.compile(
    "^"
    + _optional(_named("days", r"-?\d+") + " (?:days? ?)")
    + _optional(
        _named("sign", "[-+]") + "?"
        + _named("hours", r"\d+") + ":" + _named("minutes", r"\d\d") + ":"
        + _named("seconds", r"\d\d") + _optional(r"\." + _named("microseconds", r"\d{1,6}"))
    )
    + "$"
)


def _integers(fields: dict) -> dict:
    """The matched fields as ints, leaving out the ones that did not match."""
    return {name: int(text) for name, text in fields.items() if text is not None}


def _microseconds_padded(fields: dict, key: str) -> None:
    # ".5" means 500000 microseconds, not 5.
    if fields.get(key):
        fields[key] = fields[key].ljust(6, "0")


def _timezone_from(text: str | None):
    if text is None:
        return None
    if text == "Z":
        return datetime.UTC
    minutes = 60 * int(text[1:3]) + (int(text[-2:]) if len(text) > 3 else 0)
    return get_fixed_timezone(-minutes if text.startswith("-") else minutes)


def parse_date(value: str) -> datetime.date | None:
    """A date from 'YYYY-MM-DD'; None when the string is not well formatted."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        found = date_re.match(value)
    return datetime.date(**_integers(found.groupdict())) if found else None


def parse_time(value: str) -> datetime.time | None:
    """A naive time from 'HH:MM[:SS[.ffffff]]'; an offset in the string is dropped."""
    try:
        parsed = datetime.time.fromisoformat(value)
    except ValueError:
        found = time_re.match(value)
        if found is None:
            return None
        fields = found.groupdict()
        _microseconds_padded(fields, "microsecond")
        return datetime.time(**_integers(fields))
    return parsed.replace(tzinfo=None)


def parse_datetime(value: str) -> datetime.datetime | None:
    """A datetime; aware when the string carries an offset, naive otherwise."""
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        found = datetime_re.match(value)
    if found is None:
        return None
    fields = found.groupdict()
    zone = _timezone_from(fields.pop("tzinfo"))
    _microseconds_padded(fields, "microsecond")
    return datetime.datetime(**_integers(fields), tzinfo=zone)


def parse_duration(value: str) -> datetime.timedelta | None:
    """A timedelta from Django's format, ISO 8601 or PostgreSQL's interval output."""
    for pattern in (standard_duration_re, iso8601_duration_re, postgres_interval_re):
        found = pattern.match(value)
        if found:
            break
    else:
        return None
    fields = found.groupdict()
    negative = fields.pop("sign") == "-"
    _microseconds_padded(fields, "microseconds")
    amounts = {
        name: float(text.replace(",", ".")) for name, text in fields.items() if text is not None
    }
    whole_days = datetime.timedelta(days=amounts.pop("days", 0.0))
    rest = datetime.timedelta(**amounts)
    if negative:
        rest = -rest
        # Only ISO 8601's sign covers the days; in the other forms the days carry their own.
        if pattern is iso8601_duration_re:
            whole_days = -whole_days
    return whole_days + rest

"""Python functions registered on each SQLite connection.

SQLite lacks regular expressions, time zone aware date arithmetic, Unicode case folding and
several math/text functions; registering exact Python implementations keeps results the same
as on other databases. All are deterministic, NULL in means NULL out.
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
import statistics
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from hashlib import md5, sha1, sha224, sha256, sha384, sha512

from reinhardt.utils.duration import duration_microseconds
from reinhardt.utils.timezone import _zone


def register(connection) -> None:
    """Register reinhardt's SQL functions on a new sqlite3 connection."""
    functions, aggregates = _catalogue()
    create = connection.create_function
    for name, nargs, func in functions:
        create(name, nargs, func, deterministic=True)
    create("reinhardt_random", 0, random.random)
    create_aggregate = connection.create_aggregate
    for name, cls in aggregates:
        create_aggregate(name, 1, cls)


@functools.cache
def _catalogue():
    """The functions and aggregates, built once per process (connections only register them)."""
    functions = [
        ("reinhardt_date_extract", 2, _date_extract),
        ("reinhardt_date_trunc", 4, _date_trunc),
        ("reinhardt_datetime_cast_date", 3, _datetime_cast_date),
        ("reinhardt_datetime_cast_time", 3, _datetime_cast_time),
        ("reinhardt_datetime_extract", 4, _datetime_extract),
        ("reinhardt_datetime_trunc", 4, _datetime_trunc),
        ("reinhardt_time_extract", 2, _time_extract),
        ("reinhardt_time_trunc", 4, _time_trunc),
        ("reinhardt_time_diff", 2, _time_diff),
        ("reinhardt_timestamp_diff", 2, _timestamp_diff),
        ("reinhardt_format_dtdelta", 3, _format_dtdelta),
        ("reinhardt_lower", 1, _lower),
        ("reinhardt_upper", 1, _upper),
        ("regexp", 2, _regexp),
        ("reinhardt_lpad", 3, _lpad),
        ("reinhardt_rpad", 3, _rpad),
        ("reinhardt_repeat", 2, _repeat),
        ("reinhardt_reverse", 1, _reverse),
        ("reinhardt_sign", 1, _sign),
        ("reinhardt_json_canonical", 1, _json_canonical),
        ("reinhardt_power", 2, _null_safe(lambda x, y: x ** y)),
        ("reinhardt_mod", 2, _null_safe(math.fmod)),
        ("reinhardt_log", 2, _null_safe(lambda b, x: math.log(x, b))),
        ("reinhardt_ceil", 1, _null_safe(math.ceil)),
        ("reinhardt_floor", 1, _null_safe(math.floor)),
        ("reinhardt_round", 2, _round),
        ("reinhardt_atan2", 2, _null_safe(math.atan2)),
        ("reinhardt_cot", 1, _null_safe(lambda x: 1 / math.tan(x))),
        ("reinhardt_pi", 0, lambda: math.pi),
    ]
    for name, algorithm in (("md5", md5), ("sha1", sha1), ("sha224", sha224),
                            ("sha256", sha256), ("sha384", sha384), ("sha512", sha512)):
        functions.append(("reinhardt_" + name, 1, _hash(algorithm)))
    for name, func in (
        ("ACOS", math.acos), ("ASIN", math.asin), ("ATAN", math.atan), ("COS", math.cos),
        ("DEGREES", math.degrees), ("EXP", math.exp), ("LN", math.log),
        ("RADIANS", math.radians), ("SIN", math.sin), ("SQRT", math.sqrt), ("TAN", math.tan),
    ):
        functions.append(("reinhardt_" + name.lower(), 1, _null_safe(func)))
    aggregates = (
        ("reinhardt_stddev_pop", _make_statistic(statistics.pstdev)),
        ("reinhardt_stddev_samp", _make_statistic(statistics.stdev)),
        ("reinhardt_var_pop", _make_statistic(statistics.pvariance)),
        ("reinhardt_var_samp", _make_statistic(statistics.variance)),
    )
    return tuple(functions), aggregates


def _json_canonical(text):
    """JSON text with sorted keys and integral floats as integers, so that two documents
    compare equal exactly when PostgreSQL's jsonb says they are (key order never matters)."""
    if text is None:
        return None
    return json.dumps(json.loads(text, parse_float=_json_number), sort_keys=True,
                      separators=(",", ":"))


def _json_number(text):
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number


def _number(value):
    """A number from a function argument: decimals arrive as text (the driver's adaption)."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return float(value)
    return value


def _null_safe(func):
    def wrapper(*args):
        if any(arg is None for arg in args):
            return None
        return func(*(_number(arg) for arg in args))

    return wrapper


def _lower(value):
    if value is None:
        return None
    return str(value).lower()


def _upper(value):
    if value is None:
        return None
    return str(value).upper()


@functools.lru_cache(maxsize=256)
def _compile(pattern):
    return re.compile(pattern)


def _regexp(pattern, string):
    if None in (pattern, string):
        return None
    return _compile(pattern).search(str(string)) is not None


def _lpad(text, length, fill_text):
    if None in (text, length, fill_text):
        return None
    if len(text) >= length:
        return text[:length]
    padding = fill_text * (length // len(fill_text) + 1) if fill_text else ""
    return padding[: length - len(text)] + text


def _rpad(text, length, fill_text):
    if text is None or length is None or fill_text is None:
        return None
    return (text + fill_text * length)[:length]


def _repeat(text, count):
    if text is None or count is None:
        return None
    return text * count


def _reverse(text):
    return None if text is None else text[::-1]


def _hash(algorithm):
    def digest(text):
        if text is None:
            return None
        return algorithm(text.encode()).hexdigest()

    return digest


def _sign(x):
    if x is None:
        return None
    x = _number(x)
    return (x > 0) - (x < 0)


def _round(x, places):
    if x is None or places is None:
        return None
    x, places = _number(x), _number(places)
    # SQL rounds half away from zero; Python's round() rounds half to even.
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-int(places))
    result = Decimal(repr(x)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(result) if isinstance(x, int) else float(result)


def _make_statistic(func):
    class Aggregate:
        def __init__(self):
            self.values = []

        def step(self, value):
            if value is not None:
                self.values.append(value)

        def finalize(self):
            try:
                return func(self.values)
            except statistics.StatisticsError:
                return None

    return Aggregate


@functools.lru_cache(maxsize=64)
def _tz(name):
    """A tzinfo from a zone name ('Europe/Paris', 'UTC') or a fixed offset ('+05:30')."""
    if not name:
        return None
    if name == "UTC":
        return UTC
    match = re.fullmatch(r"(?:UTC)?([+-])(\d{2}):?(\d{2})?", name)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return dt_timezone(-delta if sign == "-" else delta)
    return _zone(name)


def _parse_dt(value, conn_tzname=None, tzname=None):
    """The stored text as a datetime, converted from the connection's zone to ``tzname``."""
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if tzname is not None and tzname != conn_tzname:
        source = _tz(conn_tzname) or UTC
        dt = dt.replace(tzinfo=source).astimezone(_tz(tzname)).replace(tzinfo=None)
    return dt


def _extract(dt, lookup_type):
    if lookup_type == "week_day":
        return (dt.isoweekday() % 7) + 1
    if lookup_type == "iso_week_day":
        return dt.isoweekday()
    if lookup_type == "week":
        return dt.isocalendar().week
    if lookup_type == "quarter":
        return math.ceil(dt.month / 3)
    if lookup_type == "iso_year":
        return dt.isocalendar().year
    return getattr(dt, lookup_type)


def _date_extract(lookup_type, value):
    dt = _parse_dt(value)
    if dt is None:
        return None
    return _extract(dt, lookup_type)


def _datetime_extract(lookup_type, value, tzname, conn_tzname):
    dt = _parse_dt(value, conn_tzname, tzname)
    if dt is None:
        return None
    return _extract(dt, lookup_type)


def _time_extract(lookup_type, value):
    if value is None:
        return None
    try:
        t = time.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return getattr(t, lookup_type)


def _truncate(dt, lookup_type):
    if lookup_type == "year":
        return dt.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if lookup_type == "quarter":
        month_in_quarter = dt.month - (dt.month - 1) % 3
        return dt.replace(month=month_in_quarter, day=1, hour=0, minute=0, second=0,
                          microsecond=0)
    if lookup_type == "month":
        return dt.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if lookup_type == "week":
        dt = dt - timedelta(days=dt.weekday())
        return dt.replace(hour=0, minute=0, second=0, microsecond=0)
    if lookup_type == "day":
        return dt.replace(hour=0, minute=0, second=0, microsecond=0)
    if lookup_type == "hour":
        return dt.replace(minute=0, second=0, microsecond=0)
    if lookup_type == "minute":
        return dt.replace(second=0, microsecond=0)
    if lookup_type == "second":
        return dt.replace(microsecond=0)
    raise ValueError(f"Unsupported lookup type: {lookup_type!r}")


def _date_trunc(lookup_type, value, tzname, conn_tzname):
    dt = _parse_dt(value, conn_tzname, tzname)
    if dt is None:
        return None
    return _truncate(dt, lookup_type).date().isoformat()


def _datetime_trunc(lookup_type, value, tzname, conn_tzname):
    dt = _parse_dt(value, conn_tzname, tzname)
    if dt is None:
        return None
    return _truncate(dt, lookup_type).isoformat(" ")


def _time_trunc(lookup_type, value, tzname, conn_tzname):
    if value is None:
        return None
    dt = _parse_dt(value, conn_tzname, tzname)
    if dt is None:
        try:
            t = time.fromisoformat(value)
        except (TypeError, ValueError):
            return None
        dt = datetime.combine(date(2000, 1, 1), t)
    if lookup_type not in ("hour", "minute", "second"):
        raise ValueError(f"Unsupported lookup type: {lookup_type!r}")
    return _truncate(dt, lookup_type).time().isoformat()


def _datetime_cast_date(value, tzname, conn_tzname):
    dt = _parse_dt(value, conn_tzname, tzname)
    if dt is None:
        return None
    return dt.date().isoformat()


def _datetime_cast_time(value, tzname, conn_tzname):
    dt = _parse_dt(value, conn_tzname, tzname)
    if dt is None:
        return None
    return dt.time().isoformat()


def _sqlite_to_datetime(value):
    if isinstance(value, (int, float)):
        return timedelta(microseconds=value)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        t = time.fromisoformat(value)
        return datetime.combine(date(2000, 1, 1), t)


def _format_dtdelta(connector, lhs, rhs):
    """Date/time arithmetic with durations (stored as microseconds)."""
    if connector is None or lhs is None or rhs is None:
        return None
    if connector in ("*", "/") and isinstance(lhs, (int, float)) and isinstance(
        rhs, (int, float)
    ):
        # A duration (microseconds) scaled by a number: plain arithmetic on microseconds.
        return lhs * rhs if connector == "*" else lhs / rhs
    real_lhs = _sqlite_to_datetime(lhs)
    real_rhs = _sqlite_to_datetime(rhs)
    if connector == "+":
        out = real_lhs + real_rhs
    elif connector == "-":
        out = real_lhs - real_rhs
    elif connector == "*":
        out = real_lhs * real_rhs
    elif connector == "/":
        out = real_lhs / real_rhs
    else:
        return None
    if isinstance(out, timedelta):
        return duration_microseconds(out)
    if isinstance(out, datetime):
        if any(isinstance(side, str) and len(side) == 10 for side in (lhs, rhs)):
            # A date plus a duration stays a date (what a DateField column holds).
            return out.date().isoformat()
        return out.isoformat(" ")
    return out


def _time_diff(lhs, rhs):
    if lhs is None or rhs is None:
        return None
    left = time.fromisoformat(lhs)
    right = time.fromisoformat(rhs)
    return (
        (left.hour * 3600 + left.minute * 60 + left.second) * 1_000_000 + left.microsecond
        - (right.hour * 3600 + right.minute * 60 + right.second) * 1_000_000
        - right.microsecond
    )


def _timestamp_diff(lhs, rhs):
    if lhs is None or rhs is None:
        return None
    return duration_microseconds(datetime.fromisoformat(lhs) - datetime.fromisoformat(rhs))

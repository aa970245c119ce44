"""Value semantics of the reference: normalisation for comparing, case folding, date parts."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from reinhardt.utils import timezone

UTC = datetime.UTC


def norm(value):
    """One representation per value: aware datetimes in UTC (and fold=0: no database
    stores PEP 495's fold, which never changes an instant in UTC), decimals at two places."""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(UTC) if value.tzinfo is not None else value
        return value.replace(fold=0)
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    if isinstance(value, float) and value == 0.0:
        return 0.0  # -0.0 and 0.0 are the same number to every backend
    return value


def fold(text: str) -> str:
    """Case folding of the case-insensitive lookups: str.lower(), which is what reinhardt's
    SQLite backend runs (docs/compat-tests.md lists the characters this decides)."""
    return text.lower()


def local(value: datetime.datetime) -> datetime.datetime:
    """A datetime in the current time zone, as date transforms see it under USE_TZ."""
    return value.astimezone(timezone.get_current_timezone())


def transform(value, name: str):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = local(value)
        if name == "hour":
            return value.hour
        if name == "minute":
            return value.minute
        if name == "date":
            return value.date()
    if name == "year":
        return value.year
    if name == "month":
        return value.month
    if name == "day":
        return value.day
    if name == "week_day":
        return value.isoweekday() % 7 + 1  # Sunday is 1, Saturday 7
    if name == "quarter":
        return (value.month - 1) // 3 + 1
    raise ValueError(f"unknown transform {name}")


def close(a, b) -> bool:
    """Equal, or within floating-point rounding for inexact aggregates (Avg, float Sum)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, (float, Decimal)) or isinstance(b, (float, Decimal)):
        if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)):
            fa, fb = float(a), float(b)
            return math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-9)
    return norm(a) == norm(b)


def sort_key(value):
    """A total order over one column's values that matches SQL's for non-NULL values."""
    return norm(value)

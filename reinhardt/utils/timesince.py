"""'3 days, 2 hours': the time between two datetimes in words, as timesince/timeuntil show it."""

from __future__ import annotations

import datetime

from reinhardt.utils.html import avoid_wrapping
from reinhardt.utils.timezone import is_aware, is_naive, make_aware
from reinhardt.utils.translation import gettext, ngettext_lazy

TIME_STRINGS = {
    "year": ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    "month": ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    "week": ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    "day": ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    "hour": ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    "minute": ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
}
TIME_STRINGS_KEYS = list(TIME_STRINGS)
# Seconds in a week, a day, an hour and a minute: the units after years and months.
TIME_CHUNKS = [604800, 86400, 3600, 60]
MONTHS_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _as_datetime(value):
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime(value.year, value.month, value.day)


def timesince(d, now=None, reversed=False, time_strings=None, depth=2) -> str:
    """The time from ``d`` to ``now`` in at most ``depth`` adjacent units; '0 minutes' if none."""
    if time_strings is None:
        time_strings = TIME_STRINGS
    if depth <= 0:
        raise ValueError("depth must be greater than 0.")
    d = _as_datetime(d)
    if now:
        now = _as_datetime(now)
    if not now:
        now = datetime.datetime.now(d.tzinfo if is_aware(d) else None)
    elif is_aware(now) and is_naive(d):
        d = make_aware(d, now.tzinfo)
    if reversed:
        d, now = now, d
    delta = now - d
    if delta.days * 86400 + delta.seconds <= 0:
        return avoid_wrapping(time_strings["minute"] % {"num": 0})

    months = (now.year - d.year) * 12 + (now.month - d.month)
    if d.day > now.day or (d.day == now.day and d.time() > now.time()):
        months -= 1
    years, months = divmod(months, 12)
    if years or months:
        # Step from d by whole years and months; the rest is counted in smaller units.
        year = d.year + years
        month = d.month + months
        if month > 12:
            month -= 12
            year += 1
        pivot = datetime.datetime(year, month, min(MONTHS_DAYS[month - 1], d.day), d.hour,
                                  d.minute, d.second, tzinfo=d.tzinfo)
    else:
        pivot = d
    remaining = (now - pivot).total_seconds()
    counts = [years, months]
    for chunk in TIME_CHUNKS:
        count = int(remaining // chunk)
        counts.append(count)
        remaining -= chunk * count

    first = next((i for i, count in enumerate(counts) if count), None)
    if first is None:
        return avoid_wrapping(time_strings["minute"] % {"num": 0})
    parts = []
    for i in range(first, min(first + depth, len(counts))):
        if not counts[i]:
            break
        parts.append(avoid_wrapping(time_strings[TIME_STRINGS_KEYS[i]] % {"num": counts[i]}))
    return gettext(", ").join(parts)


def timeuntil(d, now=None, time_strings=None, depth=2) -> str:
    """Like timesince, but the time from now until ``d``."""
    return timesince(d, now, reversed=True, time_strings=time_strings, depth=depth)

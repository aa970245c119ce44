"""PHP-style date formatting, as the ``date`` and ``time`` filters use it.

``format(value, "jS F Y H:i")`` maps each format character to a part of the date; a
backslash makes the next character literal. Names come from reinhardt.utils.dates.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date, datetime, time
from email.utils import format_datetime as _rfc5322

from reinhardt.utils.dates import MONTHS, MONTHS_3, MONTHS_ALT, MONTHS_AP, WEEKDAYS, WEEKDAYS_ABBR
from reinhardt.utils.timezone import (
    _datetime_ambiguous_or_imaginary,
    get_default_timezone,
    is_naive,
    make_aware,
)
from reinhardt.utils.translation import gettext as _

re_formatchars = re.compile(r"(?<!\\)([aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ])")
re_escaped = re.compile(r"\\(.)")

_TIME_CHARS = frozenset("aAefgGhHiIOPsTuZ")


@functools.lru_cache(maxsize=256)
def _parse_format(formatstr: str) -> tuple:
    """Split a format string into (True, format character) and (False, literal) pieces."""
    pieces = []
    for i, piece in enumerate(re_formatchars.split(formatstr)):
        if i % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, re_escaped.sub(r"\1", piece)))
    return tuple(pieces)


class TimeFormat:
    """Formats the time-of-day parts (works on datetime and time objects)."""

    def __init__(self, obj):
        self.data = obj

    @functools.cached_property
    def timezone(self):
        """The zone the time-zone characters (e, I, O, T, U, Z, r) use; None if unknown.

        Worked out on first use: most formats ("Y-m-d H:i") never need it, and the
        ambiguity check costs more than the rest of the formatting.
        """
        obj = self.data
        if isinstance(obj, datetime):
            zone = get_default_timezone() if is_naive(obj) else obj.tzinfo
            if not _datetime_ambiguous_or_imaginary(obj, zone):
                return zone
        return None

    def format(self, formatstr) -> str:
        pieces = []
        is_date = type(self.data) is date
        for is_char, piece in _parse_format(str(formatstr)):
            if is_char:
                if is_date and piece in _TIME_CHARS:
                    raise TypeError(
                        "The format for date objects may not contain time-related format "
                        f"specifiers (found '{piece}')."
                    )
                pieces.append(str(getattr(self, piece)()))
            else:
                pieces.append(piece)
        return "".join(pieces)

    def a(self):
        return _("p.m.") if self.data.hour > 11 else _("a.m.")

    def A(self):
        return _("PM") if self.data.hour > 11 else _("AM")

    def e(self):
        if not self.timezone:
            return ""
        try:
            if getattr(self.data, "tzinfo", None):
                return self.data.tzname() or ""
        except NotImplementedError:
            pass
        return ""

    def f(self):
        hour = self.data.hour % 12 or 12
        minute = self.data.minute
        return f"{hour}:{minute:02d}" if minute else hour

    def g(self):
        return self.data.hour % 12 or 12

    def G(self):
        return self.data.hour

    def h(self):
        return f"{(self.data.hour % 12 or 12):02d}"

    def H(self):
        return f"{self.data.hour:02d}"

    def i(self):
        return f"{self.data.minute:02d}"

    def O(self):  # noqa: E743
        if self.timezone is None:
            return ""
        offset = self.timezone.utcoffset(self.data)
        seconds = offset.days * 86400 + offset.seconds
        sign = "-" if seconds < 0 else "+"
        seconds = abs(seconds)
        return f"{sign}{seconds // 3600:02d}{(seconds // 60) % 60:02d}"

    def P(self):
        if self.data.minute == 0 and self.data.hour == 0:
            return _("midnight")
        if self.data.minute == 0 and self.data.hour == 12:
            return _("noon")
        return f"{self.f()} {self.a()}"

    def s(self):
        return f"{self.data.second:02d}"

    def T(self):
        if self.timezone is None:
            return ""
        return str(self.timezone.tzname(self.data))

    def u(self):
        return f"{self.data.microsecond:06d}"

    def Z(self):
        if self.timezone is None:
            return ""
        offset = self.timezone.utcoffset(self.data)
        return offset.days * 86400 + offset.seconds


class DateFormat(TimeFormat):
    """Formats dates and datetimes."""

    def b(self):
        return MONTHS_3[self.data.month]

    def c(self):
        return self.data.isoformat()

    def d(self):
        return f"{self.data.day:02d}"

    def D(self):
        return WEEKDAYS_ABBR[self.data.weekday()]

    def E(self):
        return MONTHS_ALT[self.data.month]

    def F(self):
        return MONTHS[self.data.month]

    def I(self):  # noqa: E743
        if self.timezone is None:
            return ""
        return "1" if self.timezone.dst(self.data) else "0"

    def j(self):
        return self.data.day

    def l(self):  # noqa: E743
        return WEEKDAYS[self.data.weekday()]

    def L(self):
        return calendar.isleap(self.data.year)

    def m(self):
        return f"{self.data.month:02d}"

    def M(self):
        return MONTHS_3[self.data.month].title()

    def n(self):
        return self.data.month

    def N(self):
        return MONTHS_AP[self.data.month]

    def o(self):
        return self.data.isocalendar()[0]

    def r(self):
        value = self.data
        if not isinstance(value, datetime):
            value = datetime.combine(value, time.min).replace(tzinfo=get_default_timezone())
        elif is_naive(value):
            value = make_aware(value, timezone=self.timezone)
        return _rfc5322(value)

    def S(self):
        day = self.data.day
        if day in (11, 12, 13):
            return _("th")
        return {1: _("st"), 2: _("nd"), 3: _("rd")}.get(day % 10, _("th"))

    def t(self):
        return calendar.monthrange(self.data.year, self.data.month)[1]

    def U(self):
        value = self.data
        if not isinstance(value, datetime):
            value = datetime.combine(value, time.min)
        return int(value.timestamp())

    def w(self):
        return (self.data.weekday() + 1) % 7

    def W(self):
        return self.data.isocalendar()[1]

    def y(self):
        return f"{(self.data.year % 100):02d}"

    def Y(self):
        return f"{self.data.year:04d}"

    def z(self):
        return self.data.timetuple().tm_yday


def format(value, format_string) -> str:
    """Format a date or datetime with a PHP-style format string."""
    return DateFormat(value).format(format_string)


def time_format(value, format_string) -> str:
    """Format a time or datetime with a PHP-style format string (time characters only)."""
    return TimeFormat(value).format(format_string)

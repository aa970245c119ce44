"""Time zone support: the default and current time zones, aware/naive conversions."""

from __future__ import annotations

import functools
import zoneinfo
from contextlib import ContextDecorator
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from asgiref.local import Local

from reinhardt.conf import settings

__all__ = [
    "get_fixed_timezone", "get_default_timezone", "get_default_timezone_name",
    "get_current_timezone", "get_current_timezone_name", "activate", "deactivate", "override",
    "localtime", "localdate", "now", "is_aware", "is_naive", "make_aware", "make_naive",
]

UTC = UTC


def get_fixed_timezone(offset) -> timezone:
    """A fixed-offset zone; ``offset`` is a timedelta or minutes east of UTC."""
    if isinstance(offset, timedelta):
        offset = offset.total_seconds() // 60
    sign = "-" if offset < 0 else "+"
    hhmm = "%02d%02d" % divmod(abs(offset), 60)
    return timezone(timedelta(minutes=offset), sign + hhmm)


@functools.lru_cache
def _zone(name: str) -> tzinfo:
    return zoneinfo.ZoneInfo(name)


def get_default_timezone() -> tzinfo:
    """The zone named by the TIME_ZONE setting."""
    return _zone(settings.TIME_ZONE)


def get_default_timezone_name() -> str:
    return _get_timezone_name(get_default_timezone())


_active = Local()


def get_current_timezone() -> tzinfo:
    return getattr(_active, "value", None) or get_default_timezone()


def get_current_timezone_name() -> str:
    return _get_timezone_name(get_current_timezone())


def _get_timezone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or zone.tzname(None) or str(zone)


def activate(zone) -> None:
    """Make ``zone`` (a tzinfo or a name) the current time zone of this thread/task."""
    if isinstance(zone, tzinfo):
        _active.value = zone
    elif isinstance(zone, str):
        _active.value = _zone(zone)
    else:
        raise ValueError(f"Invalid timezone: {zone!r}")


def deactivate() -> None:
    if hasattr(_active, "value"):
        del _active.value


class override(ContextDecorator):
    """Temporarily set the current time zone (None: the default one)."""

    def __init__(self, timezone):
        self.timezone = timezone

    def __enter__(self):
        self.old_timezone = getattr(_active, "value", None)
        if self.timezone is None:
            deactivate()
        else:
            activate(self.timezone)

    def __exit__(self, exc_type, exc_value, traceback):
        if self.old_timezone is None:
            deactivate()
        else:
            _active.value = self.old_timezone


def template_localtime(value, use_tz=None):
    """Convert an aware datetime to the current time zone for display in a template."""
    should_convert = (
        isinstance(value, datetime)
        and (settings.USE_TZ if use_tz is None else use_tz)
        and not is_naive(value)
        and getattr(value, "convert_to_local_time", True)
    )
    return localtime(value) if should_convert else value


def localtime(value=None, timezone=None) -> datetime:
    """Convert an aware datetime to ``timezone`` (the current zone by default)."""
    if value is None:
        value = now()
    if timezone is None:
        timezone = get_current_timezone()
    if is_naive(value):
        raise ValueError("localtime() cannot be applied to a naive datetime")
    return value.astimezone(timezone)


def localdate(value=None, timezone=None):
    return localtime(value, timezone).date()


def now() -> datetime:
    """The current time: aware (UTC) when USE_TZ, naive local time otherwise."""
    return datetime.now(tz=UTC if settings.USE_TZ else None)


def is_aware(value) -> bool:
    return value.utcoffset() is not None


def is_naive(value) -> bool:
    return value.utcoffset() is None


def make_aware(value: datetime, timezone=None) -> datetime:
    if timezone is None:
        timezone = get_current_timezone()
    if is_aware(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value}")
    return value.replace(tzinfo=timezone)


def make_naive(value: datetime, timezone=None) -> datetime:
    if timezone is None:
        timezone = get_current_timezone()
    if is_naive(value):
        raise ValueError("make_naive() cannot be applied to a naive datetime")
    return value.astimezone(timezone).replace(tzinfo=None)


def _datetime_ambiguous_or_imaginary(dt: datetime, tz) -> bool:
    off = tz.utcoffset(dt)
    if off != tz.utcoffset(dt.replace(fold=not dt.fold)):
        return True
    wall_time = datetime.fromtimestamp(dt.replace(tzinfo=tz).timestamp(), tz).replace(tzinfo=None)
    return wall_time != dt.replace(tzinfo=None)

"""Time zone tags and filters (``{% load tz %}``).

Filters: ``localtime``, ``utc`` and ``timezone:"Zone/Name"``. Tags: ``{% localtime on|off %}``,
``{% timezone zone %}`` and ``{% get_current_timezone as var %}``. Filters never raise: a
value or zone they cannot use gives "".
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, tzinfo

from reinhardt.utils import timezone as tz_utils
from reinhardt.web.templates import Library, Node, TemplateSyntaxError

register = Library()


class datetimeobject(datetime):
    """A datetime the template engine will not convert to local time again: the filters
    return one with ``convert_to_local_time = False``."""


def _zone_from(arg):
    """A tzinfo for a tzinfo or an IANA name; None for anything unusable."""
    if isinstance(arg, tzinfo):
        return arg
    if not isinstance(arg, str):
        return None
    try:
        return zoneinfo.ZoneInfo(arg)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _pinned(moment):
    """*moment* as a datetimeobject flagged so the engine leaves its zone alone."""
    pinned = datetimeobject(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
        moment.microsecond, moment.tzinfo, fold=moment.fold,
    )
    pinned.convert_to_local_time = False
    return pinned


@register.filter("timezone")
def do_timezone(value, arg):
    """*value* (a datetime; naive ones are taken as in the default zone) converted to the
    zone *arg*, a tzinfo or a zone name."""
    if not isinstance(value, datetime):
        return ""
    if tz_utils.is_naive(value):
        try:
            value = tz_utils.make_aware(value, tz_utils.get_default_timezone())
        except Exception:  # a filter must not raise (e.g. a time skipped by DST)
            return ""
    zone = _zone_from(arg)
    return "" if zone is None else _pinned(value.astimezone(zone))


@register.filter
def localtime(value):
    """*value* converted to the current time zone."""
    return do_timezone(value, tz_utils.get_current_timezone())


@register.filter
def utc(value):
    """*value* converted to UTC."""
    return do_timezone(value, UTC)


class LocalTimeNode(Node):
    """Renders its contents with local-time conversion switched on or off."""

    def __init__(self, nodelist, use_tz: bool):
        self.use_tz = use_tz
        self.nodelist = nodelist

    def render(self, context):
        saved, context.use_tz = context.use_tz, self.use_tz
        try:
            return self.nodelist.render(context)
        finally:
            context.use_tz = saved


class TimezoneNode(Node):
    """Renders its contents with the current time zone set to the resolved ``tz``."""

    def __init__(self, nodelist, tz):
        self.tz = tz
        self.nodelist = nodelist

    def render(self, context):
        zone = self.tz.resolve(context)
        with tz_utils.override(zone):
            return self.nodelist.render(context)


class GetCurrentTimezoneNode(Node):
    """Stores the current time zone's name in the context; renders nothing."""

    def __init__(self, variable):
        self.variable = variable

    def render(self, context):
        context[self.variable] = tz_utils.get_current_timezone_name()
        return ""


def _body(parser, end_tag):
    content = parser.parse((end_tag,))
    parser.delete_first_token()
    return content


@register.tag("localtime")
def localtime_tag(parser, token):
    """``{% localtime [on|off] %} ... {% endlocaltime %}`` (no argument means on)."""
    name, *rest = token.split_contents()
    if not rest:
        switch = True
    elif len(rest) == 1 and rest[0] in ("on", "off"):
        switch = rest[0] == "on"
    else:
        raise TemplateSyntaxError(f"{name} argument should be 'on' or 'off'")
    return LocalTimeNode(_body(parser, "endlocaltime"), switch)


@register.tag("timezone")
def timezone_tag(parser, token):
    """``{% timezone zone %} ... {% endtimezone %}``; zone: a tzinfo, a name, or None for
    the default."""
    words = token.split_contents()
    if len(words) == 2:
        zone_expression = parser.compile_filter(words[1])
        return TimezoneNode(_body(parser, "endtimezone"), zone_expression)
    raise TemplateSyntaxError(f"'{words[0]}' takes one argument (timezone)")


@register.tag("get_current_timezone")
def get_current_timezone_tag(parser, token):
    """``{% get_current_timezone as name %}``."""
    words = token.contents.split()
    if len(words) == 3 and words[1] == "as":
        return GetCurrentTimezoneNode(words[2])
    raise TemplateSyntaxError(f"'get_current_timezone' requires 'as variable' (got {words!r})")

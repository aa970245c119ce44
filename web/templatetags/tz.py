"""Time zone tags and filters (``{% load tz %}``): localtime, utc, timezone,
{% localtime on|off %}, {% timezone %} and {% get_current_timezone as var %}."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, tzinfo

from reinhardt.utils import timezone as tz_utils
from reinhardt.web.templates import Library, Node, TemplateSyntaxError

register = Library()


class datetimeobject(datetime):
    """A datetime that the template engine will not convert to local time again."""


@register.filter
def localtime(value):
    """Convert a datetime to the current time zone."""
    return do_timezone(value, tz_utils.get_current_timezone())


@register.filter
def utc(value):
    """Convert a datetime to UTC."""
    return do_timezone(value, UTC)


@register.filter("timezone")
def do_timezone(value, arg):
    """Convert a datetime to the time zone ``arg`` (a tzinfo or a name)."""
    if not isinstance(value, datetime):
        return ""
    try:
        if tz_utils.is_naive(value):
            value = tz_utils.make_aware(value, tz_utils.get_default_timezone())
    except Exception:
        return ""
    if isinstance(arg, tzinfo):
        zone = arg
    elif isinstance(arg, str):
        try:
            zone = zoneinfo.ZoneInfo(arg)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return ""
    else:
        return ""
    result = value.astimezone(zone)
    result = datetimeobject(result.year, result.month, result.day, result.hour, result.minute,
                            result.second, result.microsecond, result.tzinfo, fold=result.fold)
    result.convert_to_local_time = False
    return result


class LocalTimeNode(Node):
    def __init__(self, nodelist, use_tz: bool):
        self.nodelist = nodelist
        self.use_tz = use_tz

    def render(self, context):
        old_setting = context.use_tz
        context.use_tz = self.use_tz
        output = self.nodelist.render(context)
        context.use_tz = old_setting
        return output


class TimezoneNode(Node):
    def __init__(self, nodelist, tz):
        self.nodelist = nodelist
        self.tz = tz

    def render(self, context):
        with tz_utils.override(self.tz.resolve(context)):
            return self.nodelist.render(context)


class GetCurrentTimezoneNode(Node):
    def __init__(self, variable):
        self.variable = variable

    def render(self, context):
        context[self.variable] = tz_utils.get_current_timezone_name()
        return ""


@register.tag("localtime")
def localtime_tag(parser, token):
    bits = token.split_contents()
    if len(bits) == 1:
        use_tz = True
    elif len(bits) > 2 or bits[1] not in ("on", "off"):
        raise TemplateSyntaxError(f"{bits[0]} argument should be 'on' or 'off'")
    else:
        use_tz = bits[1] == "on"
    nodelist = parser.parse(("endlocaltime",))
    parser.delete_first_token()
    return LocalTimeNode(nodelist, use_tz)


@register.tag("timezone")
def timezone_tag(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise TemplateSyntaxError(f"'{bits[0]}' takes one argument (timezone)")
    tz = parser.compile_filter(bits[1])
    nodelist = parser.parse(("endtimezone",))
    parser.delete_first_token()
    return TimezoneNode(nodelist, tz)


@register.tag("get_current_timezone")
def get_current_timezone_tag(parser, token):
    args = token.contents.split()
    if len(args) != 3 or args[1] != "as":
        raise TemplateSyntaxError(
            f"'get_current_timezone' requires 'as variable' (got {args!r})"
        )
    return GetCurrentTimezoneNode(args[2])

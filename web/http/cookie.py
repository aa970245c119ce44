"""Cookie parsing (lenient, as browsers send them) and the SimpleCookie used for Set-Cookie."""

from __future__ import annotations

import re
from http import cookies

# The standard library's morsel handles Set-Cookie rendering, including SameSite/Partitioned.
SimpleCookie = cookies.SimpleCookie

_ESCAPE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))")


def _unescape(match: re.Match) -> str:
    octal, char = match.groups()
    return chr(int(octal, 8)) if octal else char


def _unquote(value: str) -> str:
    """Undo the quoting SimpleCookie applies to values: surrounding quotes and escapes."""
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    return _ESCAPE.sub(_unescape, value[1:-1])


def parse_cookie(cookie: str) -> dict[str, str]:
    """Parse a Cookie header into a dict, tolerating what real browsers send.

    Unlike SimpleCookie.load(), one malformed pair does not discard the whole header.
    """
    result: dict[str, str] = {}
    for chunk in cookie.split(";"):
        key, sep, value = chunk.partition("=")
        if not sep:
            key, value = "", key
        key = key.strip()
        value = value.strip()
        if key or value:
            result[key] = _unquote(value)
    return result

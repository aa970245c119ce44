"""Errors of URL resolving and reversing."""

from reinhardt.web.http import Http404


class Resolver404(Http404):
    """No URL pattern matched the path; its args carry the path and the patterns tried."""


class NoReverseMatch(Exception):
    """reverse() found no URL pattern for the name and arguments given."""

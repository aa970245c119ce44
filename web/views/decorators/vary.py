"""Decorators that add to the Vary header."""

from __future__ import annotations

from reinhardt.utils.cache import patch_vary_headers
from reinhardt.web.views.decorators._wrap import wrap_view


def vary_on_headers(*headers):
    """The response depends on these request headers: ``@vary_on_headers("User-Agent")``."""

    def decorator(func):
        def after(request, response):
            patch_vary_headers(response, headers)
            return response

        return wrap_view(func, after=after)

    return decorator


vary_on_cookie = vary_on_headers("Cookie")
vary_on_cookie.__doc__ = "The response depends on the Cookie header."

"""Decorators that set caching headers on a view's responses."""

from __future__ import annotations

from reinhardt.utils.cache import add_never_cache_headers, patch_cache_control
from reinhardt.web.views.decorators._wrap import check_request, wrap_view


def cache_control(**kwargs):
    """Merge directives into Cache-Control: ``@cache_control(max_age=3600, public=True)``."""

    def decorator(viewfunc):
        def after(request, response):
            check_request(request, "cache_control")
            patch_cache_control(response, **kwargs)
            return response

        return wrap_view(viewfunc, after=after)

    return decorator


def never_cache(view_func):
    """Mark every response of the view as never to be cached."""

    def after(request, response):
        check_request(request, "never_cache")
        add_never_cache_headers(response)
        return response

    return wrap_view(view_func, after=after)

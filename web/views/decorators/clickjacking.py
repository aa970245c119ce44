"""Per-view X-Frame-Options: DENY, SAMEORIGIN, or exempt from XFrameOptionsMiddleware."""

from __future__ import annotations

from reinhardt.web.views.decorators._wrap import wrap_view


def _set_header(value: str):
    def decorator(view_func):
        def after(request, response):
            if response.get("X-Frame-Options") is None:
                response["X-Frame-Options"] = value
            return response

        return wrap_view(view_func, after=after)

    return decorator


xframe_options_deny = _set_header("DENY")
xframe_options_sameorigin = _set_header("SAMEORIGIN")


def xframe_options_exempt(view_func):
    """Let the view's pages be framed: XFrameOptionsMiddleware leaves them alone."""

    def after(request, response):
        response.xframe_options_exempt = True
        return response

    return wrap_view(view_func, after=after)

"""CSRF decorators: protect or exempt one view, or make sure it sets the CSRF cookie."""

from __future__ import annotations

from reinhardt.utils.decorators import decorator_from_middleware
from reinhardt.web.middleware.csrf import CsrfViewMiddleware, get_token
from reinhardt.web.views.decorators._wrap import wrap_view

csrf_protect = decorator_from_middleware(CsrfViewMiddleware)
csrf_protect.__name__ = "csrf_protect"
csrf_protect.__doc__ = "Apply CSRF protection to one view, as CsrfViewMiddleware would."


class _EnsureCsrfToken(CsrfViewMiddleware):
    # Never reject: the view only needs the token to exist (e.g. an error page with a form).
    def _reject(self, request, reason):
        return None


requires_csrf_token = decorator_from_middleware(_EnsureCsrfToken)
requires_csrf_token.__name__ = "requires_csrf_token"
requires_csrf_token.__doc__ = "Make a CSRF token available to the view without enforcing it."


class _EnsureCsrfCookie(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return None

    def process_view(self, request, callback, callback_args, callback_kwargs):
        retval = super().process_view(request, callback, callback_args, callback_kwargs)
        # Forces process_response to send the cookie.
        get_token(request)
        return retval


ensure_csrf_cookie = decorator_from_middleware(_EnsureCsrfCookie)
ensure_csrf_cookie.__name__ = "ensure_csrf_cookie"
ensure_csrf_cookie.__doc__ = "Send the CSRF cookie with the view's response, even without a form."


def csrf_exempt(view_func):
    """Exclude the view from CsrfViewMiddleware's checks."""
    wrapper = wrap_view(view_func)
    wrapper.csrf_exempt = True
    return wrapper

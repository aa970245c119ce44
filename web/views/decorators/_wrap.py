"""One helper for decorators that must work on both sync and async views."""

from __future__ import annotations

from functools import wraps

from asgiref.sync import iscoroutinefunction


def wrap_view(view_func, before=None, after=None):
    """Wrap ``view_func``: ``before(request, *a, **kw)`` may return a response that skips the
    view; ``after(request, response)`` returns the response to send. Keeps sync/async."""
    if iscoroutinefunction(view_func):

        async def _view_wrapper(request, *args, **kwargs):
            if before is not None:
                response = before(request, *args, **kwargs)
                if response is not None:
                    return response
            response = await view_func(request, *args, **kwargs)
            return after(request, response) if after is not None else response

    else:

        def _view_wrapper(request, *args, **kwargs):
            if before is not None:
                response = before(request, *args, **kwargs)
                if response is not None:
                    return response
            response = view_func(request, *args, **kwargs)
            return after(request, response) if after is not None else response

    return wraps(view_func)(_view_wrapper)


def check_request(request, decorator_name: str) -> None:
    """Catch the common mistake of decorating a method without method_decorator()."""
    if not hasattr(request, "META"):
        raise TypeError(
            f"{decorator_name} didn't receive an HttpRequest. If you are decorating a "
            "classmethod, be sure to use @method_decorator."
        )

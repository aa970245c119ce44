"""no_append_slash: CommonMiddleware does not redirect to this view's slash-ended URL."""

from __future__ import annotations

from reinhardt.web.views.decorators._wrap import wrap_view


def no_append_slash(view_func):
    wrapper = wrap_view(view_func)
    wrapper.should_append_slash = False
    return wrapper

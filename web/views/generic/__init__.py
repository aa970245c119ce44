"""Generic class-based views (``django.views.generic``)."""

from reinhardt.web.views.generic.base import RedirectView, TemplateView, View

__all__ = ["View", "TemplateView", "RedirectView", "GenericViewError"]


class GenericViewError(Exception):
    """A problem in a generic view."""

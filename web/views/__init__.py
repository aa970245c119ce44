"""Views (``django.views``): the View base class and generic views live below."""

from reinhardt.web.views.generic.base import View

__all__ = ["View"]

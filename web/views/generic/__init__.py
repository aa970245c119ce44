"""Generic class-based views (``django.views.generic``).

The editing views (FormView, CreateView, UpdateView, DeleteView) arrive with forms.
"""

from reinhardt.web.views.generic.base import RedirectView, TemplateView, View
from reinhardt.web.views.generic.dates import (
    ArchiveIndexView,
    DateDetailView,
    DayArchiveView,
    MonthArchiveView,
    TodayArchiveView,
    WeekArchiveView,
    YearArchiveView,
)
from reinhardt.web.views.generic.detail import DetailView
from reinhardt.web.views.generic.list import ListView

__all__ = [
    "View", "TemplateView", "RedirectView", "ArchiveIndexView", "YearArchiveView",
    "MonthArchiveView", "WeekArchiveView", "DayArchiveView", "TodayArchiveView",
    "DateDetailView", "DetailView", "ListView", "GenericViewError",
]


class GenericViewError(Exception):
    """A problem in a generic view."""

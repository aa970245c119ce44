"""Date-based archive views: by year, month, week and day, today, and one dated object.

The year, month, week and day come from the URL's keyword arguments (or the query string,
or the view's attributes) and are parsed with the view's ``*_format`` (strptime codes). A
date that does not parse is a 404. Unless ``allow_future`` is set, objects dated after now
are left out; unless ``allow_empty`` is set, an archive with nothing in it is a 404.
"""

from __future__ import annotations

import datetime

from reinhardt.conf import settings
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils import timezone
from reinhardt.utils.functional import cached_property
from reinhardt.utils.translation import gettext as _
from reinhardt.web.http import Http404
from reinhardt.web.views.generic.base import View
from reinhardt.web.views.generic.detail import (
    BaseDetailView,
    SingleObjectTemplateResponseMixin,
)
from reinhardt.web.views.generic.list import (
    MultipleObjectMixin,
    MultipleObjectTemplateResponseMixin,
)

__all__ = [
    "YearMixin", "MonthMixin", "DayMixin", "WeekMixin", "DateMixin", "BaseDateListView",
    "BaseArchiveIndexView", "ArchiveIndexView", "BaseYearArchiveView", "YearArchiveView",
    "BaseMonthArchiveView", "MonthArchiveView", "BaseWeekArchiveView", "WeekArchiveView",
    "BaseDayArchiveView", "DayArchiveView", "BaseTodayArchiveView", "TodayArchiveView",
    "BaseDateDetailView", "DateDetailView", "timezone_today",
]


_NOT_GIVEN = {
    "year": "No year specified",
    "month": "No month specified",
    "day": "No day specified",
    "week": "No week specified",
}


def _requested(view, part: str):
    """A date part: the view's attribute, else the URL kwarg, else the query parameter."""
    configured = getattr(view, part)
    if configured is not None:
        return configured
    if part in view.kwargs:
        return view.kwargs[part]
    if part in view.request.GET:
        return view.request.GET[part]
    raise Http404(_(_NOT_GIVEN[part]))


def _first_of_next_month(date):
    if date.month < 12:
        return date.replace(month=date.month + 1, day=1)
    return _first_of_year(date, date.year + 1)


def _first_of_year(date, year):
    if year > datetime.MAXYEAR:
        raise Http404(_("Date out of range"))
    return date.replace(year=year, month=1, day=1)


class YearMixin:
    """The year of the archive (``year``, parsed with ``year_format``, ``%Y`` by default)."""

    year_format = "%Y"
    year = None

    def get_year_format(self) -> str:
        return self.year_format

    def get_year(self):
        return _requested(self, "year")

    def get_next_year(self, date):
        """The first day of the next year to link to, or None."""
        return _neighbour(self, date, "year", later=True)

    def get_previous_year(self, date):
        return _neighbour(self, date, "year", later=False)

    def _year_start(self, date):
        return date.replace(month=1, day=1)

    def _year_end(self, date):
        return _first_of_year(date, date.year + 1)


class MonthMixin:
    """The month of the archive (``month``, ``month_format`` ``%b`` by default: ``jan``)."""

    month_format = "%b"
    month = None

    def get_month_format(self) -> str:
        return self.month_format

    def get_month(self):
        return _requested(self, "month")

    def get_next_month(self, date):
        return _neighbour(self, date, "month", later=True)

    def get_previous_month(self, date):
        return _neighbour(self, date, "month", later=False)

    def _month_start(self, date):
        return date.replace(day=1)

    def _month_end(self, date):
        return _first_of_next_month(date)


class DayMixin:
    """The day of the month (``day``, ``day_format`` ``%d`` by default)."""

    day_format = "%d"
    day = None

    def get_day_format(self) -> str:
        return self.day_format

    def get_day(self):
        return _requested(self, "day")

    def get_next_day(self, date):
        return _neighbour(self, date, "day", later=True)

    def get_previous_day(self, date):
        return _neighbour(self, date, "day", later=False)

    def _day_start(self, date):
        return date

    def _day_end(self, date):
        return date + _ONE_DAY


_ONE_DAY = datetime.timedelta(days=1)
# strptime's weekday ("%w": 0 is Sunday) of the first day of a week, per week format.
_WEEK_STARTS = {"%U": "0", "%V": "1", "%W": "1"}


class WeekMixin:
    """The week of the year (``week``; ``week_format`` ``%U`` (weeks start on Sunday),
    ``%W`` (Monday) or ``%V`` (ISO weeks, with year_format ``%G``))."""

    week_format = "%U"
    week = None

    def get_week_format(self) -> str:
        return self.week_format

    def get_week(self):
        return _requested(self, "week")

    def get_next_week(self, date):
        return _neighbour(self, date, "week", later=True)

    def get_previous_week(self, date):
        return _neighbour(self, date, "week", later=False)

    def _week_start(self, date):
        return date - datetime.timedelta(days=self._days_into_week(date))

    def _week_end(self, date):
        try:
            return self._week_start(date) + datetime.timedelta(days=7)
        except OverflowError:
            raise Http404(_("Date out of range")) from None

    def _days_into_week(self, date) -> int:
        week_format = self.get_week_format()
        if week_format not in _WEEK_STARTS:
            raise ValueError(f"unknown week format: {week_format}")
        monday_based = _WEEK_STARTS[week_format] == "1"
        return date.weekday() if monday_based else date.isoweekday() % 7


class DateMixin:
    """Which field dates the objects (``date_field``), and whether future ones show."""

    date_field = None
    allow_future = False

    def get_date_field(self) -> str:
        if self.date_field is None:
            raise ImproperlyConfigured(f"{type(self).__name__}.date_field is required.")
        return self.date_field

    def get_allow_future(self) -> bool:
        return self.allow_future

    @cached_property
    def uses_datetime_field(self) -> bool:
        """Whether the date field holds datetimes (a day is then a range of instants)."""
        from reinhardt.orm.models import DateTimeField

        model = self.get_queryset().model if self.model is None else self.model
        return isinstance(model._meta.get_field(self.get_date_field()), DateTimeField)

    def _make_date_lookup_arg(self, value):
        """A date as a value to compare the field with: its first instant for datetimes."""
        if not self.uses_datetime_field:
            return value
        midnight = datetime.datetime.combine(value, datetime.time.min)
        return timezone.make_aware(midnight) if settings.USE_TZ else midnight

    def _make_single_date_lookup(self, date) -> dict:
        """Filter arguments that match one day."""
        if self.uses_datetime_field:
            return self._between(date, date + _ONE_DAY)
        return {self.get_date_field(): date}

    def _between(self, first_day, stop_day) -> dict:
        """Filter arguments for first_day <= date < stop_day."""
        field = self.get_date_field()
        return {
            f"{field}__gte": self._make_date_lookup_arg(first_day),
            f"{field}__lt": self._make_date_lookup_arg(stop_day),
        }

    def _now_bound(self):
        """The latest value shown when the future is not allowed."""
        return timezone.now() if self.uses_datetime_field else timezone_today()

    def _as_local_date(self, value):
        """A value of the date field as a calendar date in the current time zone."""
        if not self.uses_datetime_field:
            return value
        return (timezone.localtime(value) if settings.USE_TZ else value).date()


def _nothing_available(model):
    return Http404(
        _("No %(verbose_name_plural)s available")
        % {"verbose_name_plural": model._meta.verbose_name_plural}
    )


class BaseDateListView(MultipleObjectMixin, DateMixin, View):
    """A list of dated objects, plus the list of dates (``date_list``) that have some."""

    allow_empty = False
    date_list_period = "year"

    def get(self, request, *args, **kwargs):
        self.date_list, self.object_list, extra = self.get_dated_items()
        return self.render_to_response(
            self.get_context_data(object_list=self.object_list, date_list=self.date_list,
                                  **extra)
        )

    def get_dated_items(self):
        """(date_list, object_list, extra context) for the archive."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement get_dated_items() (a DateView subclass "
            "returns its date_list, object_list and extra context)."
        )

    def get_ordering(self):
        """Newest first unless ``ordering`` says otherwise."""
        if self.ordering is not None:
            return self.ordering
        return "-" + self.get_date_field()

    def get_dated_queryset(self, **lookup):
        """The queryset filtered by ``lookup``, without the future unless allowed; a 404 when
        it is empty and ``allow_empty`` is off."""
        queryset = self.get_queryset().filter(**lookup)
        if not self.get_allow_future():
            queryset = queryset.filter(**{f"{self.get_date_field()}__lte": self._now_bound()})
        if not self.get_allow_empty():
            # A paginated page is fetched later, so only ask whether there are rows; an
            # unpaginated list is fetched now and reused.
            paginated = self.get_paginate_by(queryset) is not None
            if not (queryset.exists() if paginated else queryset):
                raise _nothing_available(queryset.model)
        return queryset

    def get_date_list_period(self) -> str:
        return self.date_list_period

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        """The distinct dates (truncated to ``date_type``) that have objects."""
        period = date_type or self.get_date_list_period()
        distinct = queryset.datetimes if self.uses_datetime_field else queryset.dates
        dates = distinct(self.get_date_field(), period, ordering)
        if dates is not None and not self.get_allow_empty() and not dates:
            raise _nothing_available(queryset.model)
        return dates


class BaseArchiveIndexView(BaseDateListView):
    """The latest objects (``latest`` in the context) and the years that have objects."""

    context_object_name = "latest"

    def get_dated_items(self):
        queryset = self.get_dated_queryset()
        dates = self.get_date_list(queryset, ordering="DESC")
        return dates, (queryset if dates else queryset.none()), {}


class ArchiveIndexView(MultipleObjectTemplateResponseMixin, BaseArchiveIndexView):
    """Top-level archive page: ``<app>/<model>_archive.html``."""

    template_name_suffix = "_archive"


class BaseYearArchiveView(YearMixin, BaseDateListView):
    """A year's months with objects; the objects themselves if ``make_object_list``."""

    date_list_period = "month"
    make_object_list = False

    def get_dated_items(self):
        year = _parse_date(self, "year")
        queryset = self.get_dated_queryset(**self._between(year, self._year_end(year)))
        dates = self.get_date_list(queryset)
        if not self.get_make_object_list():
            # The page lists the months; fetching every object of the year would be waste.
            queryset = queryset.none()
        return dates, queryset, {"year": year, **_links(self, year, "year")}

    def get_make_object_list(self) -> bool:
        return self.make_object_list


class YearArchiveView(MultipleObjectTemplateResponseMixin, BaseYearArchiveView):
    """``<app>/<model>_archive_year.html``."""

    template_name_suffix = "_archive_year"


class BaseMonthArchiveView(YearMixin, MonthMixin, BaseDateListView):
    """A month's objects, and the days that have some."""

    date_list_period = "day"

    def get_dated_items(self):
        month = _parse_date(self, "year", "month")
        queryset = self.get_dated_queryset(**self._between(month, self._month_end(month)))
        context = {"month": month, **_links(self, month, "month")}
        return self.get_date_list(queryset), queryset, context


class MonthArchiveView(MultipleObjectTemplateResponseMixin, BaseMonthArchiveView):
    """``<app>/<model>_archive_month.html``."""

    template_name_suffix = "_archive_month"


class BaseWeekArchiveView(YearMixin, WeekMixin, BaseDateListView):
    """A week's objects."""

    def get_dated_items(self):
        week_format, year_format = self.get_week_format(), self.get_year_format()
        if week_format not in _WEEK_STARTS:
            raise ValueError(
                f"Unknown week format {week_format!r}. Choices are: "
                + ", ".join(sorted(_WEEK_STARTS))
            )
        if week_format == "%V" and year_format != "%G":
            raise ValueError(
                f"ISO week directive '{week_format}' is incompatible with the year directive "
                f"'{year_format}'. Use the ISO year '%G' instead."
            )
        week = _parse_date(
            self, "year", ("weekday", _WEEK_STARTS[week_format], "%w"), "week"
        )
        queryset = self.get_dated_queryset(**self._between(week, self._week_end(week)))
        return None, queryset, {"week": week, **_links(self, week, "week")}


class WeekArchiveView(MultipleObjectTemplateResponseMixin, BaseWeekArchiveView):
    """``<app>/<model>_archive_week.html``."""

    template_name_suffix = "_archive_week"


class BaseDayArchiveView(YearMixin, MonthMixin, DayMixin, BaseDateListView):
    """A day's objects."""

    def get_dated_items(self):
        return self._get_dated_items(_parse_date(self, "year", "month", "day"))

    def _get_dated_items(self, date):
        queryset = self.get_dated_queryset(**self._make_single_date_lookup(date))
        context = {"day": date}
        context.update(_links(self, date, "day"))
        context.update(_links(self, date, "month"))
        return None, queryset, context


class DayArchiveView(MultipleObjectTemplateResponseMixin, BaseDayArchiveView):
    """``<app>/<model>_archive_day.html``."""

    template_name_suffix = "_archive_day"


class BaseTodayArchiveView(BaseDayArchiveView):
    """Today's objects."""

    def get_dated_items(self):
        return self._get_dated_items(datetime.date.today())


class TodayArchiveView(MultipleObjectTemplateResponseMixin, BaseTodayArchiveView):
    """``<app>/<model>_archive_day.html``, as the day archive."""

    template_name_suffix = "_archive_day"


class BaseDateDetailView(YearMixin, MonthMixin, DayMixin, DateMixin, BaseDetailView):
    """One object, found by its date in the URL as well as its pk or slug."""

    def get_object(self, queryset=None):
        date = _parse_date(self, "year", "month", "day")
        queryset = self.get_queryset() if queryset is None else queryset
        if date > datetime.date.today() and not self.get_allow_future():
            raise Http404(
                _("Future %(verbose_name_plural)s not available because "
                  "%(class_name)s.allow_future is False.")
                % {"verbose_name_plural": queryset.model._meta.verbose_name_plural,
                   "class_name": type(self).__name__}
            )
        dated = queryset.filter(**self._make_single_date_lookup(date))
        return super().get_object(queryset=dated)


class DateDetailView(SingleObjectTemplateResponseMixin, BaseDateDetailView):
    """``<app>/<model>_detail.html``."""

    template_name_suffix = "_detail"


def _parse_date(view, *parts):
    """The date the URL names. Each part is "year"/"month"/"week"/"day" (its value and format
    come from the view's getters) or a fixed (name, value, format) triple. The parts are parsed
    together, since e.g. a week number means nothing without its year; a date that does not
    parse is a 404."""
    values, formats = [], []
    for part in parts:
        if isinstance(part, tuple):
            _name, value, fmt = part
        else:
            value = getattr(view, f"get_{part}")()
            fmt = getattr(view, f"get_{part}_format")()
        values.append(str(value))
        formats.append(fmt)
    # The joined text and format appear in the 404 message, as in Django ("2020__foo__").
    while len(values) < 3:
        values.append("")
        formats.append("")
    text, pattern = "__".join(values), "__".join(formats)
    try:
        return datetime.datetime.strptime(text, pattern).date()
    except ValueError:
        raise Http404(
            _("Invalid date string “%(datestr)s” given format “%(format)s”")
            % {"datestr": text, "format": pattern}
        ) from None


def _links(view, date, period: str) -> dict:
    """The ``next_<period>``/``previous_<period>`` context of an archive page."""
    return {
        f"next_{period}": getattr(view, f"get_next_{period}")(date),
        f"previous_{period}": getattr(view, f"get_previous_{period}")(date),
    }


def _neighbour(view, date, period: str, later: bool):
    """The first day of the adjacent period to link to from the one holding ``date``, or None.

    With ``allow_empty`` the adjacent period is simply the next or previous one (None when it
    lies in a future that is not shown). Without it, empty periods are skipped: the link goes
    to the period of the nearest shown object beyond this one, found with one query.
    """
    start_of = getattr(view, f"_{period}_start")
    this_start = start_of(date)
    this_end = getattr(view, f"_{period}_end")(date)
    if view.get_allow_empty():
        target = this_end if later else start_of(this_start - _ONE_DAY)
        shown = view.get_allow_future() or target <= timezone_today()
        return target if shown else None
    return _period_of_nearest_object(view, start_of, this_start, this_end, later)


def _period_of_nearest_object(view, start_of, this_start, this_end, later: bool):
    field = view.get_date_field()
    if later:
        beyond = {f"{field}__gte": view._make_date_lookup_arg(this_end)}
        nearest_first = field
    else:
        beyond = {f"{field}__lt": view._make_date_lookup_arg(this_start)}
        nearest_first = "-" + field
    if not view.get_allow_future():
        beyond[f"{field}__lte"] = view._now_bound()
    nearest = view.get_queryset().filter(**beyond).order_by(nearest_first)[:1]
    for obj in nearest:
        return start_of(view._as_local_date(getattr(obj, field)))
    return None


def timezone_today():
    """Today in the current time zone (under USE_TZ), else the system's today."""
    return timezone.localdate() if settings.USE_TZ else datetime.date.today()

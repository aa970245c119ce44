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


def _date_part(view, attribute: str, missing_message: str) -> str:
    """A date part: the view's attribute, else the URL kwarg, else the query parameter."""
    value = getattr(view, attribute)
    if value is not None:
        return value
    try:
        return view.kwargs[attribute]
    except KeyError:
        pass
    try:
        return view.request.GET[attribute]
    except KeyError:
        raise Http404(_(missing_message))


class YearMixin:
    """The year of the archive (``year``, parsed with ``year_format``, ``%Y`` by default)."""

    year_format = "%Y"
    year = None

    def get_year_format(self) -> str:
        return self.year_format

    def get_year(self):
        return _date_part(self, "year", "No year specified")

    def get_next_year(self, date):
        """The first day of the next year with objects (or of the next year, if empty ok)."""
        return _get_next_prev(self, date, is_previous=False, period="year")

    def get_previous_year(self, date):
        return _get_next_prev(self, date, is_previous=True, period="year")

    def _get_next_year(self, date):
        try:
            return date.replace(year=date.year + 1, month=1, day=1)
        except ValueError:
            raise Http404(_("Date out of range"))

    def _get_current_year(self, date):
        return date.replace(month=1, day=1)


class MonthMixin:
    """The month of the archive (``month``, ``month_format`` ``%b`` by default: ``jan``)."""

    month_format = "%b"
    month = None

    def get_month_format(self) -> str:
        return self.month_format

    def get_month(self):
        return _date_part(self, "month", "No month specified")

    def get_next_month(self, date):
        return _get_next_prev(self, date, is_previous=False, period="month")

    def get_previous_month(self, date):
        return _get_next_prev(self, date, is_previous=True, period="month")

    def _get_next_month(self, date):
        if date.month == 12:
            try:
                return date.replace(year=date.year + 1, month=1, day=1)
            except ValueError:
                raise Http404(_("Date out of range"))
        return date.replace(month=date.month + 1, day=1)

    def _get_current_month(self, date):
        return date.replace(day=1)


class DayMixin:
    """The day of the month (``day``, ``day_format`` ``%d`` by default)."""

    day_format = "%d"
    day = None

    def get_day_format(self) -> str:
        return self.day_format

    def get_day(self):
        return _date_part(self, "day", "No day specified")

    def get_next_day(self, date):
        return _get_next_prev(self, date, is_previous=False, period="day")

    def get_previous_day(self, date):
        return _get_next_prev(self, date, is_previous=True, period="day")

    def _get_next_day(self, date):
        return date + datetime.timedelta(days=1)

    def _get_current_day(self, date):
        return date


class WeekMixin:
    """The week of the year (``week``; ``week_format`` ``%U`` (weeks start on Sunday),
    ``%W`` (Monday) or ``%V`` (ISO weeks, with year_format ``%G``))."""

    week_format = "%U"
    week = None

    def get_week_format(self) -> str:
        return self.week_format

    def get_week(self):
        return _date_part(self, "week", "No week specified")

    def get_next_week(self, date):
        return _get_next_prev(self, date, is_previous=False, period="week")

    def get_previous_week(self, date):
        return _get_next_prev(self, date, is_previous=True, period="week")

    def _get_next_week(self, date):
        try:
            return date + datetime.timedelta(days=7 - self._get_weekday(date))
        except OverflowError:
            raise Http404(_("Date out of range"))

    def _get_current_week(self, date):
        return date - datetime.timedelta(self._get_weekday(date))

    def _get_weekday(self, date) -> int:
        """Days since the start of the week, for the week format's first day."""
        week_format = self.get_week_format()
        if week_format in {"%W", "%V"}:  # weeks start on Monday
            return date.weekday()
        if week_format == "%U":  # weeks start on Sunday
            return (date.weekday() + 1) % 7
        raise ValueError(f"unknown week format: {week_format}")


class DateMixin:
    """Which field dates the objects (``date_field``), and whether future ones show."""

    date_field = None
    allow_future = False

    def get_date_field(self) -> str:
        if self.date_field is None:
            raise ImproperlyConfigured(f"{self.__class__.__name__}.date_field is required.")
        return self.date_field

    def get_allow_future(self) -> bool:
        return self.allow_future

    @cached_property
    def uses_datetime_field(self) -> bool:
        """Whether the date field is a DateTimeField (lookups then cover whole days)."""
        from reinhardt.orm import models

        model = self.get_queryset().model if self.model is None else self.model
        field = model._meta.get_field(self.get_date_field())
        return isinstance(field, models.DateTimeField)

    def _make_date_lookup_arg(self, value):
        """A date as a lookup value: midnight (aware under USE_TZ) for a DateTimeField."""
        if self.uses_datetime_field:
            value = datetime.datetime.combine(value, datetime.time.min)
            if settings.USE_TZ:
                value = timezone.make_aware(value)
        return value

    def _make_single_date_lookup(self, date) -> dict:
        """Lookups matching one day: a range of datetimes, or the date itself."""
        date_field = self.get_date_field()
        if self.uses_datetime_field:
            since = self._make_date_lookup_arg(date)
            until = self._make_date_lookup_arg(date + datetime.timedelta(days=1))
            return {f"{date_field}__gte": since, f"{date_field}__lt": until}
        return {date_field: date}


class BaseDateListView(MultipleObjectMixin, DateMixin, View):
    """A list of dated objects, plus the list of dates (``date_list``) that have some."""

    allow_empty = False
    date_list_period = "year"

    def get(self, request, *args, **kwargs):
        self.date_list, self.object_list, extra_context = self.get_dated_items()
        context = self.get_context_data(object_list=self.object_list, date_list=self.date_list,
                                        **extra_context)
        return self.render_to_response(context)

    def get_dated_items(self):
        """(date_list, object_list, extra context) for the archive."""
        raise NotImplementedError("A DateView must provide an implementation of get_dated_items()")

    def get_ordering(self):
        """Newest first unless ``ordering`` says otherwise."""
        return f"-{self.get_date_field()}" if self.ordering is None else self.ordering

    def get_dated_queryset(self, **lookup):
        """The queryset filtered by ``lookup``, without the future unless allowed."""
        qs = self.get_queryset().filter(**lookup)
        date_field = self.get_date_field()
        allow_future = self.get_allow_future()
        allow_empty = self.get_allow_empty()
        paginate_by = self.get_paginate_by(qs)
        if not allow_future:
            now = timezone.now() if self.uses_datetime_field else timezone_today()
            qs = qs.filter(**{f"{date_field}__lte": now})
        if not allow_empty:
            # With pagination the page is fetched later: only ask whether rows exist.
            is_empty = not qs if paginate_by is None else not qs.exists()
            if is_empty:
                raise Http404(
                    _("No %(verbose_name_plural)s available")
                    % {"verbose_name_plural": qs.model._meta.verbose_name_plural}
                )
        return qs

    def get_date_list_period(self) -> str:
        return self.date_list_period

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        """The distinct dates (truncated to ``date_type``) that have objects."""
        date_field = self.get_date_field()
        allow_empty = self.get_allow_empty()
        if date_type is None:
            date_type = self.get_date_list_period()
        if self.uses_datetime_field:
            date_list = queryset.datetimes(date_field, date_type, ordering)
        else:
            date_list = queryset.dates(date_field, date_type, ordering)
        if date_list is not None and not date_list and not allow_empty:
            raise Http404(
                _("No %(verbose_name_plural)s available")
                % {"verbose_name_plural": queryset.model._meta.verbose_name_plural}
            )
        return date_list


class BaseArchiveIndexView(BaseDateListView):
    """The latest objects (``latest`` in the context) and the years that have objects."""

    context_object_name = "latest"

    def get_dated_items(self):
        qs = self.get_dated_queryset()
        date_list = self.get_date_list(qs, ordering="DESC")
        if not date_list:
            qs = qs.none()
        return (date_list, qs, {})


class ArchiveIndexView(MultipleObjectTemplateResponseMixin, BaseArchiveIndexView):
    """Top-level archive page: ``<app>/<model>_archive.html``."""

    template_name_suffix = "_archive"


class BaseYearArchiveView(YearMixin, BaseDateListView):
    """A year's months with objects; the objects themselves if ``make_object_list``."""

    date_list_period = "month"
    make_object_list = False

    def get_dated_items(self):
        year = self.get_year()
        date_field = self.get_date_field()
        date = _date_from_string(year, self.get_year_format())
        since = self._make_date_lookup_arg(date)
        until = self._make_date_lookup_arg(self._get_next_year(date))
        qs = self.get_dated_queryset(**{f"{date_field}__gte": since,
                                        f"{date_field}__lt": until})
        date_list = self.get_date_list(qs)
        if not self.get_make_object_list():
            # The year page lists months; don't fetch every object of the year.
            qs = qs.none()
        return (date_list, qs, {
            "year": date,
            "next_year": self.get_next_year(date),
            "previous_year": self.get_previous_year(date),
        })

    def get_make_object_list(self) -> bool:
        return self.make_object_list


class YearArchiveView(MultipleObjectTemplateResponseMixin, BaseYearArchiveView):
    """``<app>/<model>_archive_year.html``."""

    template_name_suffix = "_archive_year"


class BaseMonthArchiveView(YearMixin, MonthMixin, BaseDateListView):
    """A month's objects, and the days that have some."""

    date_list_period = "day"

    def get_dated_items(self):
        year = self.get_year()
        month = self.get_month()
        date_field = self.get_date_field()
        date = _date_from_string(year, self.get_year_format(), month, self.get_month_format())
        since = self._make_date_lookup_arg(date)
        until = self._make_date_lookup_arg(self._get_next_month(date))
        qs = self.get_dated_queryset(**{f"{date_field}__gte": since,
                                        f"{date_field}__lt": until})
        date_list = self.get_date_list(qs)
        return (date_list, qs, {
            "month": date,
            "next_month": self.get_next_month(date),
            "previous_month": self.get_previous_month(date),
        })


class MonthArchiveView(MultipleObjectTemplateResponseMixin, BaseMonthArchiveView):
    """``<app>/<model>_archive_month.html``."""

    template_name_suffix = "_archive_month"


_WEEK_STARTS = {"%W": "1", "%U": "0", "%V": "1"}


class BaseWeekArchiveView(YearMixin, WeekMixin, BaseDateListView):
    """A week's objects."""

    def get_dated_items(self):
        year = self.get_year()
        week = self.get_week()
        date_field = self.get_date_field()
        week_format = self.get_week_format()
        try:
            week_start = _WEEK_STARTS[week_format]
        except KeyError:
            raise ValueError(
                f"Unknown week format {week_format!r}. Choices are: "
                + ", ".join(sorted(_WEEK_STARTS))
            )
        year_format = self.get_year_format()
        if week_format == "%V" and year_format != "%G":
            raise ValueError(
                f"ISO week directive '{week_format}' is incompatible with the year directive "
                f"'{year_format}'. Use the ISO year '%G' instead."
            )
        date = _date_from_string(year, year_format, week_start, "%w", week, week_format)
        since = self._make_date_lookup_arg(date)
        until = self._make_date_lookup_arg(self._get_next_week(date))
        qs = self.get_dated_queryset(**{f"{date_field}__gte": since,
                                        f"{date_field}__lt": until})
        return (None, qs, {
            "week": date,
            "next_week": self.get_next_week(date),
            "previous_week": self.get_previous_week(date),
        })


class WeekArchiveView(MultipleObjectTemplateResponseMixin, BaseWeekArchiveView):
    """``<app>/<model>_archive_week.html``."""

    template_name_suffix = "_archive_week"


class BaseDayArchiveView(YearMixin, MonthMixin, DayMixin, BaseDateListView):
    """A day's objects."""

    def get_dated_items(self):
        year = self.get_year()
        month = self.get_month()
        day = self.get_day()
        date = _date_from_string(year, self.get_year_format(), month, self.get_month_format(),
                                 day, self.get_day_format())
        return self._get_dated_items(date)

    def _get_dated_items(self, date):
        qs = self.get_dated_queryset(**self._make_single_date_lookup(date))
        return (None, qs, {
            "day": date,
            "previous_day": self.get_previous_day(date),
            "next_day": self.get_next_day(date),
            "previous_month": self.get_previous_month(date),
            "next_month": self.get_next_month(date),
        })


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
        year = self.get_year()
        month = self.get_month()
        day = self.get_day()
        date = _date_from_string(year, self.get_year_format(), month, self.get_month_format(),
                                 day, self.get_day_format())
        qs = self.get_queryset() if queryset is None else queryset
        if not self.get_allow_future() and date > datetime.date.today():
            raise Http404(
                _("Future %(verbose_name_plural)s not available because "
                  "%(class_name)s.allow_future is False.")
                % {"verbose_name_plural": qs.model._meta.verbose_name_plural,
                   "class_name": self.__class__.__name__}
            )
        qs = qs.filter(**self._make_single_date_lookup(date))
        return super().get_object(queryset=qs)


class DateDetailView(SingleObjectTemplateResponseMixin, BaseDateDetailView):
    """``<app>/<model>_detail.html``."""

    template_name_suffix = "_detail"


def _date_from_string(year, year_format, month="", month_format="", day="", day_format="",
                      delim="__"):
    """Parse the URL's date parts together; a date that does not parse is a 404."""
    format_ = year_format + delim + month_format + delim + day_format
    datestr = str(year) + delim + str(month) + delim + str(day)
    try:
        return datetime.datetime.strptime(datestr, format_).date()
    except ValueError:
        raise Http404(
            _("Invalid date string “%(datestr)s” given format “%(format)s”")
            % {"datestr": datestr, "format": format_}
        )


def _get_next_prev(view, date, is_previous: bool, period: str):
    """The first day of the next (or previous) period, or None if there is none to show.

    With ``allow_empty`` that is simply the adjacent period (None if it is in the future
    and the future is not allowed). Otherwise it is the period of the nearest object
    before (or after) this period, found with one query.
    """
    date_field = view.get_date_field()
    allow_empty = view.get_allow_empty()
    allow_future = view.get_allow_future()
    get_current = getattr(view, f"_get_current_{period}")
    get_next = getattr(view, f"_get_next_{period}")
    start, end = get_current(date), get_next(date)

    if allow_empty:
        if is_previous:
            result = get_current(start - datetime.timedelta(days=1))
        else:
            result = end
        if allow_future or result <= timezone_today():
            return result
        return None

    if is_previous:
        lookup = {f"{date_field}__lt": view._make_date_lookup_arg(start)}
        ordering = f"-{date_field}"
    else:
        lookup = {f"{date_field}__gte": view._make_date_lookup_arg(end)}
        ordering = date_field
    if not allow_future:
        now = timezone.now() if view.uses_datetime_field else timezone_today()
        lookup[f"{date_field}__lte"] = now
    qs = view.get_queryset().filter(**lookup).order_by(ordering)
    try:
        result = getattr(qs[0], date_field)
    except IndexError:
        return None
    if view.uses_datetime_field:
        if settings.USE_TZ:
            result = timezone.localtime(result)
        result = result.date()
    return get_current(result)


def timezone_today():
    """Today in the current time zone (under USE_TZ), else the system's today."""
    if settings.USE_TZ:
        return timezone.localdate()
    return datetime.date.today()

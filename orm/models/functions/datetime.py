"""Date and time functions: Extract*, Trunc*, Now, and the date transforms of lookups."""

from datetime import datetime

from reinhardt.conf import settings
from reinhardt.orm.models.expressions import Func
from reinhardt.orm.models.fields import (
    DateField,
    DateTimeField,
    DurationField,
    Field,
    IntegerField,
    TimeField,
)
from reinhardt.orm.models.lookups import (
    Transform,
    YearExact,
    YearGt,
    YearGte,
    YearLt,
    YearLte,
)
from reinhardt.utils import timezone


class TimezoneMixin:
    tzinfo = None

    def get_tzname(self):
        """The zone name to compute in: the given tzinfo's, else the current zone's; None
        when USE_TZ is off (values are naive then)."""
        if not settings.USE_TZ:
            return None
        if self.tzinfo is not None:
            return timezone._get_timezone_name(self.tzinfo)
        return timezone.get_current_timezone_name()


_TIME_PARTS = frozenset({"hour", "minute", "second"})
_CALENDAR_PARTS = frozenset({"year", "iso_year", "month", "week", "week_day", "iso_week_day",
                             "quarter"})
_EXTRACTABLE = (DateField, DateTimeField, TimeField, DurationField)


class Extract(TimezoneMixin, Transform):
    """A component (year, month, hour, ...) of a date, time, datetime or duration."""

    lookup_name = None
    output_field = IntegerField()

    def __init__(self, expression, lookup_name=None, tzinfo=None, **extra):
        if self.lookup_name is None:
            if lookup_name is None:
                raise ValueError("lookup_name must be provided")
            self.lookup_name = lookup_name
        self.tzinfo = tzinfo
        super().__init__(expression, **extra)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        source = getattr(resolved.lhs, "output_field", None)
        if source is not None:
            _check_extractable(source, resolved.lookup_name)
        return resolved


def _check_extractable(source, part: str) -> None:
    """Refuse components the source type does not have (an hour of a date is a mistake,
    not zero)."""
    if not isinstance(source, _EXTRACTABLE):
        raise ValueError(
            "Extract input expression must be DateField, DateTimeField, TimeField, or "
            "DurationField."
        )
    if type(source) is DateField and part in _TIME_PARTS:
        raise ValueError(f"Cannot extract time component '{part}' from DateField '{source.name}'.")
    if isinstance(source, DurationField) and part in _CALENDAR_PARTS:
        raise ValueError(f"Cannot extract component '{part}' from DurationField '{source.name}'.")


class ExtractYear(Extract):
    lookup_name = "year"


class ExtractIsoYear(Extract):
    """The ISO-8601 week-numbering year."""

    lookup_name = "iso_year"


class ExtractMonth(Extract):
    lookup_name = "month"


class ExtractDay(Extract):
    lookup_name = "day"


class ExtractWeek(Extract):
    """The ISO-8601 week number: weeks start on Monday; week 1 holds the first Thursday."""

    lookup_name = "week"


class ExtractWeekDay(Extract):
    """Day of the week, 1 (Sunday) to 7 (Saturday)."""

    lookup_name = "week_day"


class ExtractIsoWeekDay(Extract):
    """Day of the week, 1 (Monday) to 7 (Sunday)."""

    lookup_name = "iso_week_day"


class ExtractQuarter(Extract):
    lookup_name = "quarter"


class ExtractHour(Extract):
    lookup_name = "hour"


class ExtractMinute(Extract):
    lookup_name = "minute"


class ExtractSecond(Extract):
    lookup_name = "second"


# field__year=2020, field__hour=3, field__year__gt=2020, ...
for _owner, _transforms in (
    (DateField, (ExtractYear, ExtractMonth, ExtractDay, ExtractWeekDay, ExtractIsoWeekDay,
                 ExtractWeek, ExtractIsoYear, ExtractQuarter)),
    (TimeField, (ExtractHour, ExtractMinute, ExtractSecond)),
    (DateTimeField, (ExtractHour, ExtractMinute, ExtractSecond)),
    # Year comparisons become ranges on the column itself, which can use an index.
    (ExtractYear, (YearExact, YearGt, YearGte, YearLt, YearLte)),
    (ExtractIsoYear, (YearExact, YearGt, YearGte, YearLt, YearLte)),
):
    for _transform in _transforms:
        _owner.register_lookup(_transform)


class Now(Func):
    """The current date and time (of the transaction, on databases that have one)."""

    template = "CURRENT_TIMESTAMP"
    output_field = DateTimeField()


class TruncBase(TimezoneMixin, Transform):
    kind = None
    tzinfo = None

    def __init__(self, expression, output_field=None, tzinfo=None, **extra):
        self.tzinfo = tzinfo
        super().__init__(expression, output_field=output_field, **extra)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        source = resolved.lhs.output_field
        if not isinstance(source, (DateField, TimeField)):  # DateTimeField is a DateField
            raise TypeError(f"{source.name!r} isn't a DateField, TimeField, or DateTimeField.")
        # Reading output_field infers it from the source when it was not given.
        if not isinstance(resolved.output_field, (DateField, DateTimeField, TimeField)):
            raise ValueError("output_field must be either DateField, TimeField, or DateTimeField")
        self._check_truncatable(source, resolved)
        return resolved

    def _check_truncatable(self, source, resolved) -> None:
        """Refuse truncating a date to a time unit or a time to a date unit (or either to
        a datetime): the result would be made up."""
        declared = type(self).output_field
        declared = declared if isinstance(declared, Field) else None
        target = declared or resolved.output_field
        if type(source) is DateField:
            label, wrong_kinds = "DateField", _TIME_KINDS
        elif isinstance(source, TimeField):
            label, wrong_kinds = "TimeField", _DATE_KINDS
        else:
            return
        wrong = isinstance(target, DateTimeField) or resolved.kind in wrong_kinds
        if wrong:
            chosen = declared or type(source) is not type(resolved.output_field)
            shown = type(target).__name__ if chosen else "DateTimeField"
            raise ValueError(f"Cannot truncate {label} '{source.name}' to {shown}.")

    def convert_value(self, value, expression, connection):
        output_field = self.output_field
        if isinstance(output_field, DateTimeField):
            if settings.USE_TZ and value is not None:
                # The database answered in the zone it computed in; say which.
                zone = self.tzinfo or timezone.get_current_timezone()
                value = timezone.make_aware(value.replace(tzinfo=None), zone)
        elif value and isinstance(value, datetime):
            if isinstance(output_field, DateField):
                value = value.date()
            elif isinstance(output_field, TimeField):
                value = value.time()
        return value


_TIME_KINDS = frozenset({"hour", "minute", "second", "time"})
_DATE_KINDS = frozenset({"year", "quarter", "month", "week", "day", "date"})


class Trunc(TruncBase):
    """Truncate to ``kind`` ('year', 'quarter', 'month', 'week', 'day', 'hour', ...)."""

    def __init__(self, expression, kind, output_field=None, tzinfo=None, **extra):
        self.kind = kind
        super().__init__(expression, output_field=output_field, tzinfo=tzinfo, **extra)


class TruncYear(TruncBase):
    kind = "year"


class TruncQuarter(TruncBase):
    kind = "quarter"


class TruncMonth(TruncBase):
    kind = "month"


class TruncWeek(TruncBase):
    """The week a value falls in, as its Monday at 00:00 (ISO weeks)."""

    kind = "week"


class TruncDay(TruncBase):
    kind = "day"


class TruncDate(TruncBase):
    kind = "date"
    lookup_name = "date"
    output_field = DateField()


class TruncTime(TruncBase):
    kind = "time"
    lookup_name = "time"
    output_field = TimeField()


class TruncHour(TruncBase):
    kind = "hour"


class TruncMinute(TruncBase):
    kind = "minute"


class TruncSecond(TruncBase):
    kind = "second"


DateTimeField.register_lookup(TruncDate)
DateTimeField.register_lookup(TruncTime)

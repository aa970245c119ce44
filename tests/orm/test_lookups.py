"""Field lookups, with Django's semantics on every backend."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from reinhardt.core.exceptions import FieldError
from reinhardt.utils import timezone
from tests.orm.capabilities import needs
from tests.orm.models import AllTypes, Author, Event


@pytest.fixture
def names():
    for name in ["Ann", "ann", "Anna", "Bob", "100% sure", "under_score", "back\\slash",
                 "Ébène", "ébène", "straße", "[glob*?]"]:
        Author.objects.create(name=name)


def matching(**lookup):
    return sorted(Author.objects.filter(**lookup).values_list("name", flat=True))


@needs("supports_case_insensitive_prefix_lookups")
def test_exact_and_iexact(names):
    assert matching(name="Ann") == ["Ann"]
    assert matching(name__iexact="ANN") == ["Ann", "ann"]


@needs("supports_case_insensitive_lookups")
def test_case_insensitive_lookups_fold_non_ascii(names):
    assert matching(name__iexact="ÉBÈNE") == ["Ébène", "ébène"]
    assert matching(name__icontains="bèn") == ["Ébène", "ébène"]
    assert matching(name__istartswith="é") == ["Ébène", "ébène"]
    assert matching(name__iendswith="BÈNE") == ["Ébène", "ébène"]


@needs("supports_like_lookups")
def test_pattern_lookups_are_case_sensitive(names):
    assert matching(name__contains="nn") == ["Ann", "Anna", "ann"]
    assert matching(name__startswith="A") == ["Ann", "Anna"]
    assert matching(name__endswith="n") == ["Ann", "ann"]


@needs("supports_like_lookups")
def test_wildcards_in_values_match_literally(names):
    assert matching(name__contains="%") == ["100% sure"]
    assert matching(name__contains="_") == ["under_score"]
    assert matching(name__contains="\\") == ["back\\slash"]
    assert matching(name__startswith="[glob") == ["[glob*?]"]
    assert matching(name__contains="*?") == ["[glob*?]"]
    assert matching(name__icontains="%") == ["100% sure"]
    assert matching(name__icontains="_s") == ["under_score"]


def test_comparisons_and_range():
    for age in (10, 20, 30, None):
        Author.objects.create(name=f"a{age}", age=age)
    assert matching(age__gt=10) == ["a20", "a30"]
    assert matching(age__gte=20) == ["a20", "a30"]
    assert matching(age__lt=20) == ["a10"]
    assert matching(age__lte=20) == ["a10", "a20"]
    assert matching(age__range=(15, 30)) == ["a20", "a30"]
    # Float bounds on an integer column round as Django does.
    assert matching(age__gte=19.5) == ["a20", "a30"]
    assert matching(age__lt=20.5) == ["a10", "a20"]


def test_range_needs_two_values():
    with pytest.raises(ValueError, match="__range lookup needs a list or tuple of two values"):
        Author.objects.filter(age__range=(1,))


@needs("supports_like_lookups", "supports_expression_filters")
def test_pattern_lookups_against_a_column_take_its_wildcards_literally():
    from reinhardt.orm.models import F

    Author.objects.create(name="100%", email="100%")
    Author.objects.create(name="100 and more", email="100%")
    Author.objects.create(name="a_b", email="a_")
    Author.objects.create(name="axb", email="a_")
    assert matching(name__startswith=F("email")) == ["100%", "a_b"]
    assert matching(name__contains=F("email")) == ["100%", "a_b"]
    assert matching(name__istartswith=F("email")) == ["100%", "a_b"]


@needs("supports_or_filters")
def test_in_lookup():
    for age in (1, 2, 3):
        Author.objects.create(name=f"a{age}", age=age)
    assert matching(age__in=[1, 3]) == ["a1", "a3"]
    assert matching(age__in=[]) == []
    assert matching(age__in=[None]) == []
    assert matching(age__in=(x for x in [2])) == ["a2"]


def test_isnull_and_none():
    Author.objects.create(name="null", age=None)
    Author.objects.create(name="set", age=5)
    assert matching(age__isnull=True) == ["null"]
    assert matching(age__isnull=False) == ["set"]
    assert matching(age=None) == ["null"]
    with pytest.raises(ValueError, match="Cannot use None as a query value"):
        Author.objects.filter(age__gt=None)
    with pytest.raises(ValueError, match="isnull lookup must be True or False"):
        Author.objects.filter(age__isnull="yes")


@needs("supports_negated_filters")
def test_exclude_keeps_nulls():
    Author.objects.create(name="null", age=None)
    Author.objects.create(name="one", age=1)
    Author.objects.create(name="two", age=2)
    assert sorted(Author.objects.exclude(age=1).values_list("name", flat=True)) == ["null", "two"]
    assert sorted(Author.objects.exclude(age__gt=1).values_list("name", flat=True)) == [
        "null", "one",
    ]


@needs("supports_regex_lookups")
def test_regex_lookups(names):
    assert matching(name__regex=r"^A.n$") == ["Ann"]
    assert matching(name__iregex=r"^a.n$") == ["Ann", "ann"]


def test_integer_overflow_in_filters_matches_nothing_or_everything():
    Author.objects.create(name="x", age=5)
    assert matching(age=2**70) == []
    assert matching(age__lt=2**70) == ["x"]
    assert matching(age__gt=-(2**70)) == ["x"]


def test_unknown_field_names_the_choices():
    with pytest.raises(FieldError, match="Cannot resolve keyword 'nmae' into field") as excinfo:
        Author.objects.filter(nmae="x")
    assert "name" in str(excinfo.value)


def test_unknown_lookup_suggests():
    with pytest.raises(FieldError, match="Unsupported lookup 'containz' for CharField"):
        Author.objects.filter(name__containz="x")


@pytest.fixture
def events():
    tz = ZoneInfo("America/Chicago")
    rows = [
        ("new-year-utc", datetime.datetime(2021, 1, 1, 3, 0, tzinfo=datetime.UTC)),
        ("summer", datetime.datetime(2021, 7, 15, 13, 45, 30, tzinfo=tz)),
        ("sunday", datetime.datetime(2022, 3, 6, 23, 59, 59, tzinfo=tz)),
    ]
    for name, when in rows:
        Event.objects.create(name=name, when=when, day=when.astimezone(tz).date(),
                             at=when.astimezone(tz).time().replace(tzinfo=None))


def event_names(**lookup):
    return sorted(Event.objects.filter(**lookup).values_list("name", flat=True))


@needs("supports_date_lookups")
def test_datetime_transforms_use_the_current_time_zone(events):
    # 2021-01-01 03:00 UTC is still 2020-12-31 in Chicago.
    assert event_names(when__year=2020) == ["new-year-utc"]
    assert event_names(when__year=2021) == ["summer"]
    assert event_names(when__month=7) == ["summer"]
    assert event_names(when__day=15) == ["summer"]
    assert event_names(when__hour=13) == ["summer"]
    assert event_names(when__minute=45) == ["summer"]
    assert event_names(when__second=30) == ["summer"]
    assert event_names(when__date=datetime.date(2020, 12, 31)) == ["new-year-utc"]
    # week_day: 1 = Sunday ... 7 = Saturday
    assert event_names(when__week_day=1) == ["sunday"]
    assert event_names(when__year__gte=2021) == ["summer", "sunday"]
    with timezone.override("UTC"):
        assert event_names(when__year=2021) == ["new-year-utc", "summer"]


@needs("supports_date_lookups")
def test_date_and_time_field_transforms(events):
    assert event_names(day__year=2022) == ["sunday"]
    assert event_names(day__month=12) == ["new-year-utc"]
    assert event_names(day__week_day=1) == ["sunday"]
    assert event_names(at__hour=13) == ["summer"]
    assert event_names(at__minute=59) == ["sunday"]


def test_uuid_exact():
    import uuid

    value = uuid.uuid4()
    AllTypes.objects.create(uuid=value)
    assert AllTypes.objects.filter(uuid=value).count() == 1
    assert AllTypes.objects.filter(uuid=str(value)).count() == 1


def test_json_exact():
    AllTypes.objects.create(json={"k": [1]})
    assert AllTypes.objects.filter(json={"k": [1]}).count() == 1

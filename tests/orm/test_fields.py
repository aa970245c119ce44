"""Every field type keeps its value through a save and a fetch."""

import datetime
import decimal
import uuid
from zoneinfo import ZoneInfo

import pytest

from reinhardt.core.exceptions import ValidationError
from reinhardt.utils import timezone
from tests.orm.models import AllTypes, Event


def roundtrip(**values):
    obj = AllTypes.objects.create(**values)
    return AllTypes.objects.get(pk=obj.pk)


@pytest.mark.parametrize(
    "field, value",
    [
        ("char", "héllo wörld ✓"),
        ("text", "line1\nline2 ' \" % _ \\"),
        ("integer", -2147483648),
        ("small", 32767),
        ("big", 9223372036854775807),
        ("pos_big", 9223372036854775807),
        ("flt", 1.5e-10),
        ("dec", decimal.Decimal("12345678.1234")),
        ("dec", decimal.Decimal("-0.0001")),
        ("boolean", True),
        ("null_bool", False),
        ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
        ("json", {"a": [1, 2, {"b": None}], "c": "é", "d": 1.5, "e": True}),
        ("json", [1, "two", None]),
        ("json", "just a string"),
        ("binary", b"\x00\x01\xffbinary"),
        ("ip", "192.168.0.1"),
        ("ip", "2001:db8::1"),
        ("duration", datetime.timedelta(days=-1, seconds=5, microseconds=7)),
    ],
)
def test_value_roundtrip(field, value):
    fetched = roundtrip(**{field: value})
    assert getattr(fetched, field) == value
    assert type(getattr(fetched, field)) is type(value)


def test_nulls_roundtrip():
    fetched = roundtrip()
    for name in ("integer", "flt", "dec", "uuid", "json", "binary", "ip", "duration",
                 "null_bool"):
        assert getattr(fetched, name) is None, name


def test_decimal_keeps_its_places():
    fetched = roundtrip(dec=decimal.Decimal("1.1"))
    assert fetched.dec == decimal.Decimal("1.1000")
    assert str(fetched.dec) == "1.1000"


def test_aware_datetimes_roundtrip_in_utc():
    tokyo = datetime.datetime(2021, 6, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Tokyo"))
    event = Event.objects.create(name="e", when=tokyo)
    fetched = Event.objects.get(pk=event.pk)
    assert fetched.when == tokyo
    assert fetched.when.utcoffset() == datetime.timedelta(0)


def test_naive_datetime_warns_and_is_taken_as_default_time_zone():
    naive = datetime.datetime(2021, 1, 1, 12, 0)
    with pytest.warns(RuntimeWarning, match="received a naive datetime"):
        event = Event.objects.create(name="n", when=naive)
    fetched = Event.objects.get(pk=event.pk)
    assert fetched.when == naive.replace(tzinfo=ZoneInfo("America/Chicago"))


def test_date_time_and_duration_roundtrip():
    event = Event.objects.create(
        name="dt", day=datetime.date(1999, 12, 31), at=datetime.time(23, 59, 58, 5),
        duration=datetime.timedelta(hours=25, microseconds=1),
    )
    fetched = Event.objects.get(pk=event.pk)
    assert fetched.day == datetime.date(1999, 12, 31)
    assert fetched.at == datetime.time(23, 59, 58, 5)
    assert fetched.duration == datetime.timedelta(hours=25, microseconds=1)


def test_auto_now_and_auto_now_add():
    before = timezone.now()
    event = Event.objects.create(name="a")
    assert before <= event.created <= timezone.now()
    first_updated = event.updated
    event.name = "b"
    event.save()
    assert event.updated >= first_updated
    fetched = Event.objects.get(pk=event.pk)
    assert fetched.created == event.created


def test_integer_field_rejects_text_with_a_clear_message():
    with pytest.raises(ValueError, match="Field 'integer' expected a number but got 'abc'"):
        AllTypes.objects.filter(integer="abc")


def test_full_clean_validates_field_values():
    obj = AllTypes(email="not-an-email", url="nope", slug="bad slug", pos=-1)
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    errors = excinfo.value.message_dict
    assert errors["email"] == ["Enter a valid email address."]
    assert errors["url"] == ["Enter a valid URL."]
    assert "slug" in errors
    assert errors["pos"] == ["Ensure this value is greater than or equal to 0."]


def test_json_null_versus_sql_null():
    from reinhardt.orm.models import JSONField, Value

    sql_null = AllTypes.objects.create(json=None)
    json_null = AllTypes.objects.create(json=Value(None, JSONField()))
    assert AllTypes.objects.get(pk=sql_null.pk).json is None
    assert AllTypes.objects.filter(json__isnull=True).count() == 1
    assert AllTypes.objects.filter(pk=json_null.pk, json__isnull=False).count() == 1

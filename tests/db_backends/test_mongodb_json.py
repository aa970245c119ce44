"""MongoDB only: how JSONField values are stored (BSON, sorted keys, JSON null apart from SQL
NULL) and the query cases the shared JSON tests do not reach."""

import pytest
from bson import Decimal128

from reinhardt.orm import NotSupportedError, connection
from reinhardt.orm.models import Value
from tests.orm.models import JSONDoc

pytestmark = pytest.mark.skipif(
    connection.vendor != "mongodb",
    reason="MongoDB-specific (run with REINHARDT_TEST_BACKEND=mongodb)",
)


def raw_data(obj):
    doc = connection.collection(JSONDoc._meta.db_table).find_one(
        {"_id": obj.pk}, **connection.session_kwargs())
    return doc.get("data", "<missing>")


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def make(**rows):
    return {name: JSONDoc.objects.create(name=name, data=data) for name, data in rows.items()}


def test_values_are_stored_as_bson_with_sorted_keys():
    from reinhardt.backends.mongodb.json import JSON_NULL

    objs = make(a={"b": 1, "a": [1, {"z": 2, "y": None}]}, s="12", n=None)
    stored = raw_data(objs["a"])
    assert stored == {"a": [1, {"y": None, "z": 2}], "b": 1}
    assert list(stored) == ["a", "b"] and list(stored["a"][1]) == ["y", "z"]
    assert raw_data(objs["s"]) == "12"  # a string, not JSON text
    assert raw_data(objs["n"]) is None  # SQL NULL
    null = JSONDoc.objects.create(name="j", data=Value(None, JSONDoc._meta.get_field("data")))
    assert raw_data(null) == JSON_NULL
    assert JSONDoc.objects.get(name="s").data == "12"
    assert JSONDoc.objects.get(name="j").data is None


def test_key_order_does_not_matter_for_exact():
    make(a={"x": 1, "y": {"q": 1, "p": 2}})
    assert names(JSONDoc.objects.filter(data={"y": {"p": 2, "q": 1}, "x": 1})) == ["a"]
    assert names(JSONDoc.objects.filter(data__y={"p": 2, "q": 1})) == ["a"]


def test_integers_beyond_64_bits_round_trip():
    big = 2**70
    obj = JSONDoc.objects.create(name="big", data={"n": big, "m": [-(2**64)]})
    assert isinstance(raw_data(obj)["n"], Decimal128)
    assert JSONDoc.objects.get(name="big").data == {"n": big, "m": [-(2**64)]}
    with pytest.raises(ValueError, match="34 digits"):
        JSONDoc.objects.create(name="huge", data=10**40)


def test_keys_with_dots_dollars_and_digits():
    make(a={"x.y": 1, "$z": 2, "0": "zero"}, b=["zero"])
    assert names(JSONDoc.objects.filter(**{"data__x.y": 1})) == ["a"]
    assert names(JSONDoc.objects.filter(data__has_key="$z")) == ["a"]
    # An integer step is an array index; has_key reads object keys only.
    assert names(JSONDoc.objects.filter(data__0="zero")) == ["b"]
    assert names(JSONDoc.objects.filter(data__has_key="0")) == ["a"]


def test_negative_index_and_out_of_range():
    make(a=[1, 2, 3], b=[1])
    assert names(JSONDoc.objects.filter(data__2=3)) == ["a"]
    assert names(JSONDoc.objects.filter(data__2__isnull=True)) == ["b"]
    assert names(JSONDoc.objects.filter(data__5__isnull=False)) == []


def test_key_comparisons_compare_values_of_one_kind():
    # The SQL backends disagree across kinds (PostgreSQL orders jsonb kinds, SQLite compares
    # SQL values); MongoDB compares numbers with numbers and strings with strings only.
    make(n={"v": 5}, s={"v": "5"}, t={"v": True}, z={"v": None}, o={"v": {"w": 1}})
    assert names(JSONDoc.objects.filter(data__v__gt=1)) == ["n"]
    assert names(JSONDoc.objects.filter(data__v__gte="0")) == ["s"]
    assert names(JSONDoc.objects.filter(data__v__lt=10)) == ["n"]
    assert names(JSONDoc.objects.filter(data__v=1)) == []  # True is not 1
    assert names(JSONDoc.objects.filter(data__v=True)) == ["t"]
    assert names(JSONDoc.objects.filter(data__v__range=(4, 6))) == ["n"]
    assert names(JSONDoc.objects.filter(data__v__in=["5", 7])) == ["s"]


def test_exclude_keeps_three_valued_logic():
    make(a={"k": 1}, b={"k": 2}, c={"other": 1}, d={"k": None}, n=None)
    # b differs; c and d have no value under k (unknown), n is SQL NULL (kept, as in SQL).
    # (As on SQLite; PostgreSQL keeps d too, its JSON null being a value that differs from 1.)
    assert names(JSONDoc.objects.exclude(data__k=1)) == ["b", "n"]
    assert names(JSONDoc.objects.exclude(data__k__gt=1)) == ["a", "n"]
    assert names(JSONDoc.objects.exclude(data__k__isnull=True)) == ["a", "b", "d"]
    # k=None means "k holds JSON null": unknown where k is missing (as on SQLite).
    assert names(JSONDoc.objects.exclude(data__k=None)) == ["a", "b"]


def test_contains_and_contained_by_follow_jsonb():
    make(a={"t": [1, 2, [3, 4]], "o": {"p": 1, "q": 2}}, b=["x", "y"], c="x", d={"t": []})
    assert names(JSONDoc.objects.filter(data__contains={"t": [[4]]})) == ["a"]
    assert names(JSONDoc.objects.filter(data__contains={"t": []})) == ["a", "d"]
    assert names(JSONDoc.objects.filter(data__contains={"o": {"q": 2}})) == ["a"]
    assert names(JSONDoc.objects.filter(data__contains="x")) == ["b", "c"]
    assert names(JSONDoc.objects.filter(data__contains=["y"])) == ["b"]
    assert names(JSONDoc.objects.filter(data__contained_by=["x", "y", "z"])) == ["b", "c"]
    assert names(JSONDoc.objects.filter(
        data__contained_by={"t": [1, 2, 3, [4, 3]], "o": {"p": 1, "q": 2, "r": 3}})) == ["a", "d"]
    assert names(JSONDoc.objects.filter(data__t__contained_by=[1, 2])) == ["d"]


def test_contains_needs_a_literal_value():
    from reinhardt.orm.models import F

    make(a={"x": 1})
    with pytest.raises(NotSupportedError, match="literal JSON value"):
        list(JSONDoc.objects.filter(data__contains=F("data")))


def test_icontains_on_the_whole_value_is_refused_by_flag():
    with pytest.raises(NotSupportedError) as excinfo:
        list(JSONDoc.objects.filter(data__icontains="x"))
    assert excinfo.value.flag == "supports_json_field_text_search"


def test_update_writes_bson_and_key_text_of_scalars():
    from reinhardt.orm.models.fields.json import KT

    make(a={"x": 1})
    JSONDoc.objects.filter(name="a").update(data={"$set": {"a.b": [1]}, "n": 2.5, "f": False})
    assert JSONDoc.objects.get(name="a").data == {"$set": {"a.b": [1]}, "n": 2.5, "f": False}
    row = JSONDoc.objects.annotate(n=KT("data__n"), f=KT("data__f")).values_list("n", "f")[0]
    assert row == ("2.5", "false")

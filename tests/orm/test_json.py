"""JSONField queries: key, index and path transforms, has_key(s)/has_any_keys, JSON null versus
SQL NULL, KeyTextTransform/KT, text and numeric lookups on keys, contains/contained_by where
the backend supports them."""

import pytest

from reinhardt.orm import connection
from reinhardt.orm.models import Count, F, Q, Value
from reinhardt.orm.models.fields.json import KT, KeyTextTransform, KeyTransform
from tests.orm.capabilities import needs
from tests.orm.models import JSONDoc

pytestmark = pytest.mark.usefixtures("docs")


@pytest.fixture
def docs():
    rows = {
        "a": {"breed": "collie", "owner": {"name": "Bob", "age": 40}, "n": 1, "tags": ["x", "y"],
              "flag": True},
        "b": {"breed": "labrador", "owner": {"name": "Ann", "age": 25}, "n": 2.5, "tags": ["y"],
              "flag": False, "owner_none": None},
        "c": {"breed": "Collie", "owner": None, "n": 10, "tags": [], "num_str": "12"},
        "d": [1, 2, {"k": "v"}],
        "e": "just a string",
        "f": {},
    }
    for name, data in rows.items():
        JSONDoc.objects.create(name=name, data=data)
    JSONDoc.objects.create(name="sqlnull", data=None)
    JSONDoc.objects.create(name="jsonnull", data=Value(None, JSONDoc._meta.get_field("data")))


def names(qs):
    return list(qs.values_list("name", flat=True))


def test_round_trip(docs):
    assert JSONDoc.objects.get(name="a").data["owner"] == {"name": "Bob", "age": 40}
    assert JSONDoc.objects.get(name="d").data == [1, 2, {"k": "v"}]
    assert JSONDoc.objects.get(name="e").data == "just a string"
    assert JSONDoc.objects.get(name="sqlnull").data is None
    assert JSONDoc.objects.get(name="jsonnull").data is None


@needs("supports_json_field")
def test_key_exact(docs):
    assert names(JSONDoc.objects.filter(data__breed="collie")) == ["a"]
    assert names(JSONDoc.objects.filter(data__n=1)) == ["a"]
    assert names(JSONDoc.objects.filter(data__n=2.5)) == ["b"]
    assert names(JSONDoc.objects.filter(data__flag=True)) == ["a"]
    assert names(JSONDoc.objects.filter(data__flag=False)) == ["b"]
    assert names(JSONDoc.objects.filter(data__num_str="12")) == ["c"]
    assert names(JSONDoc.objects.filter(data__num_str=12)) == []
    assert names(JSONDoc.objects.filter(data__tags=["x", "y"])) == ["a"]
    assert names(JSONDoc.objects.filter(data__owner={"name": "Ann", "age": 25})) == ["b"]


@needs("supports_json_field")
def test_nested_path_and_index(docs):
    assert names(JSONDoc.objects.filter(data__owner__name="Bob")) == ["a"]
    assert names(JSONDoc.objects.filter(data__owner__age__gte=30)) == ["a"]
    assert names(JSONDoc.objects.filter(data__tags__0="y")) == ["b"]
    assert names(JSONDoc.objects.filter(data__tags__1="y")) == ["a"]
    assert names(JSONDoc.objects.filter(data__0=1)) == ["d"]
    assert names(JSONDoc.objects.filter(data__2__k="v")) == ["d"]


@needs("supports_json_field")
def test_json_null_versus_missing_key_versus_sql_null(docs):
    # key=None matches a JSON null stored under the key; isnull=True matches a missing key.
    assert names(JSONDoc.objects.filter(data__owner=None)) == ["c"]
    assert names(JSONDoc.objects.filter(data__owner_none=None)) == ["b"]
    assert names(JSONDoc.objects.filter(data__owner__isnull=True)) == [
        "d", "e", "f", "jsonnull", "sqlnull"]
    assert names(JSONDoc.objects.filter(data__owner__isnull=False)) == ["a", "b", "c"]
    # At the top level, data=None is JSON null and data__isnull=True is SQL NULL.
    assert names(JSONDoc.objects.filter(data=None)) == ["jsonnull"]
    assert names(JSONDoc.objects.filter(data__isnull=True)) == ["sqlnull"]


@needs("supports_json_field")
def test_has_key_has_keys_has_any_keys(docs):
    assert names(JSONDoc.objects.filter(data__has_key="owner")) == ["a", "b", "c"]
    assert names(JSONDoc.objects.filter(data__has_keys=["owner", "flag"])) == ["a", "b"]
    assert names(JSONDoc.objects.filter(data__has_any_keys=["num_str", "owner_none"])) == [
        "b", "c"]
    assert names(JSONDoc.objects.filter(data__owner__has_key="age")) == ["a", "b"]
    assert names(JSONDoc.objects.filter(data__has_any_keys=[])) == []
    assert names(JSONDoc.objects.exclude(data__has_key="owner")) == [
        "d", "e", "f", "jsonnull", "sqlnull"]


@needs("supports_json_field")
def test_text_lookups_on_keys(docs):
    assert names(JSONDoc.objects.filter(data__breed__iexact="COLLIE")) == ["a", "c"]
    assert names(JSONDoc.objects.filter(data__breed__icontains="LAB")) == ["b"]
    # Case-sensitive (Django's SQLite backend matches "Collie" too: its LIKE ignores case).
    assert names(JSONDoc.objects.filter(data__breed__startswith="col")) == ["a"]
    assert names(JSONDoc.objects.filter(data__breed__istartswith="col")) == ["a", "c"]
    assert names(JSONDoc.objects.filter(data__breed__endswith="ie")) == ["a", "c"]
    assert names(JSONDoc.objects.filter(data__owner__name__regex=r"^A")) == ["b"]


@needs("supports_json_field")
def test_numeric_lookups_and_in_on_keys(docs):
    assert names(JSONDoc.objects.filter(data__n__gt=2)) == ["b", "c"]
    # A JSON null is no number (Django's SQLite backend compares the text 'null' here).
    JSONDoc.objects.create(name="nulln", data={"n": None})
    assert names(JSONDoc.objects.filter(data__n__gte=1)) == ["a", "b", "c"]
    assert names(JSONDoc.objects.filter(data__n__lte=2.5)) == ["a", "b"]
    assert names(JSONDoc.objects.filter(data__n__in=[1, 10])) == ["a", "c"]
    assert names(JSONDoc.objects.filter(data__breed__in=["collie", "labrador"])) == ["a", "b"]


@needs("supports_json_field")
def test_values_of_keys_keep_json_types(docs):
    rows = list(JSONDoc.objects.filter(name__in=["a", "b", "c"]).values_list(
        "data__breed", "data__n", "data__owner", "data__flag", "data__tags", "data__missing"))
    assert rows == [
        ("collie", 1, {"name": "Bob", "age": 40}, True, ["x", "y"], None),
        ("labrador", 2.5, {"name": "Ann", "age": 25}, False, ["y"], None),
        ("Collie", 10, None, None, [], None),
    ]
    # A string that looks like a number stays a string (Django's SQLite backend gives 12).
    assert JSONDoc.objects.filter(name="c").values_list("data__num_str", flat=True)[0] == "12"
    # Booleans come back as booleans, also deep inside arrays (not as 1/0).
    flags = list(JSONDoc.objects.filter(name__in=["a", "b"]).values_list("data__flag", flat=True))
    assert flags == [True, False] and all(type(flag) is bool for flag in flags)
    JSONDoc.objects.create(name="deep", data={"o": {"p": [1, {"q": True}]}})
    deep = JSONDoc.objects.filter(name="deep").values_list("data__o__p__1__q", flat=True)[0]
    assert deep is True


@needs("supports_json_field")
def test_key_transforms_in_annotations_ordering_and_grouping(docs):
    qs = JSONDoc.objects.filter(data__has_key="n").annotate(owner=F("data__owner__name"))
    assert list(qs.values_list("name", "owner")) == [("a", "Bob"), ("b", "Ann"), ("c", None)]
    assert names(JSONDoc.objects.filter(data__has_key="n").order_by("-data__n")) == [
        "c", "b", "a"]
    # c's owner is null: where NULLs sort depends on the database (nulls_order_largest).
    ordered = names(JSONDoc.objects.filter(data__has_key="owner").order_by(
        KeyTransform("age", KeyTransform("owner", "data"))))
    assert ordered == (["b", "a", "c"] if connection.features.nulls_order_largest
                       else ["c", "b", "a"])
    rows = (JSONDoc.objects.filter(data__has_key="tags").values("data__tags__0")
            .annotate(n=Count("id")).order_by(F("data__tags__0").asc(nulls_first=True)))
    assert [(r["data__tags__0"], r["n"]) for r in rows] == [(None, 1), ("x", 1), ("y", 1)]


@needs("supports_json_field")
def test_key_text_transform(docs):
    qs = JSONDoc.objects.annotate(
        breed=KT("data__breed"), owner_name=KT("data__owner__name"), first_tag=KT("data__tags__0"),
    ).filter(breed__isnull=False)
    assert list(qs.values_list("breed", "owner_name", "first_tag")) == [
        ("collie", "Bob", "x"), ("labrador", "Ann", "y"), ("Collie", None, None)]
    assert names(JSONDoc.objects.annotate(b=KeyTextTransform("breed", "data")).filter(
        b__contains="olli")) == ["a", "c"]
    with pytest.raises(ValueError, match="Lookup must contain key or index transforms"):
        KT("data")


@needs("supports_json_field")
def test_exclude_key_exact(docs):
    # As in Django: SQL's three-valued logic drops documents without the key, while a SQL
    # NULL column is kept (exclude() adds "OR data IS NULL" for a nullable column).
    assert names(JSONDoc.objects.exclude(data__breed="collie")) == ["b", "c", "sqlnull"]


def test_top_level_exact_and_icontains(docs):
    assert names(JSONDoc.objects.filter(data={})) == ["f"]
    assert names(JSONDoc.objects.filter(data=[1, 2, {"k": "v"}])) == ["d"]
    assert names(JSONDoc.objects.filter(data="just a string")) == ["e"]


@needs("supports_json_field", "supports_json_field_text_search")
def test_icontains_on_the_whole_json_text(docs):
    assert names(JSONDoc.objects.filter(data__icontains="LABRADOR")) == ["b"]


@needs("supports_json_field")
def test_update_json_and_q_across_keys(docs):
    JSONDoc.objects.filter(name="f").update(data={"breed": "pug", "n": 3})
    assert names(JSONDoc.objects.filter(Q(data__breed="pug") | Q(data__n=1))) == ["a", "f"]


@needs("supports_json_field", "supports_json_field_contains")
def test_contains(docs):
    assert names(JSONDoc.objects.filter(data__contains={"breed": "collie"})) == ["a"]
    assert names(JSONDoc.objects.filter(data__owner__contains={"name": "Bob"})) == ["a"]


@needs("supports_json_field", "supports_json_field_contains")
def test_contained_by(docs):
    assert names(JSONDoc.objects.filter(
        data__contained_by={"breed": "collie", "n": 1, "x": 2})) == ["f"]

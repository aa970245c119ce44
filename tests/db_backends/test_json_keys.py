"""JSONField key, index and path lookups on every SQL backend (PostgreSQL's jsonb operators,
MySQL/MariaDB's and SQLite's JSON functions): the same answers everywhere."""

import pytest

from reinhardt.orm.models import Value
from reinhardt.orm.models.fields.json import KT
from tests.orm.capabilities import needs
from tests.orm.models import AllTypes


@pytest.fixture
def docs():
    rows = {
        "full": {"a": {"b": [1, 2, {"c": "deep"}]}, "s": "Text", "n": None, "num": 5,
                 "flag": True},
        "other": {"a": {"b": []}, "s": "other", "num": 12.5, "tags": ["x", "y"]},
        "list": [1, "two", None],
        "scalar": "just a string",
        "sqlnull": None,
    }
    return {name: AllTypes.objects.create(char=name, json=value).pk
            for name, value in rows.items()}


def chars(**lookup):
    return sorted(AllTypes.objects.filter(**lookup).values_list("char", flat=True))


@needs("supports_json_field")
def test_keys_indexes_and_paths(docs):
    assert chars(json__s="Text") == ["full"]
    assert chars(json__a__b__2__c="deep") == ["full"]
    assert chars(json__a__b__0=1) == ["full"]
    assert chars(json__1="two") == ["list"]
    assert chars(json__num=5) == ["full"]
    assert chars(json__flag=True) == ["full"]


@needs("supports_json_field")
def test_comparisons_on_numbers(docs):
    assert chars(json__num__gt=6) == ["other"]
    assert chars(json__num__lte=5) == ["full"]


@needs("supports_json_field")
def test_has_key_and_key_isnull(docs):
    assert chars(json__has_key="n") == ["full"]
    assert chars(json__has_keys=["s", "num"]) == ["full", "other"]
    assert chars(json__has_any_keys=["tags", "flag"]) == ["full", "other"]
    assert chars(json__a__has_key="b") == ["full", "other"]
    # A key holding JSON null is present; isnull=True means absent.
    assert chars(json__n__isnull=False) == ["full"]
    # No value under the key: missing, or no document at all (SQL NULL), as in Django.
    assert chars(json__tags__isnull=True) == ["full", "list", "scalar", "sqlnull"]


@needs("supports_json_field")
def test_json_null_versus_absent(docs):
    assert chars(json__n=None) == ["full"]


@needs("supports_json_field", "supports_json_field_contains")
def test_contains_and_contained_by(docs):
    assert chars(json__contains={"s": "other"}) == ["other"]
    assert chars(json__contains={"a": {"b": []}}) == ["full", "other"]
    assert chars(json__tags__contains=["y"]) == ["other"]
    assert chars(json__contained_by={"s": "other", "num": 12.5, "a": {"b": []},
                                     "tags": ["x", "y"], "extra": 1}) == ["other"]


@needs("supports_json_field")
def test_text_lookups_on_keys(docs):
    assert chars(json__s__iexact="text") == ["full"]
    assert chars(json__s__icontains="EX") == ["full"]
    assert chars(json__s__startswith="Te") == ["full"]
    assert chars(json__s__regex="^o") == ["other"]


@needs("supports_json_field")
def test_key_values_come_back_decoded(docs):
    rows = dict(AllTypes.objects.filter(char__in=["full", "other"]).values_list(
        "char", "json__a__b"))
    assert rows == {"full": [1, 2, {"c": "deep"}], "other": []}
    assert sorted(AllTypes.objects.filter(char__in=["full", "other"]).values_list(
        "json__s", flat=True)) == ["Text", "other"]


@needs("supports_json_field")
def test_key_text_transform(docs):
    texts = dict(AllTypes.objects.filter(char__in=["full", "other"]).annotate(
        s=KT("json__s"), n=KT("json__n")).values_list("char", "s"))
    assert texts == {"full": "Text", "other": "other"}
    nulls = list(AllTypes.objects.filter(char="full").annotate(n=KT("json__n")).values_list(
        "n", flat=True))
    assert nulls == [None]  # a JSON null is SQL NULL as text


@needs("supports_json_field")
def test_exact_compares_json_values_not_text(docs):
    assert chars(json={"tags": ["x", "y"], "num": 12.5, "s": "other", "a": {"b": []}}) == [
        "other"]
    assert chars(json=[1, "two", None]) == ["list"]
    assert chars(json="just a string") == ["scalar"]
    assert chars(json__in=[[1, "two", None], "nope"]) == ["list"]
    assert chars(json__a__in=[{"b": []}]) == ["other"]
    assert chars(json__a__in=[{"b": [1, 2, {"c": "deep"}]}, "x"]) == ["full"]
    assert chars(json__a={"b": [1.0, 2, {"c": "deep"}]}) == ["full"]
    assert chars(json={"s": "other", "a": {"b": []}, "num": 12.5, "tags": ["x", "y"]}) == [
        "other"]


def test_json_null_is_not_sql_null():
    AllTypes.objects.create(char="sql", json=None)
    AllTypes.objects.create(char="json", json=Value(None, output_field=AllTypes._meta.get_field(
        "json")))
    assert chars(json__isnull=True) == ["sql"]
    assert chars(json=None) == ["json"]

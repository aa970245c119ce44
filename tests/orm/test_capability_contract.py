"""Every query API feature consults its capability flag: with the flag turned off, the same
query raises NotSupportedError naming the flag instead of running (ARCHITECTURE section 4)."""

import pytest

from reinhardt.orm import NotSupportedError, connection
from reinhardt.orm.models import Count, Exists, F, OuterRef, Q, Window
from reinhardt.orm.models.functions import Lower, RowNumber
from tests.orm.models import Book, JSONDoc, Review


@pytest.fixture
def without(monkeypatch):
    def turn_off(flag):
        monkeypatch.setattr(connection.features, flag, False)
        # Flags are fixed per backend, so compiled statements are cached regardless of them;
        # a flag switched off mid-run needs an empty cache.
        from reinhardt.backends.sql import statement_cache

        statement_cache.clear()

    return turn_off


CASES = {
    "supports_aggregates": lambda: Book.objects.aggregate(n=Count("id")),
    "supports_group_by": lambda: list(Book.objects.values("genre").annotate(n=Count("id"))),
    "supports_functions": lambda: list(Book.objects.annotate(t=Lower("title"))),
    "supports_window_functions": lambda: list(Book.objects.annotate(
        n=Window(RowNumber(), order_by="pages"))),
    "supports_subqueries": lambda: list(Book.objects.filter(
        Exists(Review.objects.filter(book=OuterRef("pk"))))),
    "supports_expression_filters": lambda: list(Book.objects.filter(pages__gt=F("rating"))),
    "supports_or_filters": lambda: list(Book.objects.filter(Q(pages=1) | Q(pages=2))),
    "supports_negated_filters": lambda: list(Book.objects.exclude(pages=1)),
    "supports_like_lookups": lambda: list(Book.objects.filter(title__contains="a")),
    "supports_case_insensitive_lookups": lambda: list(Book.objects.filter(
        title__icontains="a")),
    "supports_select_related": lambda: list(Book.objects.select_related("author")),
    "supports_combinators": lambda: list(Book.objects.union(Book.objects.all())),
    "supports_explain": lambda: Book.objects.explain(),
    "supports_raw_queries": lambda: list(Book.objects.raw("SELECT 1")),
    "supports_date_lookups": lambda: list(Book.objects.filter(published__year=2020)),
    "supports_json_field_contains": lambda: list(JSONDoc.objects.filter(
        data__contains={"a": 1})),
    "supports_json_field": lambda: list(JSONDoc.objects.filter(data__a=1)),
}


@pytest.mark.parametrize("flag", sorted(CASES))
def test_feature_refuses_when_flag_is_off(flag, without):
    without(flag)
    with pytest.raises(NotSupportedError) as excinfo:
        CASES[flag]()
    assert excinfo.value.flag == flag or flag in str(excinfo.value)

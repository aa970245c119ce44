"""Subquery, OuterRef, Exists, __in with a QuerySet, and subqueries in updates and orderings."""

import pytest

from reinhardt.orm.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from reinhardt.orm.models.functions import Coalesce
from tests.orm.capabilities import needs
from tests.orm.models import Author, Book, Publisher, Review, Tag
from tests.orm.sample import make_library


@pytest.fixture
def lib():
    return make_library()


def names(qs):
    return list(qs.values_list("name", flat=True))


@needs("supports_subqueries")
def test_subquery_annotation_with_outer_ref(lib):
    longest = Book.objects.filter(author=OuterRef("pk")).order_by("-pages")
    qs = Author.objects.annotate(
        longest_title=Subquery(longest.values("title")[:1]),
        longest_pages=Subquery(longest.values("pages")[:1]),
    ).order_by("name")
    assert list(qs.values_list("name", "longest_title", "longest_pages")) == [
        ("Ann", "Beta", 200), ("Bob", "Delta", 400), ("Cy", None, None), ("Dee", "Epsilon", 50),
    ]


@needs("supports_subqueries")
def test_subquery_with_aggregate_and_coalesce(lib):
    totals = (Book.objects.filter(author=OuterRef("pk")).order_by().values("author")
              .annotate(total=Sum("pages")).values("total"))
    qs = Author.objects.annotate(total=Coalesce(Subquery(totals), 0)).order_by("-total", "name")
    assert list(qs.values_list("name", "total")) == [
        ("Bob", 700), ("Ann", 300), ("Dee", 50), ("Cy", 0)]


@needs("supports_subqueries")
def test_subquery_in_filter(lib):
    newest_review = Review.objects.filter(book=OuterRef("pk")).order_by("-stars").values(
        "stars")[:1]
    qs = Book.objects.annotate(best=Subquery(newest_review)).filter(best__gte=5)
    assert list(qs.values_list("title", flat=True)) == ["Alpha", "Delta"]
    qs = Book.objects.filter(pages__gt=Subquery(
        Book.objects.filter(title="Beta").values("pages")))
    assert list(qs.values_list("title", flat=True)) == ["Delta", "Gamma"]


@needs("supports_subqueries")
def test_exists_and_negated_exists(lib):
    reviewed = Review.objects.filter(book=OuterRef("pk"))
    assert list(Book.objects.filter(Exists(reviewed)).values_list("title", flat=True)) == [
        "Alpha", "Beta", "Delta"]
    assert list(Book.objects.filter(~Exists(reviewed)).values_list("title", flat=True)) == [
        "Epsilon", "Gamma"]
    qs = Book.objects.annotate(has_reviews=Exists(reviewed)).order_by("title")
    assert list(qs.values_list("has_reviews", flat=True)) == [True, True, True, False, False]
    assert list(Book.objects.filter(Exists(reviewed), pages__gt=150).values_list(
        "title", flat=True)) == ["Beta", "Delta"]
    assert list(Book.objects.filter(Exists(reviewed) | Q(pages=50)).values_list(
        "title", flat=True)) == ["Alpha", "Beta", "Delta", "Epsilon"]


@needs("supports_subqueries")
def test_exists_of_empty_queryset(lib):
    assert Book.objects.filter(Exists(Review.objects.none())).count() == 0
    assert Book.objects.filter(~Exists(Review.objects.none())).count() == 5


@needs("supports_subqueries")
def test_in_queryset_and_values(lib):
    authors = Author.objects.filter(age=30)
    assert list(Book.objects.filter(author__in=authors).values_list("title", flat=True)) == [
        "Alpha", "Beta", "Epsilon"]
    assert list(Book.objects.filter(author_id__in=authors.values("pk")).values_list(
        "title", flat=True)) == ["Alpha", "Beta", "Epsilon"]
    assert list(Book.objects.exclude(author__in=authors).values_list("title", flat=True)) == [
        "Delta", "Gamma"]
    # A sliced subquery keeps its slice.
    top = Book.objects.order_by("-pages").values("pk")[:2]
    assert list(Book.objects.filter(pk__in=top).values_list("title", flat=True)) == [
        "Delta", "Gamma"]


# Refused while the query is built, before any backend sees it.
def test_in_queryset_with_multiple_columns_rejected(lib):
    with pytest.raises(ValueError, match="must have 1 selected fields \\(received 2\\)"):
        list(Book.objects.filter(author__in=Author.objects.values("pk", "name")))


@needs("supports_subqueries", "supports_group_by")
def test_empty_in_lists(lib):
    assert Book.objects.filter(pk__in=[]).count() == 0
    assert Book.objects.exclude(pk__in=[]).count() == 5
    assert Book.objects.filter(Q(pk__in=[]) | Q(title="Beta")).count() == 1
    assert Book.objects.filter(pk__in=[None]).count() == 0
    assert Book.objects.filter(pk__in=Book.objects.none()).count() == 0
    assert list(Book.objects.filter(pk__in=[]).values("genre").annotate(n=Count("id"))) == []


@needs("supports_subqueries")
def test_outer_ref_nested_and_with_expressions(lib):
    # Authors who have a book whose publisher is in the same city as another publisher...
    inner = Book.objects.filter(
        author=OuterRef(OuterRef("pk")), pages__gt=OuterRef("pages"))
    outer = Book.objects.filter(author=OuterRef("pk")).annotate(
        bigger=Exists(inner)).filter(bigger=True)
    assert names(Author.objects.filter(Exists(outer)).order_by("name")) == ["Ann", "Bob"]
    # OuterRef combined with arithmetic.
    doubled = Book.objects.filter(pages=OuterRef("pages") * 2).values("title")[:1]
    qs = Book.objects.annotate(double=Subquery(doubled)).filter(double__isnull=False)
    assert list(qs.order_by("title").values_list("title", "double")) == [
        ("Alpha", "Beta"), ("Beta", "Delta"), ("Epsilon", "Alpha")]


@needs("supports_expression_filters")
def test_outer_ref_outside_subquery_is_an_error(lib):
    with pytest.raises(ValueError, match="This queryset contains a reference to an outer query"):
        list(Book.objects.filter(author=OuterRef("pk")))


@needs("supports_subqueries", "supports_update_expressions")
def test_update_with_subquery(lib):
    best = Review.objects.filter(book=OuterRef("pk")).order_by("-stars").values("stars")[:1]
    Book.objects.update(pages=Coalesce(Subquery(best), Value(0)))
    assert list(Book.objects.order_by("title").values_list("pages", flat=True)) == [
        5, 3, 5, 0, 0]


@needs("supports_subqueries")
def test_order_by_subquery_and_exists(lib):
    n_reviews = Review.objects.filter(book=OuterRef("pk")).values("book").annotate(
        n=Count("id")).values("n")
    qs = Book.objects.order_by(Coalesce(Subquery(n_reviews), 0).desc(), "title")
    assert list(qs.values_list("title", flat=True)) == [
        "Delta", "Alpha", "Beta", "Epsilon", "Gamma"]
    qs = Book.objects.order_by(Exists(Review.objects.filter(book=OuterRef("pk"))).desc(),
                               "title")
    assert list(qs.values_list("title", flat=True))[:3] == ["Alpha", "Beta", "Delta"]


# Refused while the query is built, before any backend sees it.
def test_subquery_returning_more_than_one_column_is_an_error(lib):
    from reinhardt.orm import DatabaseError

    with pytest.raises((DatabaseError, Exception)):
        list(Author.objects.annotate(x=Subquery(Book.objects.values("title", "pages")[:1])))


@needs("supports_subqueries")
def test_subquery_across_many_to_many(lib):
    tagged = Tag.objects.filter(books=OuterRef("pk"), name="py")
    assert list(Book.objects.filter(Exists(tagged)).values_list("title", flat=True)) == [
        "Alpha", "Beta"]
    qs = Publisher.objects.annotate(
        n=Subquery(Book.objects.filter(publisher=OuterRef("pk")).values("publisher")
                   .annotate(c=Count("pk")).values("c"), output_field=IntegerField()),
    )
    assert list(qs.values_list("name", "n")) == [("Acme", 2), ("Birch", 2), ("Cedar", None)]


@needs("supports_subqueries")
def test_exclude_across_multivalued_relation(lib):
    # Authors with no book above 250 pages (including authors with no books).
    assert names(Author.objects.exclude(books__pages__gt=250).order_by("name")) == [
        "Ann", "Cy", "Dee"]
    # Books without a five-star review.
    assert list(Book.objects.exclude(reviews__stars=5).values_list("title", flat=True)) == [
        "Beta", "Epsilon", "Gamma"]


@needs("supports_subqueries")
def test_subquery_max_of_related_and_f(lib):
    qs = Author.objects.annotate(
        most=Subquery(Book.objects.filter(author=OuterRef("pk")).values("author")
                      .annotate(m=Max("pages")).values("m")),
    ).filter(most__gt=F("age") * 5).order_by("name")
    assert names(qs) == ["Ann", "Bob"]

"""aggregate() and annotate(): Count/Sum/Avg/Min/Max/StdDev/Variance, GROUP BY from values(),
HAVING, aggregates over annotations, default=, filter=, distinct=, NULLs and Decimals."""

import datetime
import decimal

import pytest

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    StdDev,
    Subquery,
    Sum,
    Value,
    Variance,
    When,
)
from reinhardt.orm.models.functions import Coalesce, Now
from tests.orm.capabilities import needs
from tests.orm.models import Author, Book, Publisher, Review, Tag
from tests.orm.sample import make_library

D = decimal.Decimal


@pytest.fixture
def lib():
    return make_library()


@needs("supports_aggregates")
def test_aggregate_basic_functions(lib):
    result = Book.objects.aggregate(
        Count("id"), Sum("pages"), Avg("pages"), Min("price"), Max("price"),
    )
    assert result == {
        "id__count": 5, "pages__sum": 1050, "pages__avg": 210.0,
        "price__min": D("0.10"), "price__max": D("20.00"),
    }
    assert isinstance(result["price__min"], D)


@needs("supports_aggregates")
def test_aggregate_with_names_and_empty_call(lib):
    assert Book.objects.aggregate(total=Sum("pages"), n=Count("*")) == {"total": 1050, "n": 5}
    assert Book.objects.aggregate() == {}


@needs("supports_aggregates")
def test_decimal_sum_and_avg_are_exact(lib):
    result = Book.objects.aggregate(total=Sum("price"), mean=Avg("price"))
    assert result["total"] == D("43.00")
    assert isinstance(result["total"], D)
    assert isinstance(result["mean"], D)
    assert result["mean"] == D("8.6")


@needs("supports_aggregates")
def test_nulls_are_ignored_by_aggregates(lib):
    result = Book.objects.aggregate(
        n=Count("rating"), rows=Count("*"), mean=Avg("rating"), low=Min("published"),
    )
    assert result == {"n": 4, "rows": 5, "mean": 4.125, "low": datetime.date(2019, 3, 15)}


@needs("supports_aggregates")
def test_aggregates_over_no_rows_give_none_or_zero(lib):
    result = Book.objects.filter(pages__gt=10_000).aggregate(
        n=Count("id"), total=Sum("pages"), mean=Avg("pages"), low=Min("pages"),
    )
    assert result == {"n": 0, "total": None, "mean": None, "low": None}


@needs("supports_aggregates")
def test_aggregate_default(lib):
    empty = Book.objects.filter(pages__gt=10_000)
    assert empty.aggregate(total=Sum("pages", default=0)) == {"total": 0}
    assert empty.aggregate(total=Sum("price", default=D("1.5"))) == {"total": D("1.5")}
    assert Book.objects.aggregate(total=Sum("pages", default=0)) == {"total": 1050}
    with pytest.raises(TypeError, match="Count does not allow default"):
        Count("id", default=0)


@needs("supports_aggregates")
def test_aggregate_over_empty_in_list_short_circuits(lib, django_queries):
    result = Book.objects.filter(pk__in=[]).aggregate(
        n=Count("id"), total=Sum("pages"), d=Sum("pages", default=7),
    )
    assert result == {"n": 0, "total": None, "d": 7}


@needs("supports_aggregates")
def test_count_distinct_and_filter(lib):
    assert Book.objects.aggregate(n=Count("author", distinct=True)) == {"n": 3}
    assert Book.objects.aggregate(
        fic=Count("id", filter=Q(genre="fic")), long=Sum("pages", filter=Q(pages__gte=300)),
    ) == {"fic": 2, "long": 700}
    assert Book.objects.aggregate(
        none=Sum("pages", filter=Q(pages__gt=10_000), default=0),
    ) == {"none": 0}
    author_ids = set(Book.objects.values_list("author_id", flat=True))
    assert Book.objects.aggregate(s=Sum("author_id", distinct=True)) == {"s": sum(author_ids)}
    with pytest.raises(TypeError, match="Max does not allow distinct"):
        Max("pages", distinct=True)


@needs("supports_aggregates")
def test_stddev_and_variance(lib):
    result = Book.objects.aggregate(
        sd=StdDev("pages"), var=Variance("pages"),
        sd_s=StdDev("pages", sample=True), var_s=Variance("pages", sample=True),
    )
    assert result["var"] == pytest.approx(16400.0)
    assert result["sd"] == pytest.approx(128.06248474865697)
    assert result["var_s"] == pytest.approx(20500.0)
    assert result["sd_s"] == pytest.approx(143.17821063276352)


@needs("supports_aggregates")
def test_aggregate_rejects_non_aggregates_and_unnamed_expressions(lib):
    with pytest.raises(TypeError, match="is not an aggregate expression"):
        Book.objects.aggregate(p=F("pages"))
    with pytest.raises(TypeError, match="Complex aggregates require an alias"):
        Book.objects.aggregate(F("pages"))
    with pytest.raises(TypeError, match="Complex aggregates require an alias"):
        Book.objects.aggregate(Sum("pages") + Sum("price"))


@needs("supports_aggregates", "supports_functions")
def test_aggregate_expression_of_aggregates(lib):
    result = Book.objects.aggregate(
        spread=Max("pages") - Min("pages"), double=Sum("pages") * 2,
    )
    assert result == {"spread": 350, "double": 2100}


@needs("supports_aggregates", "supports_joins")
def test_aggregate_across_relations(lib):
    assert Author.objects.aggregate(n=Count("books")) == {"n": 5}
    assert Publisher.objects.aggregate(p=Max("books__pages")) == {"p": 400}
    assert Book.objects.aggregate(avg_age=Avg("author__age")) == {"avg_age": 34.0}


@needs("supports_aggregates", "supports_joins", "supports_group_by")
def test_annotate_count_of_reverse_relation(lib):
    counts = {a.name: a.n for a in Author.objects.annotate(n=Count("books"))}
    assert counts == {"Ann": 2, "Bob": 2, "Cy": 0, "Dee": 1}
    # Annotated querysets keep their ordering and can be filtered on the annotation (HAVING).
    names = list(Author.objects.annotate(n=Count("books")).filter(n__gte=2)
                 .order_by("name").values_list("name", flat=True))
    assert names == ["Ann", "Bob"]
    assert list(Author.objects.annotate(n=Count("books")).order_by("-n", "name")
                .values_list("name", "n")) == [("Ann", 2), ("Bob", 2), ("Dee", 1), ("Cy", 0)]


@needs("supports_aggregates", "supports_joins", "supports_group_by")
def test_annotate_two_multivalued_relations_needs_distinct(lib):
    # Joining two multi-valued relations multiplies rows: distinct=True counts correctly.
    ann = Author.objects.annotate(
        books_n=Count("books", distinct=True), reviews_n=Count("books__reviews", distinct=True),
    ).get(name="Ann")
    assert (ann.books_n, ann.reviews_n) == (2, 3)


@needs("supports_aggregates", "supports_joins", "supports_group_by")
def test_annotate_sum_over_empty_group_and_coalesce(lib):
    rows = Publisher.objects.annotate(
        total=Sum("books__pages"), safe=Coalesce(Sum("books__pages"), 0),
        default=Sum("books__pages", default=-1),
    ).order_by("name").values_list("name", "total", "safe", "default")
    assert list(rows) == [
        ("Acme", 400, 400, 400), ("Birch", 450, 450, 450), ("Cedar", None, 0, -1),
    ]


@needs("supports_aggregates", "supports_group_by")
def test_values_then_annotate_groups(lib):
    rows = list(Book.objects.values("genre").annotate(n=Count("id"), pages=Sum("pages"))
                .order_by("genre"))
    assert rows == [
        {"genre": "fic", "n": 2, "pages": 400},
        {"genre": "his", "n": 1, "pages": 400},
        {"genre": "sci", "n": 2, "pages": 250},
    ]


@needs("supports_aggregates", "supports_group_by")
def test_group_by_ignores_meta_ordering(lib):
    # Meta.ordering (title) must not split the groups.
    rows = list(Book.objects.values("genre").annotate(n=Count("id")))
    assert sorted((r["genre"], r["n"]) for r in rows) == [("fic", 2), ("his", 1), ("sci", 2)]


@needs("supports_aggregates", "supports_group_by")
def test_annotate_then_values_does_not_group(lib):
    rows = list(Book.objects.annotate(n=Count("id")).values("genre", "n").order_by("title"))
    assert [r["n"] for r in rows] == [1, 1, 1, 1, 1]


@needs("supports_aggregates", "supports_group_by", "supports_joins")
def test_values_across_relation_then_annotate(lib):
    rows = list(Book.objects.values("author__name").annotate(pages=Sum("pages"))
                .order_by("author__name"))
    assert rows == [
        {"author__name": "Ann", "pages": 300},
        {"author__name": "Bob", "pages": 700},
        {"author__name": "Dee", "pages": 50},
    ]


@needs("supports_aggregates", "supports_group_by")
def test_having_and_where_together(lib):
    rows = list(Book.objects.filter(pages__gt=60).values("genre")
                .annotate(n=Count("id")).filter(n__gt=1).values_list("genre", "n"))
    assert rows == [("fic", 2)]
    # exclude() on an annotation is a negated HAVING.
    rows = list(Book.objects.values("genre").annotate(n=Count("id")).exclude(n=2)
                .values_list("genre", flat=True))
    assert rows == ["his"]
    # Q objects mixing an aggregate and a plain field.
    rows = list(Book.objects.values("genre").annotate(n=Count("id"))
                .filter(Q(n=1) | Q(genre="sci")).order_by("genre")
                .values_list("genre", flat=True))
    assert rows == ["his", "sci"]


@needs("supports_aggregates", "supports_group_by")
def test_order_by_annotation_and_aggregate_expression(lib):
    rows = list(Book.objects.values("genre").annotate(avg=Avg("pages"))
                .order_by("-avg").values_list("genre", flat=True))
    assert rows == ["his", "fic", "sci"]
    rows = list(Book.objects.values("genre").annotate(s=Sum("pages"))
                .order_by(F("s").desc(), "genre").values_list("genre", "s"))
    assert rows == [("fic", 400), ("his", 400), ("sci", 250)]
    with pytest.raises(FieldError, match="without also including it in annotate"):
        list(Book.objects.values("genre").order_by(Sum("pages").desc()))


@needs("supports_aggregates", "supports_group_by")
def test_aggregate_over_annotation(lib):
    # Aggregating over an aggregate annotation goes through a subquery.
    result = Author.objects.annotate(n=Count("books")).aggregate(
        most=Max("n"), mean=Avg("n"), total=Sum("n"),
    )
    assert result == {"most": 2, "mean": 1.25, "total": 5}
    result = Book.objects.annotate(double=F("pages") * 2).aggregate(s=Sum("double"))
    assert result == {"s": 2100}


@needs("supports_aggregates", "supports_group_by")
def test_aggregate_after_values_annotate(lib):
    result = (Book.objects.values("genre").annotate(n=Count("id"))
              .aggregate(groups=Count("genre"), biggest=Max("n")))
    assert result == {"groups": 3, "biggest": 2}


@needs("supports_aggregates")
def test_aggregate_over_sliced_or_distinct_queryset(lib):
    assert Book.objects.order_by("pages")[:2].aggregate(s=Sum("pages")) == {"s": 150}
    assert Book.objects.values("genre").distinct().aggregate(n=Count("genre")) == {"n": 3}


@needs("supports_aggregates")
def test_annotation_referencing_aggregate_rejected_in_aggregate(lib):
    with pytest.raises(FieldError, match="is an aggregate"):
        Book.objects.aggregate(s=Sum("pages"), t=Sum("s"))


def test_cannot_aggregate_aggregate_inside_annotate(lib):
    with pytest.raises(FieldError, match="is an aggregate"):
        Author.objects.annotate(n=Count("books")).annotate(m=Sum("n"))


@needs("supports_aggregates", "supports_group_by")
def test_count_on_annotated_and_grouped_querysets(lib):
    assert Author.objects.annotate(n=Count("books")).count() == 4
    assert Book.objects.values("genre").annotate(n=Count("id")).count() == 3
    assert Author.objects.annotate(n=Count("books")).filter(n=0).exists()


@needs("supports_aggregates", "supports_group_by", "supports_functions")
def test_mixed_types_need_output_field(lib):
    with pytest.raises(FieldError, match="output_field"):
        list(Book.objects.annotate(x=F("title") + F("pages")).values("x"))
    # Integer + Decimal is a Decimal without help.
    assert Book.objects.annotate(x=F("pages") + F("price")).get(title="Delta").x == D("400.10")
    rows = Book.objects.annotate(
        x=ExpressionWrapper(F("pages") + F("price"), output_field=DecimalField(max_digits=10,
                                                                             decimal_places=2)),
    ).order_by("pages").values_list("x", flat=True)
    assert list(rows) == [D("57.15"), D("110.50"), D("220.00"), D("305.25"), D("400.10")]


@needs("supports_aggregates")
def test_avg_of_integer_field_is_float(lib):
    result = Review.objects.aggregate(mean=Avg("stars"))
    assert result == {"mean": pytest.approx(23 / 6)}
    assert isinstance(result["mean"], float)
    result = Review.objects.aggregate(mean=Avg("stars", output_field=IntegerField()))
    assert isinstance(result["mean"], int)


@needs("supports_aggregates", "supports_group_by", "supports_joins")
def test_annotate_with_filter_argument(lib):
    rows = Author.objects.annotate(
        good=Count("books__reviews", filter=Q(books__reviews__stars__gte=4)),
        all_reviews=Count("books__reviews"),
    ).order_by("name").values_list("name", "good", "all_reviews")
    assert list(rows) == [("Ann", 2, 3), ("Bob", 2, 3), ("Cy", 0, 0), ("Dee", 0, 0)]


@needs("supports_aggregates", "supports_group_by", "supports_joins")
def test_count_many_to_many(lib):
    rows = Book.objects.annotate(n=Count("tags")).order_by("title").values_list("title", "n")
    assert list(rows) == [("Alpha", 2), ("Beta", 1), ("Delta", 1), ("Epsilon", 0),
                          ("Gamma", 0)]
    assert list(Tag.objects.annotate(n=Count("books")).filter(n=0)
                .values_list("name", flat=True)) == ["unused"]


@needs("supports_aggregates", "supports_group_by", "supports_joins")
def test_annotate_conditional_aggregation(lib):
    rows = Publisher.objects.annotate(
        fic=Sum(Case(When(books__genre="fic", then=1), default=0,
                     output_field=IntegerField())),
    ).order_by("name").values_list("name", "fic")
    assert list(rows) == [("Acme", 2), ("Birch", 0), ("Cedar", 0)]


@needs("supports_aggregates", "supports_group_by")
def test_float_and_value_annotations_in_groups(lib):
    rows = list(Book.objects.values("genre").annotate(
        ratio=Sum("pages", output_field=FloatField()) / Count("id"),
        one=Value(1),
    ).order_by("genre").values_list("genre", "ratio", "one"))
    assert rows == [("fic", 200.0, 1), ("his", 400.0, 1), ("sci", 125.0, 1)]


@needs("supports_aggregates", "supports_subqueries", "supports_group_by")
def test_subquery_annotation_with_aggregate(lib):
    newest = Book.objects.filter(author=OuterRef("pk")).values("author").annotate(
        m=Max("published")).values("m")
    rows = Author.objects.annotate(newest=Subquery(newest)).order_by("name").values_list(
        "name", "newest")
    assert list(rows) == [
        ("Ann", datetime.date(2021, 6, 1)), ("Bob", datetime.date(2021, 12, 31)),
        ("Cy", None), ("Dee", datetime.date(2019, 3, 15)),
    ]


@needs("supports_aggregates", "supports_functions")
def test_aggregate_with_now_and_datetimes(lib):
    Review.objects.update(created=Now())
    result = Review.objects.aggregate(first=Min("created"))
    assert result["first"].tzinfo is not None

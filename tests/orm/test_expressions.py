"""Query expressions: F (arithmetic, across relations, in filters and updates), Value,
ExpressionWrapper, Case/When, Func, Cast, Coalesce, Greatest, Least, NullIf, ordering with
asc()/desc() and NULL placement."""

import datetime
import decimal

import pytest

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    TextField,
    Value,
    When,
)
from reinhardt.orm.models.functions import Cast, Coalesce, Greatest, Least, Length, NullIf, Upper
from tests.orm.capabilities import needs
from tests.orm.models import Author, Book, Event, Ordered, Publisher
from tests.orm.sample import make_library

D = decimal.Decimal


@pytest.fixture
def lib():
    return make_library()


def values(qs, *fields):
    return list(qs.values_list(*fields, flat=len(fields) == 1))


@needs("supports_expression_filters")
def test_f_compares_two_columns(lib):
    Book.objects.filter(title="Alpha").update(rating=100)
    assert values(Book.objects.filter(rating__gt=F("pages") / 2), "title") == ["Alpha"]
    assert values(Book.objects.filter(pages__gt=F("rating") * 60), "title") == [
        "Beta", "Delta"]
    assert values(Book.objects.filter(pages__lt=F("rating")), "title") == []


@needs("supports_functions")
def test_f_arithmetic_annotations(lib):
    row = Book.objects.annotate(
        plus=F("pages") + 1, minus=F("pages") - 1, times=F("pages") * 2, div=F("pages") / 3,
        mod=F("pages") % 7, power=F("pages") ** 2, neg=-F("pages"), rplus=1 + F("pages"),
        rdiv=600 / F("pages"),
    ).get(title="Beta")
    assert (row.plus, row.minus, row.times, row.div) == (201, 199, 400, 66)
    assert (row.mod, row.power, row.neg, row.rplus, row.rdiv) == (4, 40000, -200, 201, 3)


@needs("supports_functions")
def test_f_arithmetic_with_decimals_and_floats(lib):
    row = Book.objects.annotate(
        dp=F("price") * 2, mixed=F("price") + F("pages"), fp=F("rating") * 2,
    ).get(title="Alpha")
    assert row.dp == D("21.00") and isinstance(row.dp, D)
    assert row.mixed == D("110.50")
    assert row.fp == 9.0


@needs("supports_joins", "supports_expression_filters")
def test_f_across_relations(lib):
    assert values(Book.objects.filter(author__age__gt=F("pages") / 10), "title") == [
        "Alpha", "Beta", "Epsilon", "Gamma"]
    rows = Book.objects.annotate(author_age=F("author__age"), pub=F("publisher__name"))
    assert values(rows.order_by("title"), "title", "author_age", "pub") == [
        ("Alpha", 30, "Acme"), ("Beta", 30, None), ("Delta", 40, "Birch"),
        ("Epsilon", 30, "Birch"), ("Gamma", 40, "Acme"),
    ]


@needs("supports_update_expressions")
def test_update_with_f(lib):
    assert Book.objects.filter(genre="fic").update(pages=F("pages") + 10) == 2
    assert values(Book.objects.filter(genre="fic"), "pages") == [110, 310]
    Book.objects.update(price=F("price") * 2)
    assert Book.objects.get(title="Delta").price == D("0.20")


@needs("supports_update_expressions")
def test_save_with_f_and_refresh(lib):
    book = lib["alpha"]
    book.pages = F("pages") + 1
    book.save()
    book.refresh_from_db()
    assert book.pages == 101


def test_f_rejects_joins_in_update(lib):
    with pytest.raises(FieldError, match="Joined field references are not permitted"):
        Book.objects.update(pages=F("author__age"))


def test_f_unknown_field(lib):
    with pytest.raises(FieldError, match="Cannot resolve keyword 'nope' into field"):
        list(Book.objects.annotate(x=F("nope")))


def test_value_annotations(lib):
    row = Book.objects.annotate(
        one=Value(1), s=Value("x"), n=Value(None, output_field=IntegerField()),
        d=Value(D("1.5")), b=Value(True),
    ).get(title="Alpha")
    assert (row.one, row.s, row.n, row.d, row.b) == (1, "x", None, D("1.5"), True)


def test_value_in_filter(lib):
    assert values(Book.objects.filter(pages=Value(100)), "title") == ["Alpha"]


@needs("supports_expression_filters", "supports_functions")
def test_expression_wrapper_gives_output_field(lib):
    qs = Book.objects.annotate(
        # Decimal / integer is not an integer division (Django on SQLite gives 0.0 for
        # 20.00 / 200 because SQLite stores 20.00 as the integer 20; reinhardt gives 0.1).
        avg_page_price=ExpressionWrapper(F("price") / F("pages"), output_field=FloatField()),
    ).order_by("title")
    assert [round(v, 4) for v in values(qs, "avg_page_price")] == [
        0.105, 0.1, 0.0003, 0.143, 0.0175]
    with pytest.raises(FieldError, match="output_field"):
        list(Book.objects.annotate(x=F("title") + F("pages")))


@needs("supports_update_expressions", "supports_functions")
def test_duration_arithmetic(lib):
    start = datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC)
    Event.objects.create(name="e", when=start, duration=datetime.timedelta(hours=2))
    row = Event.objects.annotate(
        end=ExpressionWrapper(F("when") + F("duration"),
                              output_field=Event._meta.get_field("when")),
        later=F("when") + datetime.timedelta(days=1),
        twice=ExpressionWrapper(F("duration") * 2, output_field=DurationField()),
    ).get()
    assert row.end == start + datetime.timedelta(hours=2)
    assert row.later == start + datetime.timedelta(days=1)
    assert row.twice == datetime.timedelta(hours=4)
    assert Event.objects.filter(when__lt=F("when") + datetime.timedelta(seconds=1)).count() == 1


@needs("supports_functions")
def test_date_subtraction_gives_duration(lib):
    row = Book.objects.annotate(
        age=ExpressionWrapper(Value(datetime.date(2022, 1, 1)) - F("published"),
                              output_field=DurationField()),
    ).get(title="Delta")
    assert row.age == datetime.timedelta(days=1)


@needs("supports_functions")
def test_case_when(lib):
    qs = Book.objects.annotate(
        size=Case(
            When(pages__gte=300, then=Value("long")),
            When(pages__gte=150, then=Value("medium")),
            default=Value("short"),
        ),
    ).order_by("title")
    assert values(qs, "title", "size") == [
        ("Alpha", "short"), ("Beta", "medium"), ("Delta", "long"), ("Epsilon", "short"),
        ("Gamma", "long"),
    ]


@needs("supports_functions")
def test_case_without_default_is_null_and_when_with_q_and_f(lib):
    qs = Book.objects.annotate(
        x=Case(When(Q(genre="sci") | Q(rating__gte=4.5), then=F("pages"))),
    ).order_by("title")
    assert values(qs, "x") == [100, 200, None, 50, None]


@needs("supports_functions", "supports_joins")
def test_case_when_across_relation_and_in_filter(lib):
    qs = Book.objects.annotate(
        discount=Case(
            When(author__age__gte=40, then=Value(D("0.2"))),
            default=Value(D("0")),
            output_field=DecimalField(max_digits=3, decimal_places=2),
        ),
    ).filter(discount__gt=0)
    assert values(qs, "title") == ["Delta", "Gamma"]
    assert values(Book.objects.filter(
        Case(When(pages__gt=250, then=Value(True)), default=Value(False),
             output_field=BooleanField())), "title") == ["Delta", "Gamma"]


@needs("supports_update_expressions", "supports_functions")
def test_conditional_update(lib):
    Book.objects.update(genre=Case(
        When(pages__lt=100, then=Value("sci")),
        When(pages__gt=250, then=Value("his")),
        default=F("genre"),
    ))
    assert values(Book.objects.order_by("title"), "genre") == [
        "fic", "sci", "his", "sci", "his"]


def test_when_rejects_bad_conditions():
    with pytest.raises(TypeError, match="When\\(\\) supports a Q object"):
        When(then=1)
    with pytest.raises(ValueError, match="An empty Q\\(\\) can't be used"):
        When(Q(), then=1)
    with pytest.raises(TypeError, match="Positional arguments must all be When objects"):
        Case(1)


@needs("supports_functions")
def test_case_with_empty_in_list_condition(lib):
    qs = Book.objects.annotate(x=Case(When(pk__in=[], then=Value(1)), default=Value(0)))
    assert set(values(qs, "x")) == {0}
    qs = Book.objects.annotate(x=Case(When(~Q(pk__in=[]), then=Value(1)), default=Value(0)))
    assert set(values(qs, "x")) == {1}


@needs("supports_functions")
def test_coalesce(lib):
    qs = Book.objects.annotate(r=Coalesce("rating", Value(0.0))).order_by("title")
    assert values(qs, "r") == [4.5, 3.0, 4.0, 5.0, 0.0]
    qs = Book.objects.annotate(city=Coalesce("publisher__city", Value("none")))
    assert values(qs.order_by("title"), "city") == ["Oslo", "none", "Bergen", "Bergen", "Oslo"]
    with pytest.raises(ValueError, match="Coalesce must take at least two expressions"):
        Coalesce("rating")


@needs("supports_functions")
def test_greatest_least(lib):
    qs = Book.objects.annotate(
        g=Greatest("pages", Value(150)), ll=Least("pages", Value(150)),
    ).order_by("title")
    assert values(qs, "g", "ll") == [(150, 100), (200, 150), (400, 150), (150, 50),
                                     (300, 150)]


@needs("supports_functions")
def test_greatest_with_null_is_null_on_sqlite_and_postgres_differ(lib, features):
    # Django documents that NULL handling varies: PostgreSQL ignores NULLs, others give NULL.
    row = Book.objects.annotate(g=Greatest("rating", Value(1.0))).get(title="Gamma")
    if connection_vendor() == "postgresql":
        assert row.g == 1.0
    else:
        assert row.g is None


def connection_vendor():
    from reinhardt.orm import connection

    return connection.vendor


@needs("supports_functions")
def test_nullif(lib):
    qs = Publisher.objects.annotate(c=NullIf("city", Value(""))).order_by("name")
    assert values(qs, "c") == ["Oslo", "Bergen", None]


@needs("supports_functions")
def test_cast(lib):
    row = Book.objects.annotate(
        as_text=Cast("pages", CharField(max_length=10)),
        as_float=Cast("pages", FloatField()),
        as_int=Cast("rating", IntegerField()),
        as_dec=Cast("rating", DecimalField(max_digits=5, decimal_places=2)),
        as_date=Cast(Value("2020-02-03"), DateField()),
    ).get(title="Alpha")
    assert row.as_text == "100"
    assert row.as_float == 100.0 and isinstance(row.as_float, float)
    assert row.as_int == 4
    assert row.as_dec == D("4.50")
    assert row.as_date == datetime.date(2020, 2, 3)
    assert values(Book.objects.annotate(t=Cast("pages", TextField())).filter(
        t__startswith="3"), "title") == ["Gamma"]


@needs("supports_functions", "supports_raw_queries")  # the Func is written in SQL
def test_custom_func_with_function_and_template(lib):
    class Abs(Func):
        function = "ABS"

    class Double(Func):
        template = "(%(expressions)s * 2)"

    row = Book.objects.annotate(a=Abs(F("pages") * -1), d=Double("pages")).get(title="Alpha")
    assert (row.a, row.d) == (100, 200)
    row = Book.objects.annotate(
        x=Func(F("title"), function="UPPER", output_field=CharField()),
    ).get(title="Alpha")
    assert row.x == "ALPHA"


def test_func_arity_checked():
    class One(Func):
        function = "X"
        arity = 1

    with pytest.raises(TypeError, match="'One' takes exactly 1 argument \\(2 given\\)"):
        One("a", "b")


@needs("supports_functions")
def test_annotation_on_annotation_and_filter_on_it(lib):
    qs = Book.objects.annotate(double=F("pages") * 2).annotate(quad=F("double") * 2)
    assert values(qs.filter(quad__gt=1000).order_by("title"), "title", "quad") == [
        ("Delta", 1600), ("Gamma", 1200)]
    assert values(qs.order_by("-quad")[:1], "title") == ["Delta"]


def test_annotation_name_conflicts(lib):
    with pytest.raises(ValueError, match="The annotation 'pages' conflicts with a field"):
        Book.objects.annotate(pages=F("price"))
    with pytest.raises(TypeError, match="Complex annotations require an alias"):
        Book.objects.annotate(F("pages") + 1)


@needs("supports_nulls_ordering")
def test_order_by_expressions_and_nulls(lib):
    assert values(Book.objects.order_by(F("rating").asc(nulls_last=True), "title"), "title") == [
        "Beta", "Delta", "Alpha", "Epsilon", "Gamma"]
    assert values(Book.objects.order_by(F("rating").desc(nulls_last=True)), "title") == [
        "Epsilon", "Alpha", "Delta", "Beta", "Gamma"]
    assert values(Book.objects.order_by(F("rating").asc(nulls_first=True)), "title") == [
        "Gamma", "Beta", "Delta", "Alpha", "Epsilon"]
    assert values(Book.objects.order_by(F("rating").desc(nulls_first=True)), "title") == [
        "Gamma", "Epsilon", "Alpha", "Delta", "Beta"]
    assert values(Book.objects.order_by(Length("title").desc(), "title"), "title") == [
        "Epsilon", "Alpha", "Delta", "Gamma", "Beta"]
    assert values(Book.objects.order_by(Upper("title").desc())[:1], "title") == ["Gamma"]
    with pytest.raises(ValueError, match="nulls_first and nulls_last are mutually exclusive"):
        F("rating").asc(nulls_first=True, nulls_last=True)


@needs("supports_nulls_ordering")
def test_reverse_of_nulls_ordering(lib):
    qs = Book.objects.order_by(F("rating").asc(nulls_last=True), "title").reverse()
    assert values(qs, "title") == ["Gamma", "Epsilon", "Alpha", "Delta", "Beta"]


def test_ordering_with_nulls_in_meta_ordering_model():
    for a in [3, None, 1]:
        Ordered.objects.create(a=a, b=str(a))
    assert values(Ordered.objects.order_by(F("a").desc(nulls_last=True)), "a") == [3, 1, None]


@needs("supports_functions", "supports_subqueries")
def test_boolean_expression_annotation_and_filter(lib):
    from reinhardt.orm.models import Exists

    qs = Author.objects.annotate(
        has_books=Exists(Book.objects.filter(author=models_outer_pk())),
    ).order_by("name")
    assert values(qs, "name", "has_books") == [
        ("Ann", True), ("Bob", True), ("Cy", False), ("Dee", True)]


def models_outer_pk():
    from reinhardt.orm.models import OuterRef

    return OuterRef("pk")


def test_expression_equality_and_hash():
    assert F("a") == F("a")
    assert F("a") != F("b")
    assert Value(1) == Value(1)
    assert hash(Value(1)) == hash(Value(1))
    assert Coalesce("a", "b") == Coalesce("a", "b")
    assert F("a") + 1 == F("a") + 1
    assert {F("a"), F("a")} == {F("a")}


@needs("supports_functions")
def test_bitwise_and_combinable_errors(lib):
    with pytest.raises(NotImplementedError, match="Use .bitand"):
        F("pages") & F("pages")
    row = Book.objects.annotate(
        a=F("pages").bitand(36), o=F("pages").bitor(1), sl=F("pages").bitleftshift(1),
        sr=F("pages").bitrightshift(2),
    ).get(title="Alpha")
    assert (row.a, row.o, row.sl, row.sr) == (36, 101, 200, 25)


@needs("supports_functions")
def test_decimal_values_compare_as_numbers(lib):
    qs = Book.objects.annotate(g=Greatest("price", Value(D("5")))).order_by("title")
    assert list(qs.values_list("g", flat=True)) == [
        D("10.50"), D("20.00"), D("5.00"), D("7.15"), D("5.25")]
    assert values(Book.objects.filter(price__gt=Value(D("10"))), "title") == ["Alpha", "Beta"]


@needs("supports_update_expressions", "supports_functions")
def test_date_plus_duration_stays_a_date(lib):
    Book.objects.filter(title="Beta").update(published=F("published") + datetime.timedelta(days=3))
    assert Book.objects.get(title="Beta").published == datetime.date(2021, 6, 4)
    assert Book.objects.filter(published=datetime.date(2021, 6, 4)).count() == 1
    row = Book.objects.annotate(
        next_week=ExpressionWrapper(F("published") + datetime.timedelta(days=7),
                                    output_field=DateField()),
    ).get(title="Alpha")
    assert row.next_week == datetime.date(2020, 1, 8)

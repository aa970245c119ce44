"""The documented extension points, written the way Django's documentation shows them: custom
lookups and transforms (register_lookup, as_sql, process_lhs/process_rhs), custom Func and
Aggregate subclasses, custom fields (from_db_value, to_python, get_prep_value, deconstruct).

Lookups, transforms and functions that write their own SQL need a backend that speaks SQL:
a document store refuses them with NotSupportedError naming ``supports_raw_queries``."""

import decimal

import pytest

from reinhardt.orm import connection, models
from reinhardt.orm.models import F, Func, Lookup, Transform, Value
from tests.orm.capabilities import needs
from tests.orm.custom_fields import CentsField, Hand, HandField
from tests.orm.models import Author, Book, Deal
from tests.orm.sample import make_library


@pytest.fixture
def lib():
    return make_library()


# ----- custom lookups and transforms ---------------------------------------------------------


class NotEqual(Lookup):
    lookup_name = "ne"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = lhs_params + rhs_params
        return f"{lhs} <> {rhs}", params


class AbsoluteValue(Transform):
    lookup_name = "abs"
    function = "ABS"


class NegativeValue(Transform):
    lookup_name = "neg"

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"(-{lhs})", params


class UpperCase(Transform):
    lookup_name = "upper"
    function = "UPPER"
    bilateral = True


@pytest.fixture
def registered():
    models.Field.register_lookup(NotEqual)
    models.IntegerField.register_lookup(AbsoluteValue)
    models.IntegerField.register_lookup(NegativeValue)
    models.CharField.register_lookup(UpperCase)
    yield
    models.Field._unregister_lookup(NotEqual)
    models.IntegerField._unregister_lookup(AbsoluteValue)
    models.IntegerField._unregister_lookup(NegativeValue)
    models.CharField._unregister_lookup(UpperCase)


def titles(qs):
    return list(qs.values_list("title", flat=True))


@needs("supports_raw_queries")
def test_custom_lookup(lib, registered):
    assert titles(Book.objects.filter(genre__ne="fic")) == ["Beta", "Delta", "Epsilon"]
    assert titles(Book.objects.exclude(pages__ne=100)) == ["Alpha"]
    assert titles(Book.objects.filter(author__name__ne="Ann")) == ["Delta", "Epsilon", "Gamma"]


@needs("supports_raw_queries")
def test_custom_transform_with_function_and_chained_lookups(lib, registered):
    Book.objects.filter(title="Alpha").update(pages=-100)
    assert titles(Book.objects.filter(pages__abs=100)) == ["Alpha"]
    assert titles(Book.objects.filter(pages__abs__lt=150)) == ["Alpha", "Epsilon"]
    assert titles(Book.objects.filter(pages__neg__gt=0)) == ["Alpha"]
    assert titles(Book.objects.filter(pages__abs__ne=100)) == [
        "Beta", "Delta", "Epsilon", "Gamma"]


@needs("supports_raw_queries")
def test_bilateral_transform(lib, registered):
    assert titles(Book.objects.filter(title__upper="alpha")) == ["Alpha"]
    assert titles(Book.objects.filter(title__upper__in=["beta", "GAMMA"])) == ["Beta", "Gamma"]


@needs("supports_raw_queries")
def test_transform_usable_in_expressions_and_order_by(lib, registered):
    Book.objects.filter(title="Alpha").update(pages=-1000)
    qs = Book.objects.annotate(a=AbsoluteValue("pages")).order_by("-a")
    assert titles(qs)[:1] == ["Alpha"]
    assert titles(Book.objects.order_by("pages__abs"))[:1] == ["Epsilon"]


@needs("supports_raw_queries")
def test_lookup_with_vendor_specific_sql(lib):
    class Above(Lookup):
        lookup_name = "above"

        def as_sql(self, compiler, connection):
            lhs, lhs_params = self.process_lhs(compiler, connection)
            rhs, rhs_params = self.process_rhs(compiler, connection)
            return f"{lhs} > {rhs}", lhs_params + rhs_params

        def as_sqlite(self, compiler, connection):
            sql, params = self.as_sql(compiler, connection)
            return sql + " AND 1 = 1", params

    models.IntegerField.register_lookup(Above)
    try:
        assert titles(Book.objects.filter(pages__above=250)) == ["Delta", "Gamma"]
    finally:
        models.IntegerField._unregister_lookup(Above)


@needs("supports_raw_queries")
def test_register_lookup_as_class_decorator_and_get_lookups(lib):
    @models.CharField.register_lookup
    class StartsWithA(Lookup):
        lookup_name = "starts_a"
        prepare_rhs = False

        def as_sql(self, compiler, connection):
            lhs, params = self.process_lhs(compiler, connection)
            if self.rhs:
                return f"{lhs} LIKE 'A%%'", params
            return f"{lhs} NOT LIKE 'A%%'", params

    try:
        assert "starts_a" in models.CharField.get_lookups()
        assert titles(Book.objects.filter(title__starts_a=True)) == ["Alpha"]
    finally:
        models.CharField._unregister_lookup(StartsWithA)
    assert "starts_a" not in models.CharField.get_lookups()


# ----- custom Func and Aggregate -------------------------------------------------------------


@needs("supports_raw_queries", "supports_functions")
def test_custom_func_with_template_and_as_sql_override(lib):
    class ConcatPipe(Func):
        arg_joiner = " || "
        template = "(%(expressions)s)"
        output_field = models.CharField()

    class Greeting(Func):
        function = "UPPER"
        output_field = models.CharField()

        def as_sql(self, compiler, connection, **extra_context):
            return super().as_sql(compiler, connection, template="%(function)s('hi ' || "
                                                                 "%(expressions)s)",
                                  **extra_context)

    class Lowered(Func):
        function = "LOWER"

        def as_sqlite(self, compiler, connection, **extra_context):
            return super().as_sql(compiler, connection, function="LOWER", **extra_context)

    row = Book.objects.annotate(
        c=ConcatPipe("title", Value("-"), "genre"), g=Greeting("title"), lo=Lowered("title"),
    ).get(title="Alpha")
    assert (row.c, row.g, row.lo) == ("Alpha-fic", "HI ALPHA", "alpha")


@needs("supports_raw_queries", "supports_aggregates")
def test_custom_aggregate(lib):
    class SumOfSquares(models.Aggregate):
        function = "SUM"
        template = "%(function)s(%(expressions)s * %(expressions)s)"
        name = "SumOfSquares"
        output_field = models.IntegerField()

    class GroupConcat(models.Aggregate):
        function = "GROUP_CONCAT"
        name = "GroupConcat"
        allow_distinct = True
        output_field = models.CharField()

        def as_sql(self, compiler, connection, **extra_context):
            if connection.vendor == "postgresql":
                return super().as_sql(compiler, connection, function="STRING_AGG",
                                      template="%(function)s(%(distinct)s%(expressions)s, ',')",
                                      **extra_context)
            return super().as_sql(compiler, connection, **extra_context)

    assert Book.objects.filter(genre="sci").aggregate(s=SumOfSquares("pages")) == {
        "s": 200 * 200 + 50 * 50}
    result = Book.objects.filter(genre="fic").aggregate(g=GroupConcat("genre", distinct=True))
    assert result == {"g": "fic"}
    assert Book.objects.filter(pages__gt=10_000).aggregate(s=SumOfSquares("pages")) == {
        "s": None}
    rows = Author.objects.annotate(s=SumOfSquares("books__pages")).order_by("name")
    assert list(rows.values_list("name", "s")) == [
        ("Ann", 50000), ("Bob", 250000), ("Cy", None), ("Dee", 2500)]


# ----- custom fields -------------------------------------------------------------------------


def test_custom_field_round_trip_and_lookups():
    Deal.objects.create(hand=Hand("AKQ", "J10"), amount=decimal.Decimal("12.34"))
    Deal.objects.create(hand=Hand("234", "567"), amount=decimal.Decimal("0.99"))
    deal = Deal.objects.get(hand=Hand("AKQ", "J10"))
    assert deal.hand == Hand("AKQ", "J10")
    assert deal.amount == decimal.Decimal("12.34")
    assert Deal.objects.filter(amount__gt=decimal.Decimal("1")).count() == 1
    assert list(Deal.objects.order_by("amount").values_list("amount", flat=True)) == [
        decimal.Decimal("0.99"), decimal.Decimal("12.34")]
    assert Deal.objects.filter(hand__in=[Hand("234", "567")]).get().amount == decimal.Decimal(
        "0.99")
    Deal.objects.filter(hand=Hand("234", "567")).update(amount=F("amount") + 100)
    assert Deal.objects.get(hand=Hand("234", "567")).amount == decimal.Decimal("1.99")


def test_custom_field_deconstruct_and_to_python():
    field = HandField(null=True)
    name, path, args, kwargs = field.deconstruct()
    assert path == "tests.orm.custom_fields.HandField"
    assert kwargs == {"null": True}
    assert field.to_python("A|B") == Hand("A", "B")
    assert field.to_python(None) is None
    assert CentsField().get_prep_value("1.50") == 150


def test_vendor_is_exposed_for_custom_sql():
    assert isinstance(connection.vendor, str) and connection.vendor

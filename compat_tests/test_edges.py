"""Fixed rows holding the awkward values together (limits, LIKE wildcards, trailing spaces,
case pairs, an emoji, NULLs, year 1000 and 9999, several time zones), and operations over
them that random generation reaches only now and then. Checked against the same reference
as the generated examples; the expected answers are never written here."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from compat_tests.data import A, B, Data, T
from compat_tests.spec import Agg, Annotated, FRef, Leaf, Not, Or, OrderItem, Query
from compat_tests.test_queries import check_query
from compat_tests.test_writes import check_write
from compat_tests.writes import Atomic, BulkCreate, BulkUpdate, Delete, Update

D = Data(authors=(A(1, "a"), A(2, "A ")), tags=(T(1, "a%"), T(2, "_")), books=(
    B(1, title="a%b", subtitle="a ", rating=1/3, price=Decimal("999999.99"), pages=2**31-1, big=2**63-1,
      pub_date=datetime.date(1000, 1, 1), published_at=datetime.datetime(2000, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Kolkata")), author=1, tags=(1, 2)),
    B(2, title="A\\b", subtitle="a", rating=1e300, price=Decimal("-0.01"), pages=-2**31, big=-2**63,
      pub_date=datetime.date(9999, 12, 31), published_at=datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC), in_print=False, author=2),
    B(3, title="é😀", subtitle=None, rating=2.2250738585072014e-308, in_print=True, tags=(2,)),
    B(4, title="É_", subtitle="", rating=-0.0, published_at=datetime.datetime(2024, 3, 10, 8, 30, tzinfo=datetime.UTC)),
))
R = (OrderItem("ref"),)
CASES = [
    Query("Book", (("filter", Leaf("title", "contains", "%")),), ordering=R),
    Query("Book", (("filter", Leaf("title", "contains", "_")),), ordering=R),
    Query("Book", (("filter", Leaf("title", "contains", "\\")),), ordering=R),
    Query("Book", (("filter", Leaf("title", "icontains", "É")),), ordering=R),
    Query("Book", (("filter", Leaf("title", "iendswith", "😀")),), ordering=R),
    Query("Book", (("filter", Leaf("subtitle", "exact", "a")),), ordering=R),
    Query("Book", (("filter", Leaf("subtitle", "iexact", "A ")),), ordering=R),
    Query("Author", (("filter", Leaf("name", "exact", "A")),), ordering=R),
    Query("Book", (("filter", Leaf("title", "regex", "^.😀$")),), ordering=R),
    Query("Book", (("filter", Leaf("title", "iregex", "^é")),), ordering=R),
    Query("Book", (("filter", Leaf("title", "regex", "^É.$")),), ordering=R),
    Query("Book", (), ordering=(OrderItem("title"), OrderItem("ref"))),
    Query("Book", (), ordering=(OrderItem("subtitle", True), OrderItem("ref"))),
    Query("Book", (), ordering=(OrderItem("rating", False, "first"), OrderItem("ref"))),
    Query("Book", (), ordering=(OrderItem("author__name", True, "last"), OrderItem("ref"))),
    Query("Book", (), output=("values_list", ("rating", "price", "big", "pub_date", "published_at"), False), ordering=R),
    Query("Book", (("filter", Leaf("rating", "exact", 1/3)),), ordering=R),
    Query("Book", (("filter", Leaf("rating", "lt", 0.0)),), ordering=R),
    Query("Book", (("filter", Leaf("published_at", "exact", 31, "day")),), ordering=R),
    Query("Book", (("filter", Leaf("published_at", "exact", 18, "hour")),), ordering=R),
    Query("Book", (("filter", Leaf("published_at", "exact", 1, "week_day")),), ordering=R),
    Query("Book", (("filter", Leaf("published_at", "exact", datetime.date(1999, 12, 31), "date")),), ordering=R),
    Query("Book", (("filter", Leaf("pub_date", "exact", 9999, "year")),), ordering=R),
    Query("Book", (("exclude", Leaf("tags__name", "exact", "_")),), ordering=R),
    Query("Book", (("filter", Not(Leaf("tags__name", "isnull", True))),), ordering=R),
    Query("Book", (("filter", Or((Leaf("tags__name", "exact", "_"), Leaf("ref", "exact", 4)))),), ordering=R),
    Query("Book", (("filter", Leaf("pages", "in", [None])),), ordering=R),
    Query("Book", (("exclude", Leaf("pages", "in", [])),), ordering=R),
    Query("Book", (("exclude", Leaf("subtitle", "in", [None, "a"])),), ordering=R),
    Query("Author", (("filter", Leaf("books__tags__name", "startswith", "_")),), ordering=R),
    Query("Book", (), output=("aggregate", (("s", Agg("Sum", "price")), ("a", Agg("Avg", "price")), ("m", Agg("Max", "published_at")), ("n", Agg("Min", "title")), ("c", Agg("Count", "subtitle", True))))),
    Query("Book", (), ordering=R, slice=(1, None)),
    Query("Book", (), ordering=R, slice=(3, 10), output=("count",)),
    Annotated("Author", (), (("n", Agg("Count", "books")), ("t", Agg("Count", "books__tags")))),
    Annotated("Book", (), (("n", Agg("Count", "ref")),), None, "in_print"),
    Annotated("Book", (), (("n", Agg("Count", "ref")), ("m", Agg("Max", "ref"))), None, "title"),
    Annotated("Tag", (), (("n", Agg("Count", "books")),), ("n", "gte", 2)),
]
@pytest.mark.parametrize("q", CASES, ids=range(len(CASES)))
def test_case(q):
    check_query(D, q)

WRITES = [
    Update((("filter", Leaf("tags__name", "exact", "_")),), (("title", "x"),)),
    Update((("exclude", Leaf("tags__name", "exact", "_")),), (("big", FRef("pages")),)),
    Delete("Tag", (("filter", Leaf("books__title", "startswith", "a")),)),
    Delete("Author", ()),
    BulkUpdate(((1, (("rating", None), ("price", Decimal("1.10")))), (3, (("title", "Ж"),))), ("rating", "price", "title"), 1),
    BulkCreate((B(10, title="x", published_at=datetime.datetime(2000, 1, 1, tzinfo=ZoneInfo("Pacific/Kiritimati")), author=2),), None),
    Atomic((Update((), (("title", "o"),)),), (Delete("Book", ()),), True, False),
]
@pytest.mark.parametrize("op", WRITES, ids=range(len(WRITES)))
def test_write_case(op):
    check_write(D, op)

"""Hypothesis strategies: rows with awkward values, and queries over them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from compat_tests.data import A, B, Data, T
from compat_tests.schema import (
    DATE_TRANSFORMS,
    DATETIME_TRANSFORMS,
    NUMERIC,
    ORDERED,
    PATHS,
    path,
)
from compat_tests.spec import Agg, And, FRef, Leaf, Not, Or, OrderItem, Query, Scenario

# Letters with a case (ASCII, Latin-1, Cyrillic), one without (an emoji, 4 bytes in UTF-8),
# LIKE's wildcards and escape character, a quote and a space (trailing spaces matter).
ALPHABET = "aAbBéÉжЖ😀%_\\' 0"
ZONES = [
    datetime.UTC,
    ZoneInfo("America/Chicago"),  # the tests' TIME_ZONE: date parts are taken here
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Pacific/Kiritimati"),
    datetime.timezone(datetime.timedelta(hours=-3, minutes=-30)),
]

INT_EDGES = [-(2**31), 2**31 - 1, 0, -1, 1]
BIG_EDGES = [-(2**63), 2**63 - 1, 2**31, -(2**31) - 1, 0]
FLOAT_EDGES = [0.0, -0.0, 0.1, 1.5, -2.5, 1e300, -1e300, 2.2250738585072014e-308, 1e-300,
               9007199254740993.0, 1 / 3]
DECIMAL_EDGES = [Decimal("999999.99"), Decimal("-999999.99"), Decimal("0.01"), Decimal("0.00"),
                 Decimal("-0.01"), Decimal("1.10")]

# Short words that collide in the ways lookups care about (case, prefixes, wildcards).
WORDS = ["", "a", "A", "ab", "Ab", "AB", "b", "é", "É", "éa", "Éa", "жЖ", "ЖЖ", "a%", "a_",
         "a\\", "it's", "a ", " a", "😀", "b😀", "%", "_"]
texts = st.one_of(st.sampled_from(WORDS), st.text(ALPHABET, max_size=6))
ints = st.one_of(st.sampled_from(INT_EDGES), st.integers(-3, 12),
                 st.integers(-(2**31), 2**31 - 1))
bigs = st.one_of(st.sampled_from(BIG_EDGES), st.integers(-3, 12),
                 st.integers(-(2**63), 2**63 - 1))
floats = st.one_of(st.sampled_from(FLOAT_EDGES),
                   st.floats(-1e300, 1e300, allow_nan=False, allow_subnormal=False))
decimals = st.one_of(st.sampled_from(DECIMAL_EDGES),
                     st.decimals("-999999.99", "999999.99", places=2, allow_nan=False))
dates = st.one_of(st.sampled_from([datetime.date(1000, 1, 1), datetime.date(9999, 12, 31),
                                   datetime.date(2000, 2, 29)]),
                  st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)))
datetimes = st.datetimes(datetime.datetime(1900, 1, 2), datetime.datetime(2100, 12, 30),
                         timezones=st.sampled_from(ZONES), allow_imaginary=False)
bools = st.booleans()

BY_KIND = {"text": texts, "int": ints, "big": bigs, "float": floats, "decimal": decimals,
           "date": dates, "datetime": datetimes, "bool": bools}


def nullable(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def datasets(draw, max_books=7):
    n_authors = draw(st.integers(0, 3))
    authors = [A(i + 1, draw(texts), draw(nullable(ints))) for i in range(n_authors)]
    n_tags = draw(st.integers(0, 3))
    tags = [T(i + 1, draw(texts)) for i in range(n_tags)]
    books = []
    for i in range(draw(st.integers(0, max_books))):
        books.append(B(
            i + 1,
            title=draw(texts),
            subtitle=draw(nullable(texts)),
            pages=draw(nullable(ints)),
            big=draw(nullable(bigs)),
            rating=draw(nullable(floats)),
            price=draw(nullable(decimals)),
            pub_date=draw(nullable(dates)),
            published_at=draw(nullable(datetimes)),
            in_print=draw(nullable(bools)),
            author=draw(st.one_of(st.none(), st.integers(1, n_authors))) if n_authors else None,
            tags=tuple(sorted(draw(st.sets(st.integers(1, n_tags)))) if n_tags else ()),
        ))
    return Data(tuple(authors), tuple(tags), tuple(books))


# ----- filters --------------------------------------------------------------------------

TEXT_LOOKUPS = ["exact", "iexact", "contains", "icontains", "startswith", "istartswith",
                "endswith", "iendswith", "gt", "gte", "lt", "lte", "in", "isnull", "regex",
                "iregex"]
ORDER_LOOKUPS = ["exact", "gt", "gte", "lt", "lte", "in", "range", "isnull"]
REGEX_TOKENS = ["a", "b", "A", "é", "É", ".", ".*", "[ab]", "b?", "ж"]


@st.composite
def regexes(draw):
    body = "".join(draw(st.lists(st.sampled_from(REGEX_TOKENS), min_size=1, max_size=3)))
    return ("^" if draw(st.booleans()) else "") + body + ("$" if draw(st.booleans()) else "")


def _values_of(data, p):
    """Values the rows hold for a path's field (so that lookups find matches)."""
    field = p.name.split("__")[-1]
    rows = data.books + data.authors + data.tags
    return [getattr(r, field) for r in rows if getattr(r, field, None) is not None]


TYPES = {"text": str, "int": int, "big": int, "float": float, "decimal": Decimal,
         "date": datetime.date, "datetime": datetime.datetime, "bool": bool}


@st.composite
def variants(draw, texts):
    """A stored text changed the ways lookups care about: case, a part of it."""
    text = draw(texts)
    how = draw(st.sampled_from(["swapcase", "upper", "part", "lower"]))
    if how == "part":
        i = draw(st.integers(0, len(text)))
        return text[i:draw(st.integers(i, len(text)))]
    return getattr(text, how)()


@st.composite
def leaves(draw, data, model, allow_multi=True, only_multi=False):
    candidates = [p for p in PATHS[model]
                  if (allow_multi or not p.multi) and (p.multi or not only_multi)]
    p = draw(st.sampled_from(candidates))
    kind = p.kind
    transform = None
    if kind in ("date", "datetime") and draw(st.integers(0, 3)) == 0:
        transform = draw(st.sampled_from(DATETIME_TRANSFORMS if kind == "datetime"
                                         else DATE_TRANSFORMS))
        kind = "date" if transform == "date" else "int"
        lookup = draw(st.sampled_from(["exact", "gt", "lte", "in"]))
        base = dates if kind == "date" else st.integers(0, 60)
    else:
        if kind == "text":
            lookups = TEXT_LOOKUPS
        elif kind == "bool":
            lookups = ["exact", "isnull"]
        else:
            lookups = ORDER_LOOKUPS
        lookup = draw(st.sampled_from(lookups))
        existing = [v for v in _values_of(data, p) if isinstance(v, TYPES[kind])]
        base = BY_KIND[kind]
        if existing:
            # Mostly values the rows hold (or, for text, a case change or part of one).
            source = draw(st.sampled_from(["variant", "existing", "fresh"]))
            if source == "existing" or (source == "variant" and kind != "text"):
                base = st.sampled_from(existing)
            elif source == "variant":
                base = variants(st.sampled_from(existing))
    if lookup == "isnull":
        value = draw(st.booleans())
    elif lookup == "in":
        value = draw(st.lists(nullable(base), max_size=3))
    elif lookup == "range":
        low, high = sorted([draw(base), draw(base)], key=lambda v: (str(type(v)), v))
        value = (low, high)
    elif lookup in ("regex", "iregex"):
        value = draw(regexes())
    elif lookup in ("exact", "iexact") and not transform and draw(st.integers(0, 9)) == 0:
        value = None
    elif (kind in ("int", "big") and not transform and not p.multi and lookup in
          ("exact", "gt", "lt", "gte", "lte") and draw(st.integers(0, 5)) == 0):
        others = [q.name for q in PATHS[model]
                  if q.kind in ("int", "big") and not q.multi and q.name != p.name]
        value = FRef(draw(st.sampled_from(others))) if others else draw(base)
    else:
        value = draw(base)
    return Leaf(p.name, lookup, value, transform)


def q_trees(data, model, allow_multi=True, depth=1):
    leaf = leaves(data, model, allow_multi)
    if depth == 0:
        return leaf

    @st.composite
    def negation(draw):
        if allow_multi and draw(st.booleans()):
            multi = [p for p in PATHS[model] if p.multi]
            if multi:
                return Not(draw(leaves(data, model, True, only_multi=True)))
        return Not(draw(q_trees(data, model, False, depth - 1)))

    sub = q_trees(data, model, allow_multi, depth - 1)
    # Mostly single lookups, so that each one decides the result often.
    return st.one_of(
        leaf, leaf, leaf,
        st.builds(lambda c: And(tuple(c)), st.lists(sub, min_size=2, max_size=2)),
        st.builds(lambda c: Or(tuple(c)), st.lists(sub, min_size=2, max_size=3)),
        negation(),
    )


@st.composite
def steps(draw, data, model):
    result = []
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 2, 0]))):
        if draw(st.integers(0, 3)) == 0:
            # exclude(): a multi-valued condition alone (a subquery), or single-valued ones.
            multi = [p for p in PATHS[model] if p.multi]
            if multi and draw(st.booleans()):
                node = draw(leaves(data, model, True, only_multi=True))
            else:
                node = draw(q_trees(data, model, allow_multi=False))
            result.append(("exclude", node))
        else:
            depth = draw(st.sampled_from([1, 1, 2]))
            result.append(("filter", draw(q_trees(data, model, depth=depth))))
    return tuple(result)


def _single(model, kinds=ORDERED):
    return [p.name for p in PATHS[model] if not p.multi and p.kind in kinds]


@st.composite
def orderings(draw, model):
    items = []
    for name in draw(st.lists(st.sampled_from(_single(model)), max_size=2, unique=True)):
        nulls = draw(st.sampled_from([None, None, "first", "last"]))
        items.append(OrderItem(name, draw(st.booleans()), nulls))
    return tuple(items) + (OrderItem("ref", draw(st.booleans())),)


def _has_positive_multi(model, query_steps):
    from compat_tests.spec import Reference

    ref = Reference(model, False)
    return any(kind == "filter" and ref.positive_multis(node) for kind, node in query_steps)


@st.composite
def queries(draw, data, models=("Book", "Book", "Author", "Tag")):
    model = draw(st.sampled_from(models))
    query_steps = draw(steps(data, model))
    output_kind = draw(st.sampled_from(
        ["objects", "objects", "objects", "values", "values_list", "count", "exists",
         "aggregate"]))
    distinct = draw(st.integers(0, 4)) == 0
    ordering = ()
    slc = None
    if output_kind == "objects":
        output = ("objects",)
    elif output_kind in ("values", "values_list"):
        names = _single(model)
        if not _has_positive_multi(model, query_steps):
            names += [p.name for p in PATHS[model] if p.multi]
        fields = tuple(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3,
                                     unique=True)))
        flat = output_kind == "values_list" and len(fields) == 1 and draw(st.booleans())
        output = (output_kind, fields) + ((flat,) if output_kind == "values_list" else ())
        if distinct or any(path(model, f).multi for f in fields):
            ordering = ()  # DISTINCT with order_by() selects the ordering columns too
    elif output_kind == "aggregate":
        distinct = False
        own = [p for p in PATHS[model] if "__" not in p.name]
        aggs = []
        for i in range(draw(st.integers(1, 3))):
            p = draw(st.sampled_from(own))
            funcs = ["Count"]
            if p.kind in NUMERIC and p.kind != "big":
                funcs += ["Sum", "Avg"]
            if p.kind in ORDERED and p.kind != "bool":
                funcs += ["Min", "Max"]
            func = draw(st.sampled_from(funcs))
            distinct_values = func in ("Count", "Sum", "Avg") and draw(st.integers(0, 3)) == 0
            aggs.append((f"a{i}", Agg(func, p.name, distinct_values)))
        output = ("aggregate", tuple(aggs))
        return Query(model, query_steps, distinct, (), output, None)
    else:
        output = (output_kind,)
    orderable = output_kind in ("objects", "values", "values_list") and not (
        output_kind != "objects" and (distinct or any(path(model, f).multi for f in output[1])))
    if orderable and draw(st.integers(0, 4)) > 0:
        ordering = draw(orderings(model))
    if (ordering or output_kind == "count") and draw(st.booleans()):
        start = draw(st.sampled_from([None, 0, 1, 2]))
        stop = draw(st.sampled_from([None, 1, 2, 4]))
        if start is not None and stop is not None and stop < start:
            start, stop = stop, start
        if start or stop is not None:
            slc = (start, stop)
    return Query(model, query_steps, distinct, ordering, output, slc)


@st.composite
def scenarios(draw):
    data = draw(datasets())
    return Scenario(data, draw(queries(data)))


# ----- writes ---------------------------------------------------------------------------

UPDATABLE = ["title", "subtitle", "pages", "big", "rating", "price", "pub_date",
             "published_at", "in_print"]


def _field_value(name):
    from compat_tests.schema import BOOK_FIELDS

    kind, null = BOOK_FIELDS[name]
    return nullable(BY_KIND[kind]) if null else BY_KIND[kind]


@st.composite
def updates(draw, data):
    from compat_tests.writes import Update

    names = draw(st.lists(st.sampled_from(UPDATABLE), min_size=1, max_size=3, unique=True))
    assignments = []
    for name in names:
        if name == "big" and draw(st.integers(0, 3)) == 0:
            assignments.append((name, FRef("pages")))
        else:
            assignments.append((name, draw(_field_value(name))))
    return Update(draw(steps(data, "Book")), tuple(assignments))


@st.composite
def deletes(draw, data):
    from compat_tests.writes import Delete

    model = draw(st.sampled_from(["Book", "Author", "Tag"]))
    return Delete(model, draw(steps(data, model)))


@st.composite
def bulk_creates(draw, data):
    from compat_tests.writes import BulkCreate

    n_authors = len(data.authors)
    books = []
    for i in range(draw(st.integers(1, 5))):
        books.append(B(
            100 + i,
            **{name: draw(_field_value(name)) for name in UPDATABLE},
            author=draw(st.one_of(st.none(), st.integers(1, n_authors))) if n_authors else None,
        ))
    return BulkCreate(tuple(books), draw(st.sampled_from([None, None, 2])))


@st.composite
def bulk_updates(draw, data):
    from compat_tests.writes import BulkUpdate

    if not data.books:
        return None
    fields = tuple(draw(st.lists(st.sampled_from(UPDATABLE), min_size=1, max_size=3,
                                 unique=True)))
    refs = draw(st.lists(st.sampled_from([b.ref for b in data.books]), min_size=1,
                         max_size=4, unique=True))
    changes = tuple(
        (ref, tuple((f, draw(_field_value(f))) for f in fields if draw(st.integers(0, 4))))
        for ref in refs
    )
    return BulkUpdate(changes, fields, draw(st.sampled_from([None, None, 2])))


def single_writes(data):
    return st.one_of(updates(data), deletes(data), bulk_creates(data),
                     bulk_updates(data).filter(lambda op: op is not None))


@st.composite
def atomics(draw, data):
    from compat_tests.writes import Atomic

    outer = tuple(draw(st.lists(st.one_of(updates(data), deletes(data)), max_size=2)))
    inner = tuple(draw(st.lists(st.one_of(updates(data), deletes(data)), min_size=1,
                                max_size=2)))
    return Atomic(outer, inner, draw(st.booleans()), draw(st.booleans()))


@st.composite
def write_scenarios(draw):
    data = draw(datasets(max_books=5))
    if data.books and draw(st.integers(0, 3)) == 0:
        return Scenario(data, draw(atomics(data)))
    return Scenario(data, draw(single_writes(data)))


# ----- annotations ----------------------------------------------------------------------

RELATED_AGGS = {
    "Book": [("Count", "tags"), ("Max", "tags__name"), ("Min", "tags__name"),
             ("Count", "tags__name")],
    "Author": [("Count", "books"), ("Sum", "books__pages"), ("Avg", "books__rating"),
               ("Max", "books__pub_date"), ("Min", "books__title"), ("Count", "books__tags"),
               ("Max", "books__rating")],
    "Tag": [("Count", "books"), ("Sum", "books__pages"), ("Min", "books__title")],
}
GROUP_KEYS = {"Book": ["in_print", "author__name", "pub_date", "title"],
              "Author": ["age", "name"], "Tag": ["name"]}


@st.composite
def annotated(draw, data):
    from compat_tests.spec import Annotated

    model = draw(st.sampled_from(["Book", "Author", "Tag"]))
    query_steps = tuple((k, n) for k, n in draw(steps(data, model))
                        if not _has_positive_multi(model, ((k, n),)))
    group_by = draw(st.sampled_from([None, None] + GROUP_KEYS[model]))
    choices = RELATED_AGGS[model]
    if group_by:
        choices = [("Count", "ref"), ("Sum", "ref"), ("Max", "ref")] + choices
    annotations = []
    for i, (func, name) in enumerate(draw(st.lists(st.sampled_from(choices), min_size=1,
                                                   max_size=2, unique=True))):
        distinct = func in ("Count", "Sum") and draw(st.booleans())
        annotations.append((f"x{i}", Agg(func, name, distinct)))
    having = None
    if draw(st.booleans()):
        alias, agg = annotations[0]
        if agg.func == "Count":
            having = (alias, draw(st.sampled_from(["gte", "lt", "exact"])),
                      draw(st.integers(0, 3)))
    return Annotated(model, query_steps, tuple(annotations), having, group_by)


@st.composite
def annotation_scenarios(draw):
    data = draw(datasets())
    return Scenario(data, draw(annotated(data)))

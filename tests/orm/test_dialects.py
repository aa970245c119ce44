"""Dialect details that must not show: every backend gives the same answers.

Comparisons, case, regular expressions, booleans, RETURNING, upserts, batching by
max_query_params, row locks, literal '%' in SQL, update counts — where SQL dialects differ,
reinhardt's results don't.
"""

import datetime
import threading

import pytest

from reinhardt.orm import OperationalError, connection, transaction
from reinhardt.orm.models import Count, F, Q, Value
from reinhardt.orm.models.functions import Lower, Upper
from reinhardt.utils import timezone
from tests.orm.capabilities import needs
from tests.orm.models import AllTypes, Author, Book, Event, Tag


def names(**lookup):
    return sorted(Author.objects.filter(**lookup).values_list("name", flat=True))


@pytest.fixture
def people():
    for name in ["Ann", "ann", "ANN", "Ann ", "Zoë", "zoë", "Émile", "émile", "bob", "Bob"]:
        Author.objects.create(name=name)


# ----- text comparisons ----------------------------------------------------------------------


def test_exact_is_case_and_space_sensitive(people):
    assert names(name="Ann") == ["Ann"]
    assert names(name="Ann ") == ["Ann "]
    assert names(name__in=["ann", "Zoë"]) == ["Zoë", "ann"]


def test_unique_constraints_are_case_sensitive():
    Tag.objects.create(name="python")
    Tag.objects.create(name="Python")  # a different value: no IntegrityError
    assert Tag.objects.count() == 2


@needs("supports_case_insensitive_lookups")
def test_case_insensitive_lookups_fold_every_letter(people):
    assert names(name__iexact="ann") == ["ANN", "Ann", "ann"]
    assert names(name__iexact="ZOË") == ["Zoë", "zoë"]
    assert names(name__istartswith="ÉM") == ["Émile", "émile"]
    assert names(name__iendswith="OË") == ["Zoë", "zoë"]
    assert names(name__icontains="MIL") == ["Émile", "émile"]


def test_ordering_by_text_is_by_code_point(people):
    ordered = list(Author.objects.order_by("name").values_list("name", flat=True))
    assert ordered == sorted(ordered)  # Python compares strings by code point


@needs("supports_functions")
def test_lower_and_upper_functions(people):
    values = dict(Author.objects.filter(name="Émile").annotate(
        lo=Lower("name"), up=Upper("name")).values_list("lo", "up"))
    assert values == {"émile": "ÉMILE"}


@needs("supports_regex_lookups")
def test_regex_case_sensitivity_does_not_depend_on_the_collation(people):
    assert names(name__regex=r"^[Aa]nn$") == ["Ann", "ann"]
    assert names(name__regex=r"^b") == ["bob"]
    assert names(name__iregex=r"^b") == ["Bob", "bob"]
    assert names(name__iregex=r"^ANN$") == ["ANN", "Ann", "ann"]
    assert names(name__regex=r"^Z.ë$") == ["Zoë"]


# ----- values and types ----------------------------------------------------------------------


@needs("supports_functions")
def test_booleans_filter_and_come_back_as_bools():
    AllTypes.objects.create(boolean=True, null_bool=None)
    AllTypes.objects.create(boolean=False, null_bool=False)
    assert AllTypes.objects.filter(boolean=True).count() == 1
    assert AllTypes.objects.filter(null_bool__isnull=True).count() == 1
    flags = sorted(AllTypes.objects.annotate(
        is_true=Q(boolean=True)).values_list("is_true", flat=True))
    assert flags == [False, True] and all(type(flag) is bool for flag in flags)
    assert sorted(AllTypes.objects.values_list("boolean", flat=True)) == [False, True]


def test_update_counts_matched_rows_even_when_nothing_changes():
    Author.objects.create(name="same", age=5)
    assert Author.objects.filter(name="same").update(age=5) == 1


@needs("supports_date_lookups")
def test_datetimes_filter_in_the_current_time_zone():
    when = datetime.datetime(2021, 1, 1, 3, 0, tzinfo=datetime.UTC)
    Event.objects.create(name="e", when=when)
    with timezone.override("Asia/Tokyo"):
        assert Event.objects.filter(when__hour=12).count() == 1
        assert Event.objects.filter(when__date=datetime.date(2021, 1, 1)).count() == 1
    with timezone.override("America/Los_Angeles"):
        assert Event.objects.filter(when__day=31, when__year=2020).count() == 1
    fixed = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    from reinhardt.orm.models.functions import ExtractHour

    hours = Event.objects.annotate(h=ExtractHour("when", tzinfo=fixed)).values_list("h",
                                                                                     flat=True)
    assert list(hours) == [8]


@needs("supports_raw_queries")
def test_literal_percent_signs_in_raw_sql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT '100%'")  # no parameters: taken literally
        assert cursor.fetchone()[0] == "100%"
        cursor.execute("SELECT '100%%', %s", ["x"])  # with parameters: %% is a '%'
        assert tuple(cursor.fetchone()) == ("100%", "x")


@needs("supports_like_lookups")
def test_percent_and_underscore_in_pattern_values_match_literally():
    for name in ["50% off", "50 off", "a_b", "axb"]:
        Author.objects.create(name=name)
    assert names(name__contains="%") == ["50% off"]
    assert names(name__icontains="A_B") == ["a_b"]
    assert names(name__startswith="a_") == ["a_b"]


# ----- writes ---------------------------------------------------------------------------------


@needs("can_return_rows_from_bulk_insert")
def test_bulk_create_returns_primary_keys_in_order():
    created = Tag.objects.bulk_create([Tag(name=f"t{i}") for i in range(5)])
    assert [t.name for t in Tag.objects.filter(pk__in=[t.pk for t in created]).order_by("pk")] \
        == [f"t{i}" for i in range(5)]
    assert [Tag.objects.get(pk=t.pk).name for t in created] == [t.name for t in created]


@needs("supports_ignore_conflicts")
def test_ignore_conflicts_keeps_existing_rows_unchanged():
    Tag.objects.create(name="a")
    Tag.objects.bulk_create([Tag(name="a"), Tag(name="b"), Tag(name="b")],
                            ignore_conflicts=True)
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["a", "b"]


def test_batches_follow_max_query_params(monkeypatch, django_queries):
    features = connection.features
    if "max_query_params" in vars(features):  # read from the server when connecting
        monkeypatch.setattr(features, "max_query_params", 10)
    else:
        monkeypatch.setattr(type(features), "max_query_params", 10)
    author = Author.objects.create(name="a")
    books = Book.objects.bulk_create([Book(title=str(i), author=author) for i in range(12)])
    assert Book.objects.count() == 12
    ids = [b.pk for b in books] if all(b.pk for b in books) else \
        list(Book.objects.values_list("pk", flat=True))
    before = django_queries()
    assert len(Book.objects.in_bulk(ids)) == 12
    assert django_queries() - before == 2  # 12 ids, at most 10 parameters a statement


def test_iterator_streams_every_row_in_order():
    Tag.objects.bulk_create([Tag(name=f"{i:03}") for i in range(250)])
    seen = [t.name for t in Tag.objects.order_by("name").iterator(chunk_size=40)]
    assert seen == [f"{i:03}" for i in range(250)]
    with transaction.atomic():
        assert sum(1 for _ in Tag.objects.iterator(chunk_size=7)) == 250


@needs("supports_like_lookups")
def test_queries_run_while_iterator_is_reading():
    """Other statements on the same connection in the middle of iterator() work, and the
    iteration still yields every row once (MySQL moves the unread rows into memory)."""
    Tag.objects.bulk_create([Tag(name=f"{i:03}") for i in range(60)])
    seen = []
    for tag in Tag.objects.order_by("name").iterator(chunk_size=8):
        seen.append(tag.name)
        if len(seen) in (3, 20):
            assert Tag.objects.filter(name__lt=tag.name).count() == len(seen) - 1
            Tag.objects.filter(pk=tag.pk).update(name=tag.name + "!")
    assert seen == [f"{i:03}" for i in range(60)]
    assert sorted(Tag.objects.filter(name__endswith="!").values_list("name", flat=True)) == [
        "002!", "019!"]
    # An iterator left half-read does not hold the connection either.
    unfinished = Tag.objects.order_by("name").iterator(chunk_size=2)
    assert next(unfinished).name == "000"
    assert Tag.objects.count() == 60
    assert next(unfinished).name == "001"


# ----- queries ------------------------------------------------------------------------------


@needs("supports_distinct_on_fields")
def test_distinct_on_fields():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    for author, title, pages in [(ann, "a1", 10), (ann, "a2", 30), (bob, "b1", 20)]:
        Book.objects.create(title=title, author=author, pages=pages)
    longest = Book.objects.order_by("author_id", "-pages").distinct("author_id")
    assert [b.title for b in longest] == ["a2", "b1"]


@needs("supports_group_by")
def test_grouping_with_ordering_by_an_aggregate():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    for author, n in [(ann, 2), (bob, 3)]:
        for i in range(n):
            Book.objects.create(title=f"{author.name}{i}", author=author)
    rows = list(Author.objects.annotate(n=Count("books")).order_by("-n").values_list("name",
                                                                                    "n"))
    assert rows == [("Bob", 3), ("Ann", 2)]


@needs("supports_subqueries")
def test_sliced_subquery_in_a_filter():
    for i in range(5):
        Tag.objects.create(name=f"t{i}")
    first_two = Tag.objects.order_by("name").values("pk")[:2]
    assert sorted(Tag.objects.filter(pk__in=first_two).values_list("name", flat=True)) == [
        "t0", "t1",
    ]


@needs("supports_joins")
def test_update_and_delete_through_a_join():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    Book.objects.create(title="x", author=ann, pages=1)
    Book.objects.create(title="y", author=bob, pages=1)
    assert Book.objects.filter(author__name="Ann").update(pages=F("pages") + 1) == 1
    assert Book.objects.get(title="x").pages == 2
    assert Book.objects.filter(author__name="Bob").delete()[0] == 1
    assert list(Book.objects.values_list("title", flat=True)) == ["x"]


@needs("supports_functions")
def test_expression_values_in_select():
    Author.objects.create(name="a", age=3)
    row = Author.objects.annotate(
        double=F("age") * 2, label=Value("x"), nothing=Value(None, output_field=None),
    ).values_list("double", "label").get()
    assert row == (6, "x")


# ----- row locks -----------------------------------------------------------------------------


def _locked_by_another_connection(tag):
    """Hold a row lock on ``tag`` from a second connection until the returned event is set."""
    with transaction.atomic():  # a backend without row locks refuses here, not in the thread
        list(Tag.objects.select_for_update().filter(pk=-1))
    locked, release = threading.Event(), threading.Event()

    def hold():
        from reinhardt.orm import connections

        try:
            with transaction.atomic():
                list(Tag.objects.select_for_update().filter(pk=tag.pk))
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(30)
    return release, thread


@pytest.mark.transactional
@needs("supports_select_for_update", "has_select_for_update_nowait")
def test_select_for_update_nowait_fails_on_a_locked_row():
    tag = Tag.objects.create(name="busy")
    if connection.features.supports_select_for_update is True:
        release, thread = _locked_by_another_connection(tag)
    else:
        release = thread = None
    try:
        with pytest.raises(OperationalError):
            with transaction.atomic():
                list(Tag.objects.select_for_update(nowait=True).filter(pk=tag.pk))
    finally:
        if thread:
            release.set()
            thread.join()


@pytest.mark.transactional
@needs("supports_select_for_update", "has_select_for_update_skip_locked")
def test_select_for_update_skip_locked_skips_locked_rows():
    busy = Tag.objects.create(name="busy")
    Tag.objects.create(name="free")
    release, thread = _locked_by_another_connection(busy)
    try:
        with transaction.atomic():
            free = list(Tag.objects.select_for_update(skip_locked=True).values_list(
                "name", flat=True))
        assert free == ["free"]
    finally:
        release.set()
        thread.join()


@needs("supports_select_for_update", "has_select_for_update_of")
def test_select_for_update_of_the_related_rows():
    ann = Author.objects.create(name="Ann")
    Book.objects.create(title="t", author=ann)
    with transaction.atomic():
        books = list(Book.objects.select_related("author").select_for_update(of=("self",)))
    assert [b.author.name for b in books] == ["Ann"]


@pytest.mark.transactional
@needs("supports_select_for_update")
def test_select_for_update_outside_a_transaction_is_refused():
    with pytest.raises(transaction.TransactionManagementError):
        list(Tag.objects.select_for_update())

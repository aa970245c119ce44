"""Datastore only: what the backend stores, its emulations, unique markers, transactions and
the index.yaml command."""

import io

import pytest

from reinhardt.core.management import call_command
from reinhardt.orm import IntegrityError, NotSupportedError, connection, transaction
from reinhardt.orm.models import Exists, F, Q, Value
from reinhardt.orm.models.lookups import Exact
from tests.orm.models import Author, Book, Product, Publisher, Tag

pytestmark = pytest.mark.skipif(
    connection.vendor != "datastore",
    reason="Datastore-specific (run with REINHARDT_TEST_BACKEND=datastore)",
)


def test_ids_grow_in_creation_order_and_pk_lookups_are_key_gets():
    authors = [Author.objects.create(name=f"a{i}") for i in range(3)]
    assert [a.pk for a in authors] == sorted(a.pk for a in authors)
    connection.force_debug_cursor = True
    start = len(connection.queries_log)
    try:
        assert Author.objects.get(pk=authors[1].pk).name == "a1"
        assert [a.name for a in Author.objects.filter(pk__in=[authors[2].pk, authors[0].pk])
                ] == ["a0", "a2"]
        calls = [q["sql"].split()[0] for q in list(connection.queries_log)[start:]]
    finally:
        connection.force_debug_cursor = False
    assert calls == ["Lookup", "Lookup"]


def test_null_semantics_of_ranges_and_exclude():
    Author.objects.create(name="none", age=None)
    Author.objects.create(name="young", age=10)
    Author.objects.create(name="old", age=50)
    names = lambda qs: sorted(a.name for a in qs)  # noqa: E731
    assert names(Author.objects.filter(age__lt=30)) == ["young"]
    assert names(Author.objects.exclude(age__gt=30)) == ["none", "young"]
    assert names(Author.objects.exclude(age__lt=30)) == ["none", "old"]
    assert names(Author.objects.exclude(age=10)) == ["none", "old"]
    assert names(Author.objects.filter(age__isnull=False)) == ["old", "young"]


def test_in_lists_longer_than_datastore_allows_are_merged_exactly():
    authors = Author.objects.bulk_create([Author(name=f"n{i:02}", age=i) for i in range(40)])
    ages = list(range(0, 40, 1))
    qs = Author.objects.filter(age__in=ages).order_by("-age")
    assert [a.age for a in qs[3:8]] == [36, 35, 34, 33, 32]
    assert Author.objects.filter(age__in=ages).count() == 40
    assert Author.objects.exclude(age__in=ages[:35]).count() == 5
    assert len(authors) == 40


def test_unique_markers_enforce_unique_fields_in_the_same_commit():
    Tag.objects.create(name="x")
    with pytest.raises(IntegrityError):
        Tag.objects.create(name="x")
    tag = Tag.objects.get(name="x")
    tag.name = "y"
    tag.save()
    Tag.objects.create(name="x")  # the old value is free again
    with pytest.raises(IntegrityError):
        Tag.objects.filter(name="x").update(name="y")
    Tag.objects.filter(name="y").delete()
    Tag.objects.create(name="y")
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["x", "y"]


@pytest.mark.transactional
def test_atomic_commits_as_a_unit_and_reads_see_pending_writes():
    with transaction.atomic():
        Publisher.objects.create(name="p1")
        assert Publisher.objects.filter(name="p1").count() == 1
        assert [p.name for p in Publisher.objects.all()] == ["p1"]
    assert Publisher.objects.count() == 1
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            Publisher.objects.create(name="p2")
            raise RuntimeError
    assert list(Publisher.objects.values_list("name", flat=True)) == ["p1"]


def test_select_related_by_batched_key_gets():
    author = Author.objects.create(name="a")
    Book.objects.create(title="b1", author=author)
    Book.objects.create(title="b2", author=author)
    books = list(Book.objects.select_related("author"))
    assert [(b.title, b.author.name) for b in books] == [("b1", "a"), ("b2", "a")]


def test_check_and_conditional_unique_constraints_use_three_valued_logic():
    Product.objects.create(sku="s1", name="n", price=1)
    with pytest.raises(IntegrityError, match="price_not_negative"):
        Product.objects.create(sku="s2", name="m", price=-1)
    # discounted is NULL: a CHECK on it would be unknown, not false (none here, but the
    # conditional unique constraint only covers category="special").
    Product.objects.create(sku="s3", name="dup", category="special", price=1)
    Product.objects.create(sku="s4", name="dup", category="other", price=1)
    with pytest.raises(IntegrityError):
        Product.objects.create(sku="s5", name="dup", category="special", price=2)
    Product.objects.filter(sku="s3").update(category="plain")
    Product.objects.create(sku="s6", name="dup", category="special", price=2)
    with pytest.raises(IntegrityError, match="price_not_negative"):
        Product.objects.filter(sku="s1").update(price=-3)


def test_expression_unique_constraints_and_subqueries_are_refused_by_flag():
    with pytest.raises(NotSupportedError) as excinfo:
        list(Tag.objects.filter(pk__in=Tag.objects.values("pk")))
    assert excinfo.value.flag == "supports_subqueries"


def test_index_yaml_lists_composite_indexes():
    list(Book.objects.filter(genre="fic", pages__gt=10).order_by("-pages"))
    out = io.StringIO()
    call_command("datastore_indexes", stdout=out)
    text = out.getvalue()
    assert text.startswith("indexes:")
    assert "- kind: orm_book\n  properties:\n  - name: genre\n  - name: pages\n" \
           "    direction: desc\n" in text
    assert "- kind: orm_product" in text  # Meta.indexes


def _calls(run):
    """The Datastore requests ``run()`` makes, by operation name."""
    connection.force_debug_cursor = True
    start = len(connection.queries_log)
    try:
        run()
        return [q["sql"].split()[0] for q in list(connection.queries_log)[start:]]
    finally:
        connection.force_debug_cursor = False


def test_reverse_and_many_to_many_joins_are_one_query_and_one_batched_get():
    ann, bob = Author.objects.create(name="ann"), Author.objects.create(name="bob")
    b1 = Book.objects.create(title="b1", author=ann)
    b2 = Book.objects.create(title="b2", author=ann)
    Book.objects.create(title="b3", author=bob)
    py, db = Tag.objects.create(name="py"), Tag.objects.create(name="db")
    b1.tags.add(py, db)
    b2.tags.add(py)
    assert _calls(lambda: list(b1.tags.all())) == ["RunQuery", "Lookup"]
    assert [t.name for t in b1.tags.order_by("name")] == ["db", "py"]
    assert [b.title for b in py.books.order_by("-title")] == ["b2", "b1"]
    assert b1.tags.count() == 2 and b2.tags.exists() and not bob.books.get().tags.exists()
    # SQL's join: one row per matching book, so distinct() is what dedupes.
    titles = ["b1", "b2"]
    assert list(Author.objects.filter(books__title__in=titles).values_list("name", flat=True)
                ) == ["ann", "ann"]
    assert list(Author.objects.filter(books__title__in=titles).distinct()
                .values_list("name", flat=True)) == ["ann"]
    assert Author.objects.filter(books__title__in=titles).count() == 2
    assert list(Author.objects.filter(books__title="b3", name="ann")) == []
    books = list(Book.objects.order_by("title").prefetch_related("tags"))
    assert [sorted(t.name for t in b.tags.all()) for b in books] == [["db", "py"], ["py"], []]


def test_joins_the_emulation_cannot_answer_exactly_are_refused():
    for qs in (Author.objects.filter(Q(books__title="x") | Q(name="y")),  # under an OR
               Author.objects.filter(books__title="x").filter(books__pages=1),  # two joins
               Author.objects.order_by("books__title"),
               Book.objects.filter(author__name="ann")):  # a forward join
        with pytest.raises(NotSupportedError) as excinfo:
            list(qs)
        assert excinfo.value.flag == "supports_joins"


def test_constant_conditions_follow_sql_three_valued_logic():
    Product.objects.create(sku="s1", name="n", price=1, discounted=None)
    # "discounted = NULL" is unknown for every row: nothing matches, negated or not.
    null = Value(None, output_field=Product._meta.get_field("discounted"))
    assert not Product.objects.filter(Exact(F("discounted"), null)).exists()
    assert not Product.objects.exclude(Exact(F("discounted"), null)).exists()
    assert Q(price__gte=0).check({"price": Value(1)})
    assert not Q(price__gte=0).check({"price": Value(-1)})
    assert Q(price__gte=0).check({"price": null})  # unknown passes, like a CHECK
    assert Q(Exists(Product.objects.filter(sku="s1"))).check({})
    assert not Q(Exists(Product.objects.filter(sku="zz"))).check({})


def test_update_with_f_computes_on_the_stored_value_of_a_custom_field():
    import decimal

    from reinhardt.orm.models import F as F_
    from tests.orm.custom_fields import Hand
    from tests.orm.models import Deal

    Deal.objects.create(hand=Hand("A", "B"), amount=decimal.Decimal("0.99"))  # 99 cents
    Deal.objects.update(amount=F_("amount") + 100)  # + 100 cents, as SQL computes it
    assert Deal.objects.get().amount == decimal.Decimal("1.99")


def test_execute_wrappers_see_every_request():
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append(sql.split()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        tag = Tag.objects.create(name="w")
        Tag.objects.get(pk=tag.pk)
        Tag.objects.filter(name="w").count()
        tag.delete()
    assert seen == ["Commit", "Lookup", "RunAggregationQuery", "RunQuery", "Lookup", "Commit"]


@pytest.mark.transactional
def test_delete_model_drops_only_its_own_kinds():
    from reinhardt.orm import models

    class Scratch(models.Model):
        name = models.CharField(max_length=10, unique=True)

        class Meta:
            app_label = "orm"

    try:
        Tag.objects.create(name="kept")
        with connection.schema_editor() as editor:
            editor.create_model(Scratch)
        Scratch.objects.create(name="x")
        with connection.schema_editor() as editor:
            editor.delete_model(Scratch)
        assert "orm_scratch" not in connection.introspection.table_names()
        assert list(Tag.objects.values_list("name", flat=True)) == ["kept"]
        with connection.schema_editor() as editor:
            editor.create_model(Scratch)
        Scratch.objects.create(name="x")  # its unique marker went with the kind
        assert Scratch.objects.count() == 1
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Scratch)
        from reinhardt.apps import apps

        del apps.all_models["orm"]["scratch"]
        apps.clear_cache()


def test_iexact_and_istartswith_filter_a_stored_normalised_property():
    for name in ["Ann", "ANN", "ann", "Annabel", "Émile", "émile", "Bob", None]:
        Author.objects.create(name=name or "x", age=None if name else 1)
    Author.objects.filter(age=1).update(name="Ánn")  # updates keep the property in step

    def names(qs):
        return sorted(qs.values_list("name", flat=True))

    assert names(Author.objects.filter(name__iexact="aNN")) == ["ANN", "Ann", "ann"]
    assert names(Author.objects.filter(name__istartswith="ANN")) == [
        "ANN", "Ann", "Annabel", "ann"]
    assert names(Author.objects.filter(name__istartswith="ÉM")) == ["Émile", "émile"]
    assert names(Author.objects.filter(name__iexact="ánn")) == ["Ánn"]
    assert names(Author.objects.exclude(name__istartswith="a")) == [
        "Bob", "Ánn", "Émile", "émile"]
    assert names(Author.objects.exclude(name__iexact="ann")) == [
        "Annabel", "Bob", "Ánn", "Émile", "émile"]
    assert Author.objects.filter(name__istartswith="").count() == 8
    with pytest.raises(NotSupportedError) as excinfo:
        list(Author.objects.filter(name__icontains="n"))
    assert excinfo.value.flag == "supports_case_insensitive_lookups"


def test_prefix_bounds_follow_code_point_order():
    from reinhardt.backends.datastore.compiler import _successor

    assert _successor("ab") == "ac"
    assert _successor("a\U0010ffff") == "b"
    assert _successor("\ud7ff") == "\ue000"
    assert _successor("") is None and _successor("\U0010ffff") is None


def _queries(run):
    connection.force_debug_cursor = True
    start = len(connection.queries_log)
    try:
        result = run()
        return result, [q["sql"] for q in list(connection.queries_log)[start:]]
    finally:
        connection.force_debug_cursor = False


def test_values_reads_through_projection_queries():
    import datetime
    import decimal

    from tests.orm.models import Event

    author = Author.objects.create(name="a")
    Book.objects.create(title="b", author=author, pages=3, price=decimal.Decimal("1.50"),
                        published=datetime.date(2020, 2, 29))
    Book.objects.create(title="a", author=author, pages=1, rating=2.5)
    rows, sql = _queries(lambda: list(Book.objects.values_list(
        "title", "pages", "price", "published", "rating", "pk")))
    assert [r[:5] for r in rows] == [
        ("a", 1, decimal.Decimal("0.00"), None, 2.5),
        ("b", 3, decimal.Decimal("1.50"), datetime.date(2020, 2, 29), None)]
    assert "projection" in sql[0]
    when = datetime.datetime(1999, 12, 31, 23, 59, 59, 5, tzinfo=datetime.UTC)
    Event.objects.create(name="e", when=when)
    Event.objects.create(name="f")
    rows, sql = _queries(lambda: list(Event.objects.order_by("-name").values("when")[:2]))
    assert rows == [{"when": None}, {"when": when}] and "projection" in sql[0]
    # Unordered and unsliced: still in key order.
    assert list(Event.objects.values_list("name", flat=True)) == ["e", "f"]
    # Datastore refuses to project a property filtered by equality: whole entities then.
    rows, sql = _queries(lambda: list(Book.objects.filter(title="a").values_list(
        "title", "pages")))
    assert rows == [("a", 1)] and "projection" not in sql[0]
    # A projection of several properties needs a composite index: index.yaml lists it.
    from reinhardt.backends.datastore import indexes

    assert indexes.index_for("orm_book", ("true",), [("title", False)], ["title", "pages"]) == (
        "orm_book", (("title", "asc"), ("pages", "asc")))


def test_iterator_streams_pages_with_query_cursors():
    Tag.objects.bulk_create([Tag(name=f"t{i}") for i in range(7)])
    names, sql = _queries(lambda: [t.name for t in Tag.objects.order_by("-name").iterator(
        chunk_size=3)])
    assert names == [f"t{i}" for i in range(6, -1, -1)]
    assert len(sql) == 3 and all("cursor" in s for s in sql)
    names, sql = _queries(lambda: list(Tag.objects.order_by("name").values_list(
        "name", flat=True)[2:6].iterator(chunk_size=3)))
    assert names == ["t2", "t3", "t4", "t5"] and len(sql) == 2
    assert "projection" in sql[0]
    rows = Tag.objects.filter(name__gte="t5").iterator(chunk_size=1)
    assert sorted(t.name for t in rows) == ["t5", "t6"]


@pytest.fixture
def chapter_model():
    """A model whose entities live in their author's entity group."""
    from reinhardt.apps import apps
    from reinhardt.orm import models

    class Chapter(models.Model):
        author = models.ForeignKey(Author, models.CASCADE, null=True)
        title = models.CharField(max_length=20)
        n = models.IntegerField(default=0)

        class Meta:
            app_label = "orm"
            datastore_ancestor = "author"

    with connection.schema_editor() as editor:
        editor.create_model(Chapter)
    try:
        yield Chapter
    finally:
        Chapter.objects.all().delete()
        del apps.all_models["orm"]["chapter"]
        apps.clear_cache()


def test_datastore_ancestor_puts_rows_in_their_parents_entity_group(chapter_model):
    Chapter = chapter_model
    ann, bob = Author.objects.create(name="ann"), Author.objects.create(name="bob")
    c1 = Chapter.objects.create(author=ann, title="one", n=2)
    c2 = Chapter.objects.create(author=ann, title="two", n=1)
    loose = Chapter.objects.create(author=None, title="loose")
    raw = {e.key.id_or_name: e.key.flat_path for e in connection.ds.query(
        kind="orm_chapter").fetch()}
    assert raw[c1.pk] == ("orm_author", ann.pk, "orm_chapter", c1.pk)
    assert raw[loose.pk] == ("orm_chapter", loose.pk)
    # Filters on the ancestor's foreign key are ancestor queries.
    rows, sql = _queries(lambda: list(Chapter.objects.filter(author=ann).order_by("n")))
    assert rows == [c2, c1] and "ancestor" in sql[0]
    assert Chapter.objects.get(pk=c1.pk).title == "one"
    assert list(Chapter.objects.filter(pk__in=[c2.pk, loose.pk]).order_by("-pk")) == [
        loose, c2]
    assert [c.author.name for c in Chapter.objects.select_related("author").filter(
        author__isnull=False).order_by("pk")] == ["ann", "ann"]
    # The primary key stays unique across parents (a marker, like a unique field).
    with pytest.raises(IntegrityError):
        Chapter.objects.create(pk=c1.pk, author=bob, title="clash")
    # A new parent is a new key: the entity moves into bob's group.
    Chapter.objects.filter(pk=c2.pk).update(author=bob)
    assert list(Chapter.objects.filter(author=bob)) == [c2]
    assert list(Chapter.objects.filter(author=ann)) == [c1]
    c1.title = "uno"
    Chapter.objects.bulk_update([c1], ["title"])
    assert Chapter.objects.get(pk=c1.pk).title == "uno"
    ann.delete()  # cascades to the chapters in ann's group
    assert sorted(Chapter.objects.values_list("title", flat=True)) == ["loose", "two"]
    from reinhardt.backends.datastore import indexes

    assert indexes.index_for("orm_chapter", ("true",), [("n", False)], ancestor=True) == (
        "orm_chapter", (indexes.ANCESTOR, ("n", "asc")))
    assert indexes.to_yaml({("orm_chapter", (indexes.ANCESTOR, ("n", "asc")))}) == (
        "indexes:\n\n- kind: orm_chapter\n  ancestor: yes\n  properties:\n  - name: n\n")

"""Datastore only: what the backend stores, its emulations, unique markers, transactions and
the index.yaml command."""

import io

import pytest

from reinhardt.core.management import call_command
from reinhardt.orm import IntegrityError, NotSupportedError, connection, transaction
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

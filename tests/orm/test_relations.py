"""Relations: accessors, related managers, filters across relations, eager loading."""

import pytest

from reinhardt.orm.models import Prefetch, signals
from tests.orm.capabilities import needs, reverse_join_queries, select_related_queries
from tests.orm.models import (
    Author,
    Book,
    Group,
    Italian,
    Membership,
    Owner,
    Place,
    Publisher,
    Restaurant,
    Review,
    Tag,
)


@pytest.fixture
def shelf():
    ann = Author.objects.create(name="Ann", age=30)
    bob = Author.objects.create(name="Bob", age=40)
    py, db, web = (Tag.objects.create(name=n) for n in ("py", "db", "web"))
    b1 = Book.objects.create(title="B1", author=ann, pages=100)
    b2 = Book.objects.create(title="B2", author=ann, pages=500)
    b3 = Book.objects.create(title="B3", author=bob, pages=300)
    b1.tags.add(py, db)
    b2.tags.add(web)
    b3.tags.add(py)
    Review.objects.create(book=b1, stars=5)
    Review.objects.create(book=b1, stars=1)
    Review.objects.create(book=b3, stars=4)
    return locals()


def names(qs):
    return sorted(o.name for o in qs)


def test_forward_foreign_key_is_fetched_once_and_cached(shelf, django_queries):
    book = Book.objects.get(title="B1")
    start = django_queries()
    assert book.author.name == "Ann"
    assert book.author.name == "Ann"
    assert django_queries() == start + 1
    assert book.author_id == shelf["ann"].pk


def test_assigning_a_related_object_sets_the_key(shelf):
    book = Book.objects.get(title="B3")
    book.author = shelf["ann"]
    assert book.author_id == shelf["ann"].pk
    book.save()
    assert Book.objects.get(title="B3").author == shelf["ann"]
    with pytest.raises(ValueError, match='must be a "Author" instance'):
        book.author = shelf["py"]


def test_null_foreign_key_reads_none(shelf):
    assert Book.objects.get(title="B2").publisher is None


def test_missing_required_relation_raises_related_object_does_not_exist():
    book = Book(title="orphan")
    with pytest.raises(Book.author.RelatedObjectDoesNotExist, match="Book has no author"):
        book.author
    assert issubclass(Book.author.RelatedObjectDoesNotExist, Author.DoesNotExist)


def test_reverse_foreign_key_manager(shelf):
    ann = shelf["ann"]
    assert [b.title for b in ann.books.all()] == ["B1", "B2"]
    assert ann.books.count() == 2
    assert [b.title for b in ann.books.filter(pages__gt=200)] == ["B2"]
    new = ann.books.create(title="B4")
    assert new.author == ann and ann.books.count() == 3


def test_reverse_manager_add_remove_set_clear_on_nullable_fk(shelf):
    acme = Publisher.objects.create(name="Acme")
    b1, b2, b3 = shelf["b1"], shelf["b2"], shelf["b3"]
    acme.books.add(b1, b2)
    assert sorted(acme.books.values_list("title", flat=True)) == ["B1", "B2"]
    acme.books.remove(b1)
    assert list(acme.books.values_list("title", flat=True)) == ["B2"]
    acme.books.set([b1, b3])
    assert sorted(acme.books.values_list("title", flat=True)) == ["B1", "B3"]
    acme.books.clear()
    assert acme.books.count() == 0
    assert Book.objects.filter(publisher__isnull=True).count() == 3


def test_reverse_manager_of_non_null_fk_has_no_remove(shelf):
    assert not hasattr(shelf["ann"].books, "remove")
    assert not hasattr(shelf["ann"].books, "clear")


def test_direct_assignment_to_reverse_set_is_prohibited(shelf):
    with pytest.raises(TypeError, match="Direct assignment to the reverse side of a related set"):
        shelf["ann"].books = []


@needs("supports_reverse_joins")
def test_many_to_many_manager(shelf):
    b1 = shelf["b1"]
    assert names(b1.tags.all()) == ["db", "py"]
    assert names(shelf["py"].books.all() and [Tag(name=b.title) for b in
                                                 shelf["py"].books.all()]) == ["B1", "B3"]
    b1.tags.remove(shelf["db"])
    assert names(b1.tags.all()) == ["py"]
    b1.tags.set([shelf["web"], shelf["db"]])
    assert names(b1.tags.all()) == ["db", "web"]
    created = b1.tags.create(name="new")
    assert names(b1.tags.all()) == ["db", "new", "web"] and created.pk
    b1.tags.clear()
    assert b1.tags.count() == 0
    b1.tags.add(shelf["py"].pk)  # primary keys work too
    assert names(b1.tags.all()) == ["py"]


def test_m2m_changed_signal(shelf):
    seen = []

    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        seen.append((action, instance.title, sorted(pk_set) if pk_set else pk_set))

    signals.m2m_changed.connect(receiver, sender=Book.tags.through)
    try:
        shelf["b2"].tags.add(shelf["py"], shelf["web"])  # web is already there
        shelf["b2"].tags.remove(shelf["py"])
        shelf["b2"].tags.clear()
    finally:
        signals.m2m_changed.disconnect(receiver, sender=Book.tags.through)
    py = shelf["py"].pk
    assert seen == [
        ("pre_add", "B2", [py]), ("post_add", "B2", [py]),
        ("pre_remove", "B2", [py]), ("post_remove", "B2", [py]),
        ("pre_clear", "B2", None), ("post_clear", "B2", None),
    ]


@needs("supports_reverse_joins")
def test_symmetrical_self_relation():
    a, b, c = (Author.objects.create(name=n) for n in "abc")
    a.friends.add(b)
    assert names(b.friends.all()) == ["a"]
    c.friends.add(a)
    assert names(a.friends.all()) == ["b", "c"]
    a.friends.remove(b)
    assert names(b.friends.all()) == []


@needs("supports_reverse_joins")
def test_through_model(shelf):
    group = Group.objects.create(name="club")
    Membership.objects.create(group=group, author=shelf["ann"], role="chair")
    group.members.add(shelf["bob"], through_defaults={"role": "guest"})
    assert names(group.members.all()) == ["Ann", "Bob"]
    assert Membership.objects.get(author=shelf["bob"]).role == "guest"
    assert names(shelf["ann"].member_groups.all()) == ["club"]
    assert names(Author.objects.filter(membership__role="chair")) == ["Ann"]


@needs("supports_joins")
def test_filters_across_relations(shelf):
    assert [b.title for b in Book.objects.filter(author__name="Ann")] == ["B1", "B2"]
    assert names(Author.objects.filter(books__pages__gt=400)) == ["Ann"]
    assert names(Tag.objects.filter(books__author__name="Bob")) == ["py"]
    assert sorted(Book.objects.filter(reviews__stars=5).values_list("title", flat=True)) == ["B1"]
    # A reverse relation can be used with a model instance.
    assert names(Author.objects.filter(books=shelf["b3"])) == ["Bob"]


@needs("supports_joins")
def test_multi_valued_conditions_in_one_filter_refer_to_the_same_row(shelf):
    # B1 has reviews with stars 5 and 1: no single review has stars > 4 and < 2.
    same_row = Book.objects.filter(reviews__stars__gt=4, reviews__stars__lt=2)
    assert list(same_row) == []
    # In separate filter() calls, each may match a different review.
    any_rows = Book.objects.filter(reviews__stars__gt=4).filter(reviews__stars__lt=2)
    assert [b.title for b in any_rows] == ["B1"]


@needs("supports_subqueries")
def test_exclude_across_multi_valued_relation(shelf):
    # Authors with no book over 400 pages (not: authors with some book not over 400).
    assert names(Author.objects.exclude(books__pages__gt=400)) == ["Bob"]
    # Books with no tag named "py" (B2 only).
    assert [b.title for b in Book.objects.exclude(tags__name="py")] == ["B2"]
    # An author without books is kept by exclude().
    Author.objects.create(name="Cy")
    assert names(Author.objects.exclude(books__title="B1")) == ["Bob", "Cy"]


@needs("supports_joins")
def test_filter_on_missing_relation_with_isnull(shelf):
    Author.objects.create(name="Cy")
    assert names(Author.objects.filter(books__isnull=True)) == ["Cy"]
    assert names(Author.objects.filter(books__isnull=False).distinct()) == ["Ann", "Bob"]


@needs("supports_select_related")
def test_select_related_fetches_in_one_query(shelf, django_queries):
    start = django_queries()
    books = list(Book.objects.select_related("author", "publisher").order_by("title"))
    assert [b.author.name for b in books] == ["Ann", "Ann", "Bob"]
    assert [b.publisher for b in books] == [None, None, None]
    # No book has a publisher: only the authors are fetched by key.
    assert django_queries() == start + select_related_queries(key_gets=1)


@needs("supports_select_related")
def test_select_related_nested_and_errors(shelf):
    review = Review.objects.select_related("book__author").get(stars=4)
    assert review.book.author.name == "Bob"
    from reinhardt.core.exceptions import FieldError

    with pytest.raises(FieldError, match="Invalid field name\\(s\\) given in select_related"):
        list(Book.objects.select_related("nope"))
    with pytest.raises(FieldError, match="Non-relational field given in select_related: 'title'"):
        list(Book.objects.select_related("title"))


@needs("supports_reverse_joins")
def test_prefetch_related_reverse_fk_and_m2m(shelf, django_queries):
    start = django_queries()
    authors = list(Author.objects.order_by("name").prefetch_related("books__tags"))
    queries = 2 + reverse_join_queries(1)  # authors, books, tags (many-to-many)
    assert django_queries() == start + queries
    assert [b.title for b in authors[0].books.all()] == ["B1", "B2"]
    assert names(authors[0].books.all()[0].tags.all()) == ["db", "py"]
    assert django_queries() == start + queries


def test_prefetch_object_with_queryset_and_to_attr(shelf):
    authors = Author.objects.order_by("name").prefetch_related(
        Prefetch("books", queryset=Book.objects.filter(pages__gt=200), to_attr="long_books")
    )
    assert [[b.title for b in a.long_books] for a in authors] == [["B2"], ["B3"]]


def test_one_to_one_both_directions():
    place = Place.objects.create(name="Cafe")
    owner = Owner.objects.create(name="Olga", place=place)
    assert Place.objects.get(pk=place.pk).owner == owner
    assert Owner.objects.get(pk=owner.pk).place == place
    lonely = Place.objects.create(name="Empty")
    with pytest.raises(Place.owner.RelatedObjectDoesNotExist):
        lonely.owner


@needs("supports_joins")
def test_multi_table_inheritance():
    r = Restaurant.objects.create(name="Luigi", serves_pizza=True)
    i = Italian.objects.create(name="Mario", serves_pizza=True, has_wine=False)
    assert sorted(Place.objects.values_list("name", flat=True)) == ["Luigi", "Mario"]
    assert Restaurant.objects.count() == 2
    place = Place.objects.get(name="Mario")
    assert place.restaurant.italian.has_wine is False
    assert Restaurant.objects.get(name="Luigi").pk == r.pk
    r.name = "Luigi's"
    r.save()
    assert Place.objects.get(pk=r.pk).name == "Luigi's"
    i.delete()
    assert Place.objects.count() == 1 and Restaurant.objects.count() == 1
    assert isinstance(Restaurant.objects.filter(name__startswith="Lu").first(), Restaurant)


def test_proxy_model_shares_table_and_has_own_behaviour():
    from tests.orm.models import AuthorProxy

    Author.objects.create(name="amy")
    Author.objects.create(name="zed")
    assert [a.shout() for a in AuthorProxy.objects.all()] == ["ZED", "AMY"]
    proxied = AuthorProxy.objects.create(name="new")
    assert Author.objects.get(pk=proxied.pk).name == "new"


def test_abstract_base_fields_are_inherited():
    from tests.orm.models import Note

    note = Note.objects.create(body="hi")
    assert note.created is not None
    assert [f.name for f in Note._meta.fields] == ["id", "created", "body"]

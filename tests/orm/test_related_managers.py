"""Related managers in detail: bulk and per-object writes, what remove() may touch, set()
with clear, through_defaults, symmetrical links, m2m_changed, manager selection, async."""

import asyncio

import pytest

from reinhardt.orm.models import signals
from tests.orm.models import Author, Book, Group, Membership, Publisher, Tag


def titles(qs):
    return sorted(book.title for book in qs)


@pytest.fixture
def press():
    acme = Publisher.objects.create(name="Acme")
    ann = Author.objects.create(name="Ann")
    books = [Book.objects.create(title=f"T{i}", author=ann) for i in range(3)]
    return acme, ann, books


def test_reverse_fk_add_bulk_and_one_by_one(press):
    acme, _ann, books = press
    acme.books.add(books[0])
    assert titles(acme.books.all()) == ["T0"]
    acme.books.add(books[1], bulk=False)
    assert titles(acme.books.all()) == ["T0", "T1"]
    # The objects passed in are updated in memory as well.
    assert books[1].publisher == acme and books[0].publisher_id == acme.pk


def test_reverse_fk_add_rejects_unsaved_objects_and_other_models(press):
    acme, ann, _books = press
    unsaved = Book(title="new", author=ann)
    with pytest.raises(ValueError, match="isn't saved. Use bulk=False"):
        acme.books.add(unsaved)
    with pytest.raises(TypeError, match="'Book' instance expected"):
        acme.books.add(ann)
    acme.books.add(unsaved, bulk=False)
    assert unsaved.pk is not None and unsaved.publisher_id == acme.pk


def test_remove_and_clear_exist_only_for_nullable_keys(press):
    acme, ann, books = press
    assert not hasattr(ann.books, "remove") and not hasattr(ann.books, "clear")
    assert hasattr(acme.books, "remove") and hasattr(acme.books, "aclear")
    acme.books.add(*books)
    other = Publisher.objects.create(name="Other")
    stranger = Book.objects.create(title="X", author=ann, publisher=other)
    # As in Django, the error is the DoesNotExist of the manager's owner model.
    with pytest.raises(Publisher.DoesNotExist, match="is not related to"):
        acme.books.remove(stranger)
    acme.books.remove(books[0])
    assert titles(acme.books.all()) == ["T1", "T2"]
    acme.books.remove(books[1], bulk=False)
    assert titles(acme.books.all()) == ["T2"]
    acme.books.clear(bulk=False)
    assert acme.books.count() == 0
    assert Book.objects.get(pk=stranger.pk).publisher_id == other.pk


def test_reverse_fk_set_keeps_removes_and_adds(press):
    acme, _ann, books = press
    acme.books.set(books[:2])
    acme.books.set([books[1], books[2]])
    assert titles(acme.books.all()) == ["T1", "T2"]
    assert Book.objects.get(pk=books[0].pk).publisher_id is None
    acme.books.set([books[0]], clear=True)
    assert titles(acme.books.all()) == ["T0"]


def test_reverse_fk_create_get_or_create_update_or_create(press):
    acme, ann, _books = press
    made = acme.books.create(title="Made", author=ann)
    assert made.publisher_id == acme.pk
    again, created = acme.books.get_or_create(title="Made", defaults={"author": ann})
    assert (again.pk, created) == (made.pk, False)
    changed, created = acme.books.update_or_create(title="Made", defaults={"pages": 7})
    assert not created and changed.pages == 7 and changed.publisher_id == acme.pk


def test_unsaved_instance_cannot_use_its_related_managers():
    with pytest.raises(ValueError, match="needs to have a primary key"):
        Publisher(name="nobody").books.all()
    with pytest.raises(ValueError, match="needs to have a value for field"):
        Book(title="t").tags.all()


def test_calling_a_related_manager_picks_another_manager(press):
    acme, _ann, books = press
    acme.books.add(books[0])
    via_base = acme.books(manager="_base_manager")
    assert titles(via_base.all()) == ["T0"]
    assert type(via_base).__name__ == "RelatedManager"


def test_m2m_add_by_key_set_with_clear_and_signals():
    book = Book.objects.create(title="B", author=Author.objects.create(name="A"))
    py, db, web = (Tag.objects.create(name=name) for name in ("py", "db", "web"))
    seen = []

    def record(sender, action, pk_set, reverse, **kwargs):
        seen.append((action, None if pk_set is None else sorted(pk_set), reverse))

    signals.m2m_changed.connect(record, sender=Book.tags.through)
    try:
        book.tags.add(py.pk, db)
        book.tags.add(py)  # already linked: nothing to insert
        book.tags.remove(db.pk)
        web.books.add(book)
        book.tags.set([web], clear=True)
    finally:
        signals.m2m_changed.disconnect(record, sender=Book.tags.through)
    assert [tag.name for tag in book.tags.order_by("name")] == ["web"]
    assert seen == [
        ("pre_add", sorted([py.pk, db.pk]), False), ("post_add", sorted([py.pk, db.pk]), False),
        ("pre_add", [], False), ("post_add", [], False),
        ("pre_remove", [db.pk], False), ("post_remove", [db.pk], False),
        ("pre_add", [book.pk], True), ("post_add", [book.pk], True),
        ("pre_clear", None, False), ("post_clear", None, False),
        ("pre_add", [web.pk], False), ("post_add", [web.pk], False),
    ]


def test_m2m_rejects_wrong_models_and_unsaved_targets():
    book = Book.objects.create(title="B", author=Author.objects.create(name="A"))
    with pytest.raises(TypeError, match="'Tag' instance expected"):
        book.tags.add(book.author)
    with pytest.raises(ValueError, match='instance is on database "default", value is on '
                                         'database "None"'):
        book.tags.add(Tag(name="unsaved"))
    keyless = Tag(name="keyless")
    keyless._state.db = book._state.db
    with pytest.raises(ValueError, match='the value for field "tag" is None'):
        book.tags.add(keyless)


def test_m2m_get_or_create_and_update_or_create_link_new_objects():
    book = Book.objects.create(title="B", author=Author.objects.create(name="A"))
    tag, created = book.tags.get_or_create(name="fresh")
    assert created and list(book.tags.all()) == [tag]
    same, created = book.tags.get_or_create(name="fresh")
    assert not created and same.pk == tag.pk
    Tag.objects.create(name="elsewhere")
    other, created = book.tags.update_or_create(name="new", defaults={"name": "new"})
    assert created and sorted(t.name for t in book.tags.all()) == ["fresh", "new"]


def test_symmetrical_self_relation_links_both_ways():
    ann, bob, cy = (Author.objects.create(name=name) for name in ("Ann", "Bob", "Cy"))
    ann.friends.add(bob, cy)
    assert [a.name for a in bob.friends.all()] == ["Ann"]
    bob.friends.remove(ann)
    assert [a.name for a in ann.friends.all()] == ["Cy"]
    cy.friends.clear()
    assert ann.friends.count() == 0 and Author.friends.through.objects.count() == 0


def test_through_defaults_accept_callables():
    ann = Author.objects.create(name="Ann")
    group = Group.objects.create(name="G")
    calls = []

    def role():
        calls.append(1)
        return "chair"

    group.members.add(ann, through_defaults={"role": role})
    assert Membership.objects.get().role == "chair" and calls == [1]
    bob = group.members.create(name="Bob", through_defaults={"role": "guest"})
    assert Membership.objects.get(author=bob).role == "guest"
    assert sorted(a.name for a in group.members.all()) == ["Ann", "Bob"]


def test_direct_assignment_to_a_many_side_says_what_to_do(press):
    acme, _ann, books = press
    with pytest.raises(TypeError, match=r"forward side of a many-to-many set.*tags\.set\(\)"):
        books[0].tags = []
    with pytest.raises(TypeError, match=r"reverse side of a many-to-many set.*books\.set\(\)"):
        Tag.objects.create(name="t").books = []


@pytest.mark.transactional
def test_async_variants_of_the_manager_methods(press):
    acme, ann, books = press

    async def go():
        await acme.books.aadd(books[0], books[1])
        await acme.books.aremove(books[0])
        made = await acme.books.acreate(title="Async", author=ann)
        await acme.books.aset([made], clear=True)
        tag = await books[2].tags.acreate(name="async")
        await books[2].tags.aadd(await Tag.objects.acreate(name="other"))
        await books[2].tags.aremove(tag)
        return made

    made = asyncio.run(go())
    assert titles(acme.books.all()) == [made.title]
    assert [t.name for t in books[2].tags.all()] == ["other"]
    asyncio.run(books[2].tags.aclear())
    asyncio.run(acme.books.aclear())
    assert books[2].tags.count() == 0 and acme.books.count() == 0
    assert Book.objects.count() == 4

"""The asynchronous QuerySet API: a-prefixed methods, ``async for``, and async related access."""

import asyncio

import pytest

from reinhardt.core.exceptions import ObjectDoesNotExist
from reinhardt.orm.models import Count, F, Sum
from tests.orm.capabilities import needs
from tests.orm.models import Author, Book, Tag
from tests.orm.sample import make_library

# sync_to_async runs queries on another thread, with its own connection: commit for real.
pytestmark = pytest.mark.transactional


@pytest.fixture
def lib():
    return make_library()


def run(coroutine):
    return asyncio.run(coroutine)


def test_aget_acount_aexists_afirst_alast(lib):
    async def go():
        book = await Book.objects.aget(title="Alpha")
        assert book.pages == 100
        assert await Book.objects.acount() == 5
        assert await Book.objects.filter(pages__gt=1000).aexists() is False
        assert (await Book.objects.afirst()).title == "Alpha"
        assert (await Book.objects.alast()).title == "Gamma"
        assert await Book.objects.filter(pages__gt=1000).afirst() is None
        with pytest.raises(Book.DoesNotExist):
            await Book.objects.aget(title="nope")
        with pytest.raises(ObjectDoesNotExist):
            await Book.objects.aget(title="nope")
        with pytest.raises(Book.MultipleObjectsReturned):
            await Book.objects.aget(genre="fic")
        assert (await Book.objects.aearliest("pages")).title == "Epsilon"
        assert (await Book.objects.alatest("pages")).title == "Delta"
        assert await Book.objects.acontains(book)

    run(go())


def test_async_for_and_aiterator(lib):
    async def go():
        titles = [b.title async for b in Book.objects.filter(genre="sci")]
        assert titles == ["Beta", "Epsilon"]
        values = [v async for v in Book.objects.values_list("pages", flat=True).order_by("pages")]
        assert values == [50, 100, 200, 300, 400]
        chunked = [b.title async for b in Book.objects.order_by("-pages").aiterator(chunk_size=2)]
        assert chunked == ["Delta", "Gamma", "Beta", "Alpha", "Epsilon"]

    run(go())


def test_acreate_aget_or_create_aupdate_or_create(lib):
    async def go():
        tag = await Tag.objects.acreate(name="async")
        assert tag.pk is not None
        same, created = await Tag.objects.aget_or_create(name="async")
        assert (same.pk, created) == (tag.pk, False)
        other, created = await Tag.objects.aget_or_create(name="other")
        assert created is True
        updated, created = await Author.objects.aupdate_or_create(
            name="Ann", defaults={"age": 31})
        assert (updated.age, created) == (31, False)

    run(go())
    assert Author.objects.get(name="Ann").age == 31
    assert Tag.objects.filter(name__in=["async", "other"]).count() == 2


def test_aupdate_adelete_aaggregate(lib):
    async def go():
        assert await Book.objects.filter(genre="fic").aupdate(pages=F("pages") + 1) == 2
        assert await Book.objects.aaggregate(total=Sum("pages")) == {"total": 1052}
        deleted, per_model = await Tag.objects.filter(name="unused").adelete()
        assert deleted == 1 and per_model == {"orm.Tag": 1}

    run(go())


def test_abulk_create_abulk_update_ain_bulk(lib):
    async def go():
        tags = await Tag.objects.abulk_create([Tag(name="t1"), Tag(name="t2")])
        assert all(t.pk for t in tags)
        for tag in tags:
            tag.name = tag.name.upper()
        assert await Tag.objects.abulk_update(tags, ["name"]) == 2
        by_pk = await Tag.objects.ain_bulk([t.pk for t in tags])
        assert sorted(t.name for t in by_pk.values()) == ["T1", "T2"]
        by_name = await Tag.objects.ain_bulk(["T1"], field_name="name")
        assert list(by_name) == ["T1"]

    run(go())


@needs("supports_group_by")
def test_async_annotations_and_model_methods(lib):
    async def go():
        rows = [(a.name, a.n) async for a in Author.objects.annotate(n=Count("books"))
                .order_by("name")]
        assert rows == [("Ann", 2), ("Bob", 2), ("Cy", 0), ("Dee", 1)]
        author = await Author.objects.aget(name="Cy")
        author.age = 50
        await author.asave()
        await author.arefresh_from_db()
        assert author.age == 50
        await author.adelete()
        assert not await Author.objects.filter(name="Cy").aexists()

    run(go())


def test_async_related_access_needs_prefetch_or_select_related(lib):
    async def go():
        book = await Book.objects.select_related("author").aget(title="Alpha")
        assert book.author.name == "Ann"
        author = await Author.objects.prefetch_related("books").aget(name="Ann")
        assert sorted(b.title for b in author.books.all()) == ["Alpha", "Beta"]
        assert await author.books.acount() == 2

    run(go())

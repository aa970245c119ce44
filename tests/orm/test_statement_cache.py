"""Compiled statements are reused by query shape, and never give a different answer."""

from reinhardt.backends.sql import statement_cache
from reinhardt.orm import connection
from tests.orm.capabilities import needs
from tests.orm.models import Author, Book


def cache_entries():
    return {k: v for k, v in statement_cache._cache.items() if k[0] == connection.alias}


def test_repeated_query_shape_reuses_the_statement():
    if connection.vendor not in ("sqlite", "postgresql", "mysql"):
        return  # document stores compile differently; nothing to check here
    authors = [Author.objects.create(name=f"a{i}", age=i) for i in range(5)]
    statement_cache.clear()
    assert Author.objects.get(pk=authors[0].pk).name == "a0"
    entries = len(cache_entries())
    for author in authors:
        assert Author.objects.get(pk=author.pk).name == author.name
    assert len(cache_entries()) == entries
    assert Author.objects.filter(age__gte=3).count() == 2
    assert Author.objects.filter(age__gte=1).count() == 4


def test_a_cached_shape_still_decides_emptiness_per_value():
    Author.objects.create(name="x", age=5)
    for _ in range(2):
        assert list(Author.objects.filter(age=5).values_list("name", flat=True)) == ["x"]
    # Same shape, but the value is outside the column's range: matches nothing.
    assert list(Author.objects.filter(age=2**70).values_list("name", flat=True)) == []
    assert list(Author.objects.filter(age__lt=2**70).values_list("name", flat=True)) == ["x"]


def test_in_lists_of_different_lengths():
    for i in range(4):
        Author.objects.create(name=f"a{i}", age=i)
    for ages in ([0], [0, 1], [0, 1, 2], [3], [], [None, 2]):
        expected = sorted(f"a{a}" for a in ages if a is not None)
        got = sorted(Author.objects.filter(age__in=ages).values_list("name", flat=True))
        assert got == expected, ages


def test_null_and_value_comparisons_of_the_same_field():
    Author.objects.create(name="n", age=None)
    Author.objects.create(name="v", age=7)
    for _ in range(2):
        assert [a.name for a in Author.objects.filter(age=None)] == ["n"]
        assert [a.name for a in Author.objects.filter(age=7)] == ["v"]


@needs("supports_joins")
def test_boolean_and_related_filters():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    Book.objects.create(title="A", author=ann)
    Book.objects.create(title="B", author=bob)
    for author, title in [(ann, "A"), (bob, "B"), (ann, "A")]:
        assert [b.title for b in Book.objects.filter(author=author)] == [title]
        assert [b.title for b in Book.objects.filter(author__name=author.name)] == [title]

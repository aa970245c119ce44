"""Generated rows: plain values that print as the code that builds them, load into the
database under test, and form the object graph the Python reference evaluates."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from compat_tests.models import Author, Book, Tag
from compat_tests.schema import BOOK_FIELDS


def _repr(obj, positional=("ref",)):
    parts = [repr(getattr(obj, name)) for name in positional]
    for f in fields(obj):
        if f.name in positional:
            continue
        value = getattr(obj, f.name)
        if value is None or value == ():
            continue
        parts.append(f"{f.name}={value!r}")
    return f"{type(obj).__name__}({', '.join(parts)})"


@dataclass(frozen=True, repr=False)
class A:
    """An Author row."""

    ref: int
    name: str = ""
    age: int | None = None

    __repr__ = _repr


@dataclass(frozen=True, repr=False)
class T:
    """A Tag row."""

    ref: int
    name: str = ""

    __repr__ = _repr


@dataclass(frozen=True, repr=False)
class B:
    """A Book row; ``author`` and ``tags`` name rows by their ``ref``."""

    ref: int
    title: str = ""
    subtitle: str | None = None
    pages: int | None = None
    big: int | None = None
    rating: float | None = None
    price: object = None
    pub_date: object = None
    published_at: object = None
    in_print: bool | None = None
    author: int | None = None
    tags: tuple = ()

    __repr__ = _repr


@dataclass(frozen=True)
class Data:
    authors: tuple = ()
    tags: tuple = ()
    books: tuple = ()

    def __repr__(self):
        return (f"Data(authors={list(self.authors)!r}, tags={list(self.tags)!r}, "
                f"books={list(self.books)!r})")


def clear() -> None:
    """Delete every row of the suite's tables (through rows and books first)."""
    Book.tags.through.objects.all().delete()
    Book.objects.all().delete()
    Author.objects.all().delete()
    Tag.objects.all().delete()


def load(data: Data) -> None:
    clear()
    authors = {a.ref: Author.objects.create(ref=a.ref, name=a.name, age=a.age)
               for a in data.authors}
    tags = {t.ref: Tag.objects.create(ref=t.ref, name=t.name) for t in data.tags}
    for b in data.books:
        book = Book.objects.create(
            ref=b.ref, author=authors[b.author] if b.author is not None else None,
            **{name: getattr(b, name) for name in BOOK_FIELDS},
        )
        if b.tags:
            book.tags.add(*(tags[ref] for ref in b.tags))


@dataclass
class Graph:
    """The rows as linked dicts: what the reference walks instead of joining tables."""

    authors: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    books: list = field(default_factory=list)

    def roots(self, model: str) -> list:
        return {"Book": self.books, "Author": self.authors, "Tag": self.tags}[model]


def graph(data: Data) -> Graph:
    g = Graph()
    authors = {a.ref: {"ref": a.ref, "name": a.name, "age": a.age, "books": []}
               for a in data.authors}
    tags = {t.ref: {"ref": t.ref, "name": t.name, "books": []} for t in data.tags}
    for b in data.books:
        row = {"ref": b.ref, **{name: getattr(b, name) for name in BOOK_FIELDS}}
        row["author"] = authors[b.author] if b.author is not None else None
        row["tags"] = [tags[ref] for ref in dict.fromkeys(b.tags)]
        if row["author"] is not None:
            row["author"]["books"].append(row)
        for tag in row["tags"]:
            tag["books"].append(row)
        g.books.append(row)
    g.authors = list(authors.values())
    g.tags = list(tags.values())
    return g


def snapshot_db() -> dict:
    """Every row of the suite's tables, keyed by ref: what writes are compared on."""
    from compat_tests.values import norm

    books = {}
    for book in Book.objects.all():
        books[book.ref] = {
            **{name: norm(getattr(book, name)) for name in BOOK_FIELDS},
            "author": book.author.ref if book.author_id is not None else None,
            "tags": tuple(sorted(t.ref for t in book.tags.all())),
        }
    return {
        "authors": {a.ref: {"name": a.name, "age": a.age} for a in Author.objects.all()},
        "tags": {t.ref: {"name": t.name} for t in Tag.objects.all()},
        "books": books,
    }


def snapshot_data(data: Data) -> dict:
    from compat_tests.values import norm

    return {
        "authors": {a.ref: {"name": a.name, "age": a.age} for a in data.authors},
        "tags": {t.ref: {"name": t.name} for t in data.tags},
        "books": {
            b.ref: {
                **{name: norm(getattr(b, name)) for name in BOOK_FIELDS},
                "author": b.author,
                "tags": tuple(sorted(set(b.tags))),
            }
            for b in data.books
        },
    }

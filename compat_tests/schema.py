"""What the suite knows about its models: each queryable path, its value kind, and whether
it crosses a multi-valued relation. The reference evaluation and the strategies both read it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from compat_tests.models import Author, Book, Tag


@dataclass(frozen=True)
class Path:
    name: str  # the lookup path, e.g. "author__name"
    kind: str  # text, int, big, float, decimal, date, datetime, bool
    nullable: bool
    multi: str | None = None  # the multi-valued relation it crosses ("tags", "books"...)


BOOK_FIELDS = {
    "title": ("text", False),
    "subtitle": ("text", True),
    "pages": ("int", True),
    "big": ("big", True),
    "rating": ("float", True),
    "price": ("decimal", True),
    "pub_date": ("date", True),
    "published_at": ("datetime", True),
    "in_print": ("bool", True),
}
AUTHOR_FIELDS = {"name": ("text", False), "age": ("int", True)}
TAG_FIELDS = {"name": ("text", False)}

MODELS = {"Book": Book, "Author": Author, "Tag": Tag}


def _paths(prefix, fields, multi, nullable_join):
    return [
        Path(prefix + name, kind, nullable or nullable_join, multi)
        for name, (kind, nullable) in fields.items()
    ]


# Paths a filter may use, per root model. A multi-valued path may match several related
# rows (or none: a NULL through the LEFT JOIN).
_REF = {"ref": ("int", False)}
PATHS = {
    "Book": (
        _paths("", {**BOOK_FIELDS, **_REF}, None, False)
        + _paths("author__", {**AUTHOR_FIELDS, **_REF}, None, True)
        + _paths("tags__", {**TAG_FIELDS, **_REF}, "tags", True)
    ),
    "Author": (
        _paths("", {**AUTHOR_FIELDS, **_REF}, None, False)
        + _paths("books__", {**{k: BOOK_FIELDS[k] for k in ("title", "pages", "rating", "pub_date")}, **_REF},
                 "books", True)
        + _paths("books__tags__", {**TAG_FIELDS, **_REF}, "books__tags", True)
    ),
    "Tag": (
        _paths("", {**TAG_FIELDS, **_REF}, None, False)
        + _paths("books__", {**{k: BOOK_FIELDS[k] for k in ("title", "pages")}, **_REF},
                 "books", True)
    ),
}


def path(model: str, name: str) -> Path:
    for p in PATHS[model]:
        if p.name == name:
            return p
    raise KeyError(f"{model} has no compat path {name!r}")


# Multi-valued relations and the relation they hang from (books__tags needs books first).
MULTI_PARENT = {"tags": None, "books": None, "books__tags": "books"}

DATE_TRANSFORMS = ("year", "month", "day", "week_day", "quarter")
DATETIME_TRANSFORMS = DATE_TRANSFORMS + ("hour", "minute", "date")

NUMERIC = ("int", "big", "float", "decimal")
ORDERED = NUMERIC + ("text", "date", "datetime", "bool")

UTC = datetime.UTC

"""Generated writes: update(), delete(), bulk_create(), bulk_update() and transactions. Each
prints as the code it runs, runs it, and applies itself to the reference rows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from compat_tests import values as V
from compat_tests.data import graph
from compat_tests.models import Author, Book, Tag
from compat_tests.spec import FRef, Not, Query, Reference
from reinhardt.orm import models, transaction


def _selected(data, model, steps) -> list:
    """The refs a filtered queryset covers (each once: writes act on rows, not joins)."""
    ref = Reference(model, False)
    rows = graph(data).roots(model)
    chosen = []
    for row in rows:
        if all(ref.matches(Not(node) if kind == "exclude" else node, row)
               for kind, node in steps):
            chosen.append(row["ref"])
    return chosen


def _kwargs(assignments) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in assignments)


@dataclass(frozen=True)
class Update:
    steps: tuple
    assignments: tuple  # (field, value or FRef)

    def __repr__(self):
        qs = repr(Query("Book", self.steps)).removesuffix(".all()")
        return f"{qs}.update({_kwargs(self.assignments)})"

    def flags(self):
        flags = Query("Book", self.steps).flags()
        if any(isinstance(v, FRef) for _, v in self.assignments):
            flags.add("supports_update_expressions")
        return flags

    def run(self):
        return Query("Book", self.steps).queryset().update(**{
            k: models.F(v.name) if isinstance(v, FRef) else v for k, v in self.assignments})

    def apply(self, data):
        chosen = set(_selected(data, "Book", self.steps))
        books = []
        for b in data.books:
            if b.ref in chosen:
                changes = {k: getattr(b, v.name) if isinstance(v, FRef) else v
                           for k, v in self.assignments}
                b = dataclasses.replace(b, **changes)
            books.append(b)
        return len(chosen), dataclasses.replace(data, books=tuple(books))


@dataclass(frozen=True)
class Delete:
    model: str
    steps: tuple

    def __repr__(self):
        return repr(Query(self.model, self.steps)) + ".delete()"

    def flags(self):
        return Query(self.model, self.steps).flags()

    def run(self):
        return Query(self.model, self.steps).queryset().delete()

    def apply(self, data):
        chosen = set(_selected(data, self.model, self.steps))
        through = Book.tags.through._meta.label
        counts = {}
        if self.model == "Book":
            counts[Book._meta.label] = len(chosen)
            counts[through] = sum(len(set(b.tags)) for b in data.books if b.ref in chosen)
            data = dataclasses.replace(
                data, books=tuple(b for b in data.books if b.ref not in chosen))
        elif self.model == "Author":
            counts[Author._meta.label] = len(chosen)
            data = dataclasses.replace(
                data,
                authors=tuple(a for a in data.authors if a.ref not in chosen),
                books=tuple(dataclasses.replace(b, author=None) if b.author in chosen else b
                            for b in data.books))
        else:
            counts[Tag._meta.label] = len(chosen)
            counts[through] = sum(len(set(b.tags) & chosen) for b in data.books)
            data = dataclasses.replace(
                data,
                tags=tuple(t for t in data.tags if t.ref not in chosen),
                books=tuple(dataclasses.replace(b, tags=tuple(r for r in b.tags
                                                              if r not in chosen))
                            for b in data.books))
        counts = {k: v for k, v in counts.items() if v}
        return (sum(counts.values()), counts), data


def _book(b):
    from compat_tests.schema import BOOK_FIELDS

    author = Author.objects.get(ref=b.author) if b.author is not None else None
    return Book(ref=b.ref, author=author, **{n: getattr(b, n) for n in BOOK_FIELDS})


@dataclass(frozen=True)
class BulkCreate:
    books: tuple  # B rows (their tags are ignored: bulk_create() sets no many-to-many)
    batch_size: int | None = None

    def __repr__(self):
        objs = ", ".join(repr(b).replace("B(", "Book(ref=", 1) for b in self.books)
        extra = f", batch_size={self.batch_size}" if self.batch_size else ""
        return f"Book.objects.bulk_create([{objs}]{extra})"

    def flags(self):
        return set()

    def run(self):
        from reinhardt.orm import connection

        objs = [_book(b) for b in self.books]
        created = Book.objects.bulk_create(objs, batch_size=self.batch_size)
        if connection.features.can_return_rows_from_bulk_insert:
            # The primary keys are set, and are the rows' own.
            for obj in created:
                assert obj.pk is not None, "bulk_create() left a primary key unset"
                assert Book.objects.get(pk=obj.pk).ref == obj.ref, "wrong primary key set"
        return len(created)

    def apply(self, data):
        new = tuple(dataclasses.replace(b, tags=()) for b in self.books)
        return len(new), dataclasses.replace(data, books=data.books + new)


@dataclass(frozen=True)
class BulkUpdate:
    changes: tuple  # (ref, ((field, value), ...))
    fields: tuple
    batch_size: int | None = None

    def __repr__(self):
        lines = "; ".join(f"objs[{i}].{k} = {v!r}" for i, (_, kv) in enumerate(self.changes)
                          for k, v in kv)
        refs = [ref for ref, _ in self.changes]
        extra = f", batch_size={self.batch_size}" if self.batch_size else ""
        return (f"objs = [Book.objects.get(ref=r) for r in {refs!r}]; {lines}; "
                f"Book.objects.bulk_update(objs, {list(self.fields)!r}{extra})")

    def flags(self):
        return set()

    def run(self):
        objs = [Book.objects.get(ref=ref) for ref, _ in self.changes]
        for obj, (_, kv) in zip(objs, self.changes):
            for k, v in kv:
                setattr(obj, k, v)
        return Book.objects.bulk_update(objs, list(self.fields), batch_size=self.batch_size)

    def apply(self, data):
        books = {b.ref: b for b in data.books}
        for ref, kv in self.changes:
            books[ref] = dataclasses.replace(
                books[ref], **{k: v for k, v in kv if k in self.fields})
        return len(self.changes), dataclasses.replace(
            data, books=tuple(books[b.ref] for b in data.books))


class Rollback(Exception):
    pass


@dataclass(frozen=True)
class Atomic:
    """``with atomic():`` the outer writes, a nested ``atomic()`` (a savepoint) that may be
    rolled back by an exception, then the outer block may be rolled back too."""

    outer: tuple  # writes
    inner: tuple
    inner_fails: bool
    outer_fails: bool

    def __repr__(self):
        def block(ops, fails, indent):
            body = [indent + "    " + repr(op) for op in ops] or [indent + "    pass"]
            if fails:
                body.append(indent + "    raise Rollback")
            return body

        lines = ["with transaction.atomic():"] + block(self.outer, False, "")
        lines += ["    with transaction.atomic():"] + block(self.inner, self.inner_fails, "    ")
        if self.outer_fails:
            lines.append("    raise Rollback")
        return "\n".join(lines)

    def flags(self):
        flags = {"supports_transactions", "supports_savepoints"}
        for op in self.outer + self.inner:
            flags |= op.flags()
        return flags

    def run(self):
        results = []
        try:
            with transaction.atomic():
                results += [op.run() for op in self.outer]
                try:
                    with transaction.atomic():
                        results += [op.run() for op in self.inner]
                        if self.inner_fails:
                            raise Rollback
                except Rollback:
                    pass
                if self.outer_fails:
                    raise Rollback
        except Rollback:
            pass
        return results

    def apply(self, data):
        results = []
        start = data
        for op in self.outer:
            result, data = op.apply(data)
            results.append(result)
        before_inner = data
        for op in self.inner:
            result, data = op.apply(data)
            results.append(result)
        if self.inner_fails:
            data = before_inner
        if self.outer_fails:
            data = start
        return results, data


def normalise(result):
    if isinstance(result, list):
        return [normalise(r) for r in result]
    return V.norm(result)

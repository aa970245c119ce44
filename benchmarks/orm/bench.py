"""ORM benchmarks: reinhardt, Django and the raw sqlite3 driver, side by side in one run.

Each case does the same work three ways on identical SQLite databases and reports the time
per operation and the ratios. Run: python benchmarks/orm/bench.py [--quick]
"""

from __future__ import annotations

import decimal
import os
import sqlite3
import sys
import tempfile
import time

ROWS = 1000
QUICK = "--quick" in sys.argv


# ---- raw sqlite3 -------------------------------------------------------------------------


class PlainBook:
    __slots__ = ("id", "title", "pages", "price", "author_id")

    def __init__(self, id, title, pages, price, author_id):
        self.id, self.title, self.pages, self.price, self.author_id = (
            id, title, pages, price, author_id)


def setup_raw(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        """
        CREATE TABLE author (id integer PRIMARY KEY AUTOINCREMENT, name varchar(50) NOT NULL);
        CREATE TABLE book (id integer PRIMARY KEY AUTOINCREMENT, title varchar(100) NOT NULL,
            pages integer NOT NULL, price decimal NOT NULL, author_id integer NOT NULL
            REFERENCES author (id));
        """
    )
    conn.executemany("INSERT INTO author (name) VALUES (?)", [(f"a{i}",) for i in range(10)])
    conn.executemany(
        "INSERT INTO book (title, pages, price, author_id) VALUES (?, ?, ?, ?)",
        [(f"t{i}", i, str(decimal.Decimal(i) / 4), i % 10 + 1) for i in range(ROWS)],
    )
    return conn


CENTS = decimal.Decimal("0.01")


def raw_cases(conn):
    # Equivalent objects: the price is a Decimal with two places, as the models have it.
    to_decimal = decimal.Context(prec=15).create_decimal_from_float

    def fetch_objects():
        return [PlainBook(i, t, p, to_decimal(price).quantize(CENTS), a) for i, t, p, price, a
                in conn.execute("SELECT id, title, pages, price, author_id FROM book")
                .fetchall()]

    def values_list():
        return conn.execute("SELECT id, title FROM book").fetchall()

    def get_by_pk():
        for pk in range(1, 101):
            i, t, p, price, a = conn.execute(
                "SELECT id, title, pages, price, author_id FROM book WHERE id = ? LIMIT 21",
                (pk,)).fetchone()
            PlainBook(i, t, p, to_decimal(price).quantize(CENTS), a)

    def filter_count():
        return conn.execute("SELECT COUNT(*) FROM book WHERE pages > ?", (500,)).fetchone()

    def bulk_insert():
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO author (name) VALUES (?)", [(f"n{i}",) for i in range(100)])
        conn.execute("ROLLBACK")

    def select_related():
        rows = conn.execute(
            "SELECT b.id, b.title, b.pages, b.price, b.author_id, a.id, a.name FROM book b "
            "INNER JOIN author a ON b.author_id = a.id").fetchall()
        return [(PlainBook(r[0], r[1], r[2], to_decimal(r[3]).quantize(CENTS), r[4]), r[5:])
                for r in rows]

    return {
        "fetch 1000 objects": fetch_objects,
        "values_list 1000 rows": values_list,
        "get by pk x100": get_by_pk,
        "filter + count": filter_count,
        "bulk_create 100": bulk_insert,
        "select_related 1000": select_related,
    }


# ---- reinhardt ---------------------------------------------------------------------------


def orm_cases(models, Count, transaction, label):
    Book, Author = models.Book, models.Author

    def fetch_objects():
        return list(Book.objects.all())

    def values_list():
        return list(Book.objects.values_list("id", "title"))

    def get_by_pk():
        for pk in range(1, 101):
            Book.objects.get(pk=pk)

    def filter_count():
        return Book.objects.filter(pages__gt=500).count()

    def bulk_create():
        with transaction.atomic():
            Author.objects.bulk_create([Author(name=f"n{i}") for i in range(100)])
            transaction.set_rollback(True)

    def select_related():
        return [(b, b.author) for b in Book.objects.select_related("author")]

    def prefetch_related():
        return [list(a.books.all()) for a in Author.objects.prefetch_related("books")]

    return {
        "fetch 1000 objects": fetch_objects,
        "values_list 1000 rows": values_list,
        "get by pk x100": get_by_pk,
        "filter + count": filter_count,
        "bulk_create 100": bulk_create,
        "select_related 1000": select_related,
        "prefetch_related 10x100": prefetch_related,
    }


MODELS_SOURCE = '''
from {prefix} import models

class Author(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "benchapp"
        db_table = "author"

class Book(models.Model):
    title = models.CharField(max_length=100)
    pages = models.IntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")

    class Meta:
        app_label = "benchapp"
        db_table = "book"
'''


def make_app(tmp, prefix):
    pkg = os.path.join(tmp, "benchapp")
    os.makedirs(pkg, exist_ok=True)
    open(os.path.join(pkg, "__init__.py"), "w").close()
    with open(os.path.join(pkg, "models.py"), "w") as f:
        f.write(MODELS_SOURCE.format(prefix=prefix))
    sys.path.insert(0, tmp)


def setup_reinhardt(path):
    tmp = tempfile.mkdtemp()
    make_app(tmp, "reinhardt.orm")
    from reinhardt.conf import settings

    settings.configure(
        INSTALLED_APPS=["benchapp"], USE_TZ=True,
        DATABASES={"default": {"ENGINE": "reinhardt.backends.sqlite3", "NAME": path}},
    )
    import reinhardt

    reinhardt.setup()
    import benchapp.models as models

    from reinhardt.orm import transaction
    from reinhardt.orm.models import Count

    cases = orm_cases(models, Count, transaction, "reinhardt")
    # Django's app of the same name is imported next: forget this one.
    sys.path.remove(tmp)
    for name in [n for n in sys.modules if n.startswith("benchapp")]:
        del sys.modules[name]
    return cases


def setup_django(path):
    try:
        import django
    except ImportError:
        return {}
    tmp = tempfile.mkdtemp()
    make_app(tmp, "django.db")
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["benchapp"], USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": path}},
    )
    django.setup()
    import benchapp.models as models
    from django.db import transaction
    from django.db.models import Count

    return orm_cases(models, Count, transaction, "django")


def calibrate(func):
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            func()
        if time.perf_counter() - start > 0.02:
            return number
        number *= 2


def measure(implementations, rounds):
    """Best time per call of each implementation, measured in interleaved rounds so that
    load from other processes affects them alike."""
    numbers = {name: calibrate(func) for name, func in implementations.items()}
    best = {name: float("inf") for name in implementations}
    for _ in range(rounds):
        for name, func in implementations.items():
            n = numbers[name]
            start = time.perf_counter()
            for _ in range(n):
                func()
            best[name] = min(best[name], (time.perf_counter() - start) / n)
    return best


def main():
    import shutil

    tmp = tempfile.mkdtemp()
    raw_path = os.path.join(tmp, "raw.sqlite3")
    setup_raw(raw_path).close()
    rein_path = os.path.join(tmp, "reinhardt.sqlite3")
    dj_path = os.path.join(tmp, "django.sqlite3")
    shutil.copy(raw_path, rein_path)
    shutil.copy(raw_path, dj_path)
    rein = setup_reinhardt(rein_path)
    dj = setup_django(dj_path)
    raw = raw_cases(sqlite3.connect(raw_path, isolation_level=None))
    rounds = 5 if QUICK else 15

    print(f"{'case':26} {'raw µs':>9} {'reinhardt':>10} {'django':>10} "
          f"{'rein/raw':>9} {'django/raw':>11} {'django/rein':>12}")
    for name, rein_func in rein.items():
        impls = {"reinhardt": rein_func}
        if name in raw:
            impls["raw"] = raw[name]
        if name in dj:
            impls["django"] = dj[name]
        best = measure(impls, rounds)
        r, re_, d = best.get("raw"), best["reinhardt"], best.get("django")

        def fmt(v, width=9):
            return f"{v * 1e6:{width}.1f}" if v is not None else f"{'-':>{width}}"

        def ratio(a, b, width=9):
            return f"{a / b:{width}.2f}" if a and b else f"{'-':>{width}}"

        print(f"{name:26} {fmt(r)} {fmt(re_, 10)} {fmt(d, 10)} {ratio(re_, r)} "
              f"{ratio(d, r, 11)} {ratio(d, re_, 12)}")


if __name__ == "__main__":
    main()

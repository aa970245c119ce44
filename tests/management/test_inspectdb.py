"""inspectdb, flush and sqlflush against the test database."""

from contextlib import contextmanager
from io import StringIO

import pytest

from reinhardt.core.management import call_command
from reinhardt.orm import connection
from tests.migrations import test_operations
from tests.orm.capabilities import needs

pytestmark = pytest.mark.transactional

pony = test_operations.pony  # the table ops_pony with two rows (a fixture)


@contextmanager
def legacy_tables():
    """Two tables created with SQL, as a database made outside reinhardt would have."""
    q = connection.ops.quote_name
    statements = [
        f"CREATE TABLE {q('inspect_author')} ({q('id')} integer NOT NULL PRIMARY KEY, "
        f"{q('full name')} varchar(80) NOT NULL, {q('email')} varchar(120) NULL UNIQUE, "
        f"{q('born')} date NULL)",
        f"CREATE TABLE {q('inspect_book')} ({q('id')} integer NOT NULL PRIMARY KEY, "
        f"{q('title')} varchar(200) NOT NULL, {q('price')} decimal(6, 2) NOT NULL, "
        f"{q('author_id')} integer NOT NULL REFERENCES {q('inspect_author')} ({q('id')}), "
        f"{q('class')} integer NULL)",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {q('inspect_book')}")
            cursor.execute(f"DROP TABLE {q('inspect_author')}")


@needs("supports_raw_queries")  # the legacy tables are made with SQL
def test_inspectdb_writes_unmanaged_models():
    out = StringIO()
    with legacy_tables():
        call_command("inspectdb", "inspect_author", "inspect_book", stdout=out)
    source = out.getvalue()
    compile(source, "models.py", "exec")
    assert "from reinhardt.orm import models" in source
    assert "class InspectAuthor(models.Model):" in source
    assert ('    full_name = models.CharField(db_column="full name", max_length=80)  '
            "# Field renamed to remove unsuitable characters.") in source
    assert "email = models.CharField(unique=True, max_length=120, blank=True, null=True)" \
        in source
    assert "author = models.ForeignKey(InspectAuthor, models.DO_NOTHING)" in source
    assert 'class_field = models.IntegerField(db_column="class", blank=True, null=True)' \
        in source
    assert "        managed = False\n" in source
    assert '        db_table = "inspect_book"' in source


def test_sqlflush_and_flush_empty_the_tables():
    from tests.orm.models import Author

    Author.objects.create(name="Ada")
    out = StringIO()
    call_command("sqlflush", stdout=out)
    # The statement is the backend's (DELETE on SQLite and MySQL, TRUNCATE on PostgreSQL).
    statements = [line for line in out.getvalue().splitlines()
                  if connection.ops.quote_name(Author._meta.db_table) in line]
    # (deleteMany on MongoDB.)
    assert statements and all(("delete" in line.lower() or "truncate" in line.lower())
                              for line in statements)
    call_command("flush", interactive=False, verbosity=0)
    assert Author.objects.count() == 0


def test_introspection_and_inspectdb_of_tables_made_by_migrations(pony):
    from reinhardt.orm import migrations, models
    from reinhardt.orm.models import Q
    from tests.migrations.test_operations import apply, constraints

    apply(pony, migrations.CreateModel("Book", [
        ("id", models.AutoField(primary_key=True)),
        ("title", models.CharField(max_length=200)),
        ("price", models.DecimalField(max_digits=6, decimal_places=2)),
        ("pony", models.ForeignKey("ops.Pony", models.CASCADE)),
        ("flag", models.BooleanField(default=False)),
        ("cover", models.BinaryField(null=True)),
        ("data", models.JSONField(null=True)),
    ], options={
        "indexes": [models.Index(fields=["title", "-price"], name="book_tp_idx")],
        "constraints": [
            models.UniqueConstraint(fields=["pony", "title"], name="book_uniq"),
            models.CheckConstraint(condition=Q(price__gte=0), name="book_price_ck"),
        ],
    }))
    found = constraints("ops_book")
    assert found["book_price_ck"]["check"] and found["book_price_ck"]["columns"] == ["price"]
    assert found["book_tp_idx"]["index"] and found["book_tp_idx"]["columns"] == [
        "title", "price"]
    assert found["book_tp_idx"]["orders"] == ["ASC", "DESC"]
    assert [info["columns"] for info in found.values() if info["unique"]
            and not info["primary_key"]] == [["pony_id", "title"]]
    assert [(info["columns"], info["foreign_key"]) for info in found.values()
            if info["foreign_key"]] == [(["pony_id"], ("ops_pony", "id"))]
    assert [info["columns"] for info in found.values() if info["primary_key"]] == [["id"]]

    out = StringIO()
    call_command("inspectdb", "ops_pony", "ops_book", stdout=out)
    source = out.getvalue()
    compile(source, "models.py", "exec")
    assert "pony = models.ForeignKey(OpsPony, models.DO_NOTHING)" in source
    assert "flag = models.BooleanField()" in source
    assert "cover = models.BinaryField(blank=True, null=True)" in source
    assert "data = models.JSONField(blank=True, null=True)" in source
    assert 'unique_together = (("pony", "title"),)' in source
    assert "name = models.CharField(max_length=20)" in source

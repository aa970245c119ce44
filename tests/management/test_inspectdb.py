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


@pytest.mark.parametrize("column, is_relation, expected", [
    ("name", False, ("name", {}, [])),
    ("Name", False, ("name", {"db_column": "Name"}, ["Field name made lowercase."])),
    ("author_id", True, ("author", {}, [])),
    ("author", True, ("author", {"db_column": "author"}, [])),
    ("full name", False, ("full_name", {"db_column": "full name"},
                          ["Field renamed to remove unsuitable characters."])),
    ("a___b", False, ("a_b", {"db_column": "a___b"},
                      ["Field renamed because it contained more than one '_' in a row."])),
    ("_x", False, ("field_x", {"db_column": "_x"}, ["Field renamed because it started with '_'."])),
    ("x_", False, ("x_field", {"db_column": "x_"}, ["Field renamed because it ended with '_'."])),
    ("def", False, ("def_field", {"db_column": "def"},
                    ["Field renamed because it was a Python reserved word."])),
    ("2nd", False, ("number_2nd", {"db_column": "2nd"},
                    ["Field renamed because it wasn't a valid Python identifier."])),
    ("taken", False, ("taken_1", {"db_column": "taken"},
                      ["Field renamed because of name conflict."])),
])
def test_column_names_become_attribute_names(column, is_relation, expected):
    from reinhardt.core.management.commands.inspectdb import Command

    used = ["taken", "taken_0"]
    assert Command().normalize_col_name(column, used, is_relation) == expected


def test_meta_lists_unique_together_views_and_comments():
    from reinhardt.core.management.commands.inspectdb import Command

    constraints = {
        "u1": {"unique": True, "columns": ["b_col", "a"]},
        "u2": {"unique": True, "columns": ["a"]},
        "idx": {"unique": False, "columns": ["a", "b_col"]},
        "expr": {"unique": True, "columns": [None, "a"]},
    }
    meta = Command().get_meta("t", constraints, {"b_col": "b"}, True, False, "About t")
    assert meta == [
        "",
        "    class Meta:",
        "        managed = False  # Created from a view. Don't remove.",
        '        db_table = "t"',
        '        unique_together = (("b", "a"),)',
        '        db_table_comment = "About t"',
    ]
    assert Command().get_meta("t", {}, {}, False, True, None)[2] == (
        "        managed = False  # Created from a partition. Don't remove."
    )

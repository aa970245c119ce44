"""inspectdb, flush and sqlflush against the test database."""

from io import StringIO

import pytest

from reinhardt.core.management import call_command
from reinhardt.orm import connection

pytestmark = pytest.mark.transactional


@pytest.fixture
def legacy_tables():
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
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {q('inspect_book')}")
        cursor.execute(f"DROP TABLE {q('inspect_author')}")


def test_inspectdb_writes_unmanaged_models(legacy_tables):
    out = StringIO()
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
    assert f"DELETE FROM {connection.ops.quote_name(Author._meta.db_table)};" in out.getvalue()
    call_command("flush", interactive=False, verbosity=0)
    assert Author.objects.count() == 0

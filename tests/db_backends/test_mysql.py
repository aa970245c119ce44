"""MySQL/MariaDB only: session settings, the binary collation of the tables reinhardt
creates, strict mode, the emulated conditional unique constraint, time zone tables."""

import datetime

import pytest

from reinhardt.orm import DataError, NotSupportedError, connection
from tests.orm.models import Author, Event, Product, Tag

pytestmark = pytest.mark.skipif(
    connection.vendor != "mysql",
    reason="MySQL/MariaDB-specific (run with REINHARDT_TEST_BACKEND=mysql)",
)


def one(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_session_settings():
    assert "STRICT_TRANS_TABLES" in one("SELECT @@SESSION.sql_mode")
    isolation = "@@SESSION.tx_isolation" if connection.features.is_mariadb else \
        "@@SESSION.transaction_isolation"
    assert one(f"SELECT {isolation}") == "READ-COMMITTED"
    assert one("SELECT @@SESSION.time_zone") == "+00:00"  # naive UTC is stored
    assert one("SELECT @@character_set_connection") == "utf8mb4"


def test_text_columns_use_the_binary_no_pad_collation():
    collation = one(
        "SELECT collation_name FROM information_schema.columns "
        "WHERE table_schema = DATABASE() AND table_name = 'orm_author' "
        "AND column_name = 'name'"
    )
    assert collation == connection.features.binary_collation


def test_strict_mode_refuses_values_that_do_not_fit():
    with pytest.raises(DataError):
        Tag.objects.create(name="x" * 51)


def test_ignore_conflicts_ignores_duplicates_only():
    Tag.objects.create(name="dup")
    Tag.objects.bulk_create([Tag(name="dup")], ignore_conflicts=True)
    with pytest.raises(DataError):  # INSERT IGNORE would have truncated it silently
        Tag.objects.bulk_create([Tag(name="y" * 51)], ignore_conflicts=True)


def test_naive_utc_is_stored():
    when = datetime.datetime(2021, 6, 1, 9, 30, tzinfo=datetime.UTC)
    Event.objects.create(name="e", when=when)
    assert one("SELECT `when` FROM orm_event") == datetime.datetime(2021, 6, 1, 9, 30)


def test_emulated_conditional_unique_constraint_is_invisible():
    columns = {c.name for c in connection.introspection.get_table_description(
        connection.cursor(), "orm_product")}
    assert columns == {f.column for f in Product._meta.concrete_fields}
    generated = one(
        "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() "
        "AND table_name = 'orm_product' AND extra LIKE '%%INVISIBLE%%'"
    )
    assert generated == 1
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "orm_product")
    assert constraints["unique_special_name"]["unique"]


def test_returning_is_used_on_mariadb():
    if not connection.features.is_mariadb:
        pytest.skip("MySQL has no RETURNING: ids come from LAST_INSERT_ID().")
    connection.queries_log.clear()
    connection.force_debug_cursor = True
    try:
        Author.objects.create(name="r")
    finally:
        connection.force_debug_cursor = False
    assert "RETURNING `orm_author`.`id`" in connection.queries_log[-1]["sql"]


def test_named_time_zones_need_the_time_zone_tables():
    with pytest.raises(NotSupportedError, match="tzinfo_to_sql") as excinfo:
        connection.ops._require_zone("Mars/Olympus_Mons")
    assert excinfo.value.flag == "supports_date_lookups"


@pytest.mark.transactional
def test_unique_constraint_with_include_and_opclasses_is_still_unique():
    from reinhardt.apps import apps
    from reinhardt.orm import IntegrityError, models

    class Code(models.Model):
        value = models.CharField(max_length=10)
        note = models.CharField(max_length=10)

        class Meta:
            app_label = "orm"
            constraints = [models.UniqueConstraint(
                fields=["value"], include=["note"], opclasses=["varchar_pattern_ops"],
                name="code_value_unique")]

    try:
        with connection.schema_editor() as editor:
            editor.create_model(Code)
        Code.objects.create(value="a", note="x")
        with pytest.raises(IntegrityError):
            Code.objects.create(value="a", note="y")
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Code)
        del apps.all_models["orm"]["code"]
        apps.clear_cache()


@pytest.mark.transactional
def test_without_use_tz_datetimes_are_stored_and_read_as_naive_local_time():
    from reinhardt.test.utils import override_settings
    from tests.db_backends.swap import default_connection

    naive = datetime.datetime(2021, 6, 1, 9, 30, 15, 123456)
    with override_settings(USE_TZ=False, TIME_ZONE="Asia/Tokyo"):
        with default_connection():
            Event.objects.create(name="naive", when=naive)
            assert Event.objects.get().when == naive
            assert one("SELECT `when` FROM orm_event") == naive  # stored as given
            assert Event.objects.filter(when__hour=9, when__date=naive.date()).count() == 1
            with pytest.raises(ValueError, match="timezone-aware datetimes"):
                Event.objects.create(name="aware", when=naive.replace(tzinfo=datetime.UTC))


@pytest.mark.transactional
def test_database_time_zone_stores_naive_values_in_that_zone():
    from tests.db_backends.swap import default_connection

    when = datetime.datetime(2021, 6, 1, 9, 30, tzinfo=datetime.UTC)
    with default_connection(TIME_ZONE="Europe/Paris"):
        Event.objects.create(name="paris", when=when)
        assert one("SELECT `when` FROM orm_event") == datetime.datetime(2021, 6, 1, 11, 30)
        fetched = Event.objects.get().when
        assert fetched == when
        assert Event.objects.filter(when__hour=4).count() == 1  # Chicago, the current zone


# ----- iterator() streams through an unbuffered cursor -------------------------------------


def test_iterator_reads_chunk_by_chunk_from_an_unbuffered_cursor():
    from MySQLdb.cursors import SSCursor

    Tag.objects.bulk_create([Tag(name=f"s{i:03}") for i in range(50)])
    names = Tag.objects.filter(name__startswith="s").order_by("name")
    rows = names.values_list("name", flat=True).iterator(chunk_size=7)
    assert next(rows) == "s000"
    stream = connection._stream()
    # SSCursor leaves the result on the server: only the first chunk has been read.
    assert type(stream.raw) is SSCursor
    assert stream.raw.rownumber == 7
    assert [next(rows) for _ in range(7)] == [f"s{i:03}" for i in range(1, 8)]
    assert stream.raw.rownumber == 14
    assert list(rows) == [f"s{i:03}" for i in range(8, 50)]
    assert connection._stream is None  # fully read: the connection is free
    for size in (1, 3, 49, 50, 1000):
        assert [t.name for t in names.iterator(chunk_size=size)] == [
            f"s{i:03}" for i in range(50)]


def test_a_statement_during_iteration_moves_the_unread_rows_to_memory():
    Tag.objects.bulk_create([Tag(name=f"m{i:03}") for i in range(30)])
    rows = Tag.objects.filter(name__startswith="m").order_by("name").iterator(chunk_size=4)
    assert next(rows).name == "m000"
    stream = connection._stream()
    assert stream.raw.rownumber == 4
    assert Tag.objects.filter(name__startswith="m").count() == 30  # no "out of sync" error
    assert connection._stream is None
    assert len(stream._rest) == 26  # the rest now comes from memory
    assert [t.name for t in rows] == [f"m{i:03}" for i in range(1, 30)]


@pytest.mark.transactional
def test_commit_during_iteration_in_autocommit_mode():
    from reinhardt.orm import transaction

    Tag.objects.bulk_create([Tag(name=f"c{i:03}") for i in range(10)])
    try:
        seen = []
        for tag in Tag.objects.filter(name__startswith="c").order_by("name").iterator(
                chunk_size=3):
            seen.append(tag.name)
            with transaction.atomic():
                Event.objects.create(name=tag.name)
        assert seen == [f"c{i:03}" for i in range(10)]
        assert Event.objects.filter(name__startswith="c").count() == 10
    finally:
        Tag.objects.filter(name__startswith="c").delete()
        Event.objects.filter(name__startswith="c").delete()

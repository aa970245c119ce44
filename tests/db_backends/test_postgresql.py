"""PostgreSQL only: server-side cursors, pooling, server-side binding, deferrable
constraints, time zones of the session, types psycopg adapts."""

import datetime
import threading

import pytest

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.orm import IntegrityError, connection, connections, models, transaction
from reinhardt.test.utils import override_settings
from tests.db_backends.swap import default_connection
from tests.orm.models import AllTypes, Author, Event, Tag

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-specific (run with REINHARDT_TEST_BACKEND=postgresql)",
)


def open_cursors(conn):
    with conn.cursor() as cursor:
        cursor.execute("SELECT name, is_holdable FROM pg_cursors ORDER BY name")
        return cursor.fetchall()


# ----- iterator() streams through a server-side cursor ------------------------------------


@pytest.mark.transactional
def test_iterator_uses_a_holdable_server_side_cursor_in_autocommit():
    Tag.objects.bulk_create([Tag(name=f"t{i}") for i in range(10)])
    rows = Tag.objects.order_by("name").iterator(chunk_size=3)
    assert next(rows).name == "t0"
    [(name, holdable)] = open_cursors(connection)
    assert name.startswith("_reinhardt_curs_") and holdable
    assert [t.name for t in rows] == [f"t{i}" for i in range(1, 10)]
    assert open_cursors(connection) == []  # closed once exhausted


def test_iterator_inside_a_transaction_uses_a_plain_server_side_cursor():
    Tag.objects.bulk_create([Tag(name=f"t{i}") for i in range(5)])
    rows = Tag.objects.iterator(chunk_size=2)
    next(rows)
    [(name, holdable)] = open_cursors(connection)
    assert name.startswith("_reinhardt_curs_") and not holdable
    assert len(list(rows)) == 4


@pytest.mark.transactional
def test_server_side_cursors_can_be_disabled():
    Tag.objects.bulk_create([Tag(name=f"t{i}") for i in range(5)])
    with default_connection(DISABLE_SERVER_SIDE_CURSORS=True) as conn:
        rows = Tag.objects.iterator(chunk_size=2)
        next(rows)
        assert open_cursors(conn) == []
        assert len(list(rows)) == 4


# ----- pooling ----------------------------------------------------------------------------


@pytest.mark.transactional
def test_pooled_connections_are_reused_and_shared_by_threads():
    with default_connection(OPTIONS={"pool": {"min_size": 1, "max_size": 1}}) as conn:
        Tag.objects.create(name="pooled")
        first = conn.connection
        conn.close()  # back to the pool, not closed
        assert conn.connection is None and not first.closed
        assert Tag.objects.count() == 1
        assert conn.connection is first  # the pool's only connection, reused
        conn.close()
        pool = conn.pool
        results = []

        def work():
            try:
                # Another thread's wrapper for the same alias draws from the same pool.
                thread_conn = type(conn)(conn.settings_dict, "default")
                thread_conn.ensure_connection()
                results.append((thread_conn.pool is pool, thread_conn.connection is first))
                thread_conn.close()
            except Exception as e:
                results.append(e)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        assert results == [(True, True)]


def test_pooling_and_persistent_connections_exclude_each_other():
    settings = {**connection.settings_dict, "OPTIONS": {"pool": True}, "CONN_MAX_AGE": 60}
    wrapper = type(connections["default"])(settings, "pool_and_max_age")
    with pytest.raises(ImproperlyConfigured, match="CONN_MAX_AGE"):
        wrapper.ensure_connection()


@pytest.mark.transactional
def test_a_pooled_connection_returned_mid_transaction_is_rolled_back():
    with default_connection(OPTIONS={"pool": {"min_size": 1, "max_size": 1}}) as conn:
        conn.set_autocommit(False)
        Tag.objects.create(name="never committed")
        raw = conn.connection
        conn.close()
        assert Tag.objects.count() == 0
        assert conn.connection is raw  # the only pooled connection, reset and reused


# ----- binding, types, time zones ----------------------------------------------------------


@pytest.mark.transactional
def test_server_side_binding():
    with default_connection(OPTIONS={"server_side_binding": True}):
        Author.objects.create(name="bound", age=3)
        assert Author.objects.filter(name="bound", age__gte=2).count() == 1
        assert list(Author.objects.filter(name__startswith="bo").values_list("age", flat=True)) \
            == [3]


@pytest.mark.transactional
def test_migrations_with_server_side_binding_inline_defaults_as_literals():
    # DDL cannot take bound parameters: defaults go in as literals psycopg quoted.
    from reinhardt.orm import migrations
    from reinhardt.orm.migrations.state import ProjectState

    awkward = "O'Brien; -- 100% $1 %s"

    def run(state, *operations):
        migration = type("Migration", (migrations.Migration,),
                         {"operations": list(operations)})("test", "ssb")
        with connection.schema_editor() as editor:
            return migration.apply(state.clone(), editor)

    with default_connection(OPTIONS={"server_side_binding": True}):
        state = run(ProjectState(), migrations.CreateModel("Row", [
            ("id", models.AutoField(primary_key=True)),
            ("note", models.CharField(max_length=40, null=True)),
        ]))
        try:
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO ssb_row (note) VALUES (%s), (NULL)", ["kept"])
            state = run(state, migrations.AddField(
                "row", "label", models.CharField(max_length=40, default=awkward)))
            run(state, migrations.AlterField(
                "row", "note", models.CharField(max_length=40, default=awkward)))
            with connection.cursor() as cursor:
                cursor.execute("SELECT note, label FROM ssb_row ORDER BY id")
                assert cursor.fetchall() == [("kept", awkward), (awkward, awkward)]
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS ssb_row")


@pytest.mark.transactional
def test_legacy_serial_primary_key_changes_type_and_stops_being_auto():
    # Databases created by older Django versions have serial columns, not identities.
    from reinhardt.orm import migrations
    from reinhardt.orm.migrations.state import ProjectState

    def run(state, *operations):
        migration = type("Migration", (migrations.Migration,),
                         {"operations": list(operations)})("test", "leg")
        with connection.schema_editor() as editor:
            return migration.apply(state.clone(), editor)

    def sequence_type():
        with connection.cursor() as cursor:
            cursor.execute("SELECT data_type::text FROM pg_sequences "
                           "WHERE sequencename = 'leg_row_id_seq'")
            return [row[0] for row in cursor.fetchall()]

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE leg_row (id serial PRIMARY KEY, note varchar(20))")
        cursor.execute("INSERT INTO leg_row (note) VALUES ('a'), ('b')")
    state = ProjectState()
    state.add_model(migrations.state.ModelState("leg", "Row", [
        ("id", models.AutoField(primary_key=True)),
        ("note", models.CharField(max_length=20, null=True)),
    ]))
    try:
        assert sequence_type() == ["integer"]
        state = run(state, migrations.AlterField("row", "id",
                                                 models.BigAutoField(primary_key=True)))
        assert sequence_type() == ["bigint"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval('leg_row_id_seq', %s)", [2**40])
            cursor.execute("INSERT INTO leg_row (note) VALUES ('big') RETURNING id")
            assert cursor.fetchone() == (2**40 + 1,)
        run(state, migrations.AlterField("row", "id",
                                         models.BigIntegerField(primary_key=True)))
        assert sequence_type() == []
        with connection.cursor() as cursor:
            cursor.execute("SELECT note FROM leg_row ORDER BY id")
            assert cursor.fetchall() == [("a",), ("b",), ("big",)]
            with pytest.raises(IntegrityError), transaction.atomic():
                cursor.execute("INSERT INTO leg_row (note) VALUES ('no id')")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS leg_row")


def test_column_types_are_native():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'orm_alltypes'"
        )
        types = dict(cursor.fetchall())
    assert types["uuid"] == "uuid" and types["json"] == "jsonb"
    assert types["duration"] == "interval" and types["ip"] == "inet"
    assert types["boolean"] == "boolean" and types["id"] == "integer"


def test_json_strings_stay_strings_and_ips_stay_text():
    AllTypes.objects.create(json="1", ip="2001:db8::1")
    row = AllTypes.objects.get()
    assert row.json == "1" and row.ip == "2001:db8::1"
    assert AllTypes.objects.filter(ip="2001:0db8::0001").count() == 1  # compared as inet
    assert AllTypes.objects.filter(ip__startswith="2001:").count() == 1


def test_sessions_run_in_utc_under_use_tz():
    with connection.cursor() as cursor:
        cursor.execute("SHOW TIME ZONE")
        assert cursor.fetchone()[0] == "UTC"


def test_database_time_zone_with_use_tz_is_refused():
    settings = {**connection.settings_dict, "TIME_ZONE": "Europe/Paris"}
    wrapper = type(connections["default"])(settings, "tz")
    with pytest.raises(ImproperlyConfigured, match="TIME_ZONE"):
        wrapper.ensure_connection()


@pytest.mark.transactional
def test_without_use_tz_datetimes_are_naive_local_time():
    naive = datetime.datetime(2021, 6, 1, 9, 30)
    with override_settings(USE_TZ=False, TIME_ZONE="Asia/Tokyo"):
        with default_connection() as conn:
            Event.objects.create(name="naive", when=naive)
            assert Event.objects.get().when == naive
            with conn.cursor() as cursor:
                cursor.execute("SELECT \"when\" AT TIME ZONE 'UTC' FROM orm_event")
                assert cursor.fetchone()[0] == naive - datetime.timedelta(hours=9)
            assert Event.objects.filter(when__hour=9).count() == 1


# ----- deferrable constraints ---------------------------------------------------------------


@pytest.fixture
def slot_model():
    class Slot(models.Model):
        position = models.IntegerField()

        class Meta:
            app_label = "orm"
            constraints = [
                models.UniqueConstraint(fields=["position"], name="slot_position_deferred",
                                        deferrable=models.Deferrable.DEFERRED),
            ]

    with connection.schema_editor() as editor:
        editor.create_model(Slot)
    yield Slot
    from reinhardt.apps import apps

    del apps.all_models["orm"]["slot"]
    apps.clear_cache()


def test_deferrable_unique_constraint_is_checked_at_commit(slot_model):
    a = slot_model.objects.create(position=1)
    b = slot_model.objects.create(position=2)
    with transaction.atomic():
        # Swapping the positions passes through a duplicate, allowed until the check.
        slot_model.objects.filter(pk=a.pk).update(position=2)
        slot_model.objects.filter(pk=b.pk).update(position=1)
        connection.check_constraints()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            slot_model.objects.filter(pk=a.pk).update(position=1)
            connection.check_constraints()
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "orm_slot")
    assert constraints["slot_position_deferred"]["deferrable"] is True


def test_foreign_keys_are_deferred_until_commit():
    from tests.orm.models import Book

    with transaction.atomic():
        Book.objects.create(title="orphan for now", author_id=987654)
        from tests.orm.models import Author as A

        A.objects.create(pk=987654, name="arrives later")
        connection.check_constraints()


def test_connections_per_alias_are_distinct_sessions():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        default_pid = cursor.fetchone()[0]
    with connections["other"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_database()")
        other_pid, database = cursor.fetchone()
    assert default_pid != other_pid
    assert database == connections["other"].settings_dict["NAME"]

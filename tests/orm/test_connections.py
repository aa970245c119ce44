"""Connection handling: a connection per thread, concurrent updates, recovery when the server
drops the connection, persistent connections, health checks, the query log, execute_wrapper.
"""

import random
import threading
import time

import pytest

from reinhardt.backends.base.features import EMULATED
from reinhardt.core.signals import request_finished, request_started
from reinhardt.orm import (
    DatabaseError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from reinhardt.orm.errors import TransactionManagementError
from reinhardt.orm.models import F
from reinhardt.test.utils import override_settings
from tests.orm.capabilities import needs
from tests.orm.models import Author, Tag

pytestmark = pytest.mark.transactional


def tag_names():
    return sorted(Tag.objects.values_list("name", flat=True))


def run_in_threads(work, count=8):
    """Run ``work`` in ``count`` threads at once; return the exceptions they raised."""
    errors = []
    barrier = threading.Barrier(count)

    def target():
        try:
            barrier.wait()
            work()
        except Exception as e:  # collected for the assertion in the test's thread
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


# ----- a connection per thread ------------------------------------------------------------


def test_each_thread_has_its_own_connection():
    main = connections["default"]
    seen = []

    def work():
        seen.append(connections["default"])
        assert Tag.objects.count() >= 0

    assert run_in_threads(work, count=3) == []
    assert len({id(c) for c in seen}) == 3 and main not in seen


def test_a_connection_refuses_use_from_another_thread():
    shared = connections["default"]
    shared.ensure_connection()
    errors = []

    def work():
        try:
            shared.cursor()
        except Exception as e:
            errors.append(e)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert len(errors) == 1 and isinstance(errors[0], DatabaseError)
    assert "can only be used in that same thread" in str(errors[0])


# ----- concurrency ------------------------------------------------------------------------


def test_concurrent_f_increments_lose_nothing():
    counter = Author.objects.create(name="counter", age=0)

    def work():
        for _ in range(25):
            Author.objects.filter(pk=counter.pk).update(age=F("age") + 1)

    assert run_in_threads(work) == []
    assert Author.objects.get(pk=counter.pk).age == 8 * 25


@needs("supports_select_for_update")
def test_concurrent_read_modify_write_under_select_for_update_loses_nothing(features):
    """With row locks every transaction waits its turn and all increments land. Where the
    lock is emulated by a database-wide write lock (SQLite), a transaction that cannot get
    the lock fails with OperationalError instead of waiting, and the caller retries it;
    either way every committed increment is in the row and no other is."""
    with transaction.atomic():
        Author.objects.select_for_update().filter(pk=-1).first()  # refused where unsupported
    counter = Author.objects.create(name="counter", age=0)
    emulated = features.supports_select_for_update is EMULATED
    committed, refused = [], []

    def increment():
        with transaction.atomic():
            row = Author.objects.select_for_update().get(pk=counter.pk)
            row.age += 1
            row.save(update_fields=["age"])

    def work():
        rng = random.Random()
        for _ in range(10):
            for _attempt in range(500):
                try:
                    increment()
                except OperationalError:
                    if not emulated:
                        raise
                    refused.append(1)
                    time.sleep(rng.uniform(0.0005, 0.005))
                else:
                    committed.append(1)
                    break

    assert run_in_threads(work) == []
    assert len(committed) == 8 * 10
    assert Author.objects.get(pk=counter.pk).age == 8 * 10


# ----- the server drops the connection ------------------------------------------------------


def drop_connection(conn):
    """Kill ``conn``'s server session from a second connection and wait until it is gone."""
    if conn.vendor not in ("postgresql", "mysql"):
        reason = (
            "is embedded: there is no server session to kill"
            if conn.vendor == "sqlite"
            else "sessions are not killed by this test (it kills PostgreSQL and MySQL sessions)"
        )
        pytest.skip(f"{conn.display_name}: {reason}.")
    conn.ensure_connection()
    killer = conn.copy(alias="killer")
    try:
        with killer.cursor() as cursor:
            if conn.vendor == "postgresql":
                pid = conn.connection.info.backend_pid
                cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
                gone = "SELECT count(*) FROM pg_stat_activity WHERE pid = %s"
            else:
                pid = conn.connection.thread_id()
                cursor.execute("KILL CONNECTION %s", [pid])
                gone = "SELECT count(*) FROM information_schema.processlist WHERE id = %s"
            for _ in range(1000):
                cursor.execute(gone, [pid])
                if cursor.fetchone()[0] == 0:
                    break
                threading.Event().wait(0.01)
            else:
                pytest.fail(f"The server session {pid} did not end after being killed.")
    finally:
        killer.close()


def test_killed_mid_transaction_keeps_commits_applies_nothing_and_reconnects():
    Tag.objects.create(name="committed")
    with pytest.raises((OperationalError, TransactionManagementError, DatabaseError)):
        with transaction.atomic():
            Tag.objects.create(name="uncommitted")
            drop_connection(connection)
            Tag.objects.create(name="after the kill")
    assert not connection.in_atomic_block
    # The next query reconnects; the transaction in flight was rolled back by the server.
    assert tag_names() == ["committed"]
    Tag.objects.create(name="later")
    assert tag_names() == ["committed", "later"]


def test_killed_before_commit_applies_nothing():
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            Tag.objects.create(name="uncommitted")
            drop_connection(connection)
    assert tag_names() == []


def test_killed_inside_a_savepoint_rolls_back_the_whole_transaction():
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            Tag.objects.create(name="outer")
            try:
                with transaction.atomic():
                    Tag.objects.create(name="inner")
                    drop_connection(connection)
                    Tag.objects.create(name="inner after the kill")
            except DatabaseError:
                pass
            # The outer block can't go on: its transaction is gone with the connection.
            Tag.objects.create(name="outer after the kill")
    assert tag_names() == []


def test_killed_in_autocommit_fails_that_query_and_the_next_reconnects():
    Tag.objects.create(name="before")
    drop_connection(connection)
    with pytest.raises(DatabaseError):
        Tag.objects.create(name="lost with the connection")
    Tag.objects.create(name="after")
    assert "after" in tag_names() and "before" in tag_names()


# ----- persistent connections and health checks ----------------------------------------------


def _server_connection(conn):
    if conn.vendor == "sqlite" and conn.is_in_memory_db():
        pytest.skip("An in-memory SQLite database lives as long as its connection: it is "
                    "never closed, so there is no persistence to check.")
    conn.ensure_connection()
    return conn.connection


@pytest.fixture
def settings_of_default():
    saved = dict(connection.settings_dict)
    yield connection.settings_dict
    connection.settings_dict.update(saved)
    connection.close()


def test_conn_max_age_zero_closes_at_the_end_of_each_request(settings_of_default):
    settings_of_default["CONN_MAX_AGE"] = 0
    connection.close()
    _server_connection(connection)
    request_finished.send(sender=None)
    assert connection.connection is None


def test_persistent_connections_survive_requests(settings_of_default):
    settings_of_default["CONN_MAX_AGE"] = None
    connection.close()
    raw = _server_connection(connection)
    for _ in range(3):
        request_started.send(sender=None)
        Tag.objects.count()
        request_finished.send(sender=None)
    assert connection.connection is raw


def test_requests_inside_an_atomic_block_keep_its_connection(settings_of_default):
    # A test case's transaction (or any atomic block) survives request signals.
    settings_of_default["CONN_MAX_AGE"] = 0
    with transaction.atomic():
        Tag.objects.create(name="inside")
        raw = connection.connection
        request_started.send(sender=None)
        request_finished.send(sender=None)
        assert connection.connection is raw
        assert tag_names() == ["inside"]
    assert tag_names() == ["inside"]


def test_health_check_replaces_a_connection_dropped_between_requests(settings_of_default):
    settings_of_default["CONN_MAX_AGE"] = None
    settings_of_default["CONN_HEALTH_CHECKS"] = True
    connection.close()
    raw = _server_connection(connection)
    request_finished.send(sender=None)
    drop_connection(connection)
    request_started.send(sender=None)
    # The first query of the request finds the connection unusable and opens a new one.
    assert Tag.objects.count() == 0
    assert connection.connection is not raw
    request_finished.send(sender=None)


# ----- the query log and execute wrappers ---------------------------------------------------


def test_queries_are_logged_under_debug_with_their_values():
    connection.queries_log.clear()
    with override_settings(DEBUG=True):
        Tag.objects.filter(name="needle-42").count()
    assert len(connection.queries) == 1
    entry = connection.queries[0]
    assert "needle-42" in entry["sql"] and float(entry["time"]) >= 0
    connection.queries_log.clear()
    Tag.objects.count()
    assert connection.queries == []


def test_execute_wrapper_sees_and_can_block_queries():
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append((sql, params, many, context["connection"].alias))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        Tag.objects.create(name="wrapped")
        assert Tag.objects.filter(name="wrapped").exists()
    assert len(seen) == 2 and all(alias == "default" for *_, alias in seen)
    assert "wrapped" in seen[0][1]

    def blocker(execute, sql, params, many, context):
        raise RuntimeError("no database access here")

    with connection.execute_wrapper(blocker):
        with pytest.raises(RuntimeError, match="no database access here"):
            Tag.objects.count()
    assert Tag.objects.count() == 1

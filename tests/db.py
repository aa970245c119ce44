"""Test databases for the suite: created once per run, isolated per test."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

from reinhardt.apps import apps
from reinhardt.orm import connections, router, transaction


def test_models(alias: str):
    """The models whose tables belong on ``alias`` (routers decide)."""
    return [
        model for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        and router.allow_migrate_model(alias, model)
    ]


def create_tables(connection) -> None:
    with connection.schema_editor() as editor:
        for model in test_models(connection.alias):
            editor.create_model(model)


def mirrors() -> dict:
    """{alias: primary alias} of the aliases with TEST["MIRROR"] (replicas of a primary)."""
    return {
        alias: connections.settings[alias]["TEST"]["MIRROR"]
        for alias in connections
        if connections.settings[alias]["TEST"].get("MIRROR")
    }


def primaries() -> list:
    """The aliases that have a test database of their own."""
    return [alias for alias in connections if alias not in mirrors()]


def setup_databases() -> list:
    """Create the test database of every alias (``test_`` prefix) with all tables; a
    mirror alias (TEST["MIRROR"]) uses its primary's test database instead."""
    old_names = []
    for alias in primaries():
        connection = connections[alias]
        old_names.append((connection, connection.settings_dict["NAME"]))
        connection.creation.create_test_db(verbosity=0, create_tables=create_tables)
    for alias, primary in mirrors().items():
        connection = connections[alias]
        old_names.append((connection, None))
        connection.creation.set_as_test_mirror(connections[primary].settings_dict)
    return old_names


def teardown_databases(old_names) -> None:
    # Mirrors first: a connection still open on a test database would block dropping it.
    for connection, old_name in reversed(old_names):
        if old_name is None:
            connection.close()  # a mirror: its database is its primary's
            continue
        connection.creation.destroy_test_db(old_name, verbosity=0)


def flush_all() -> None:
    """Delete every row of every test table (for tests that really commit)."""
    for alias in primaries():
        connection = connections[alias]
        tables = [model._meta.db_table for model in test_models(alias)]
        for model in test_models(alias):
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                if through._meta.auto_created:
                    tables.append(through._meta.db_table)
        flusher = getattr(connection.ops, "flush_tables", None)
        if flusher is not None:
            flusher(tables)
            continue
        with connection.constraint_checks_disabled():
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute("DELETE FROM %s" % connection.ops.quote_name(table))


@contextmanager
def isolated(transactional: bool = False):
    """Run a test in transactions rolled back afterwards, or flush the tables afterwards
    when the test commits for real or the backend has no transactions."""
    use_rollback = not transactional and all(
        connections[alias].features.supports_transactions
        # Datastore: reads in a transaction don't see its writes; flush instead.
        and not getattr(connections[alias].features, "test_isolation_by_flush", False)
        for alias in connections
    )
    if use_rollback:
        with ExitStack() as stack:
            atomics = []
            for alias in primaries():
                atomic = transaction.atomic(using=alias)
                atomic._from_testcase = True
                stack.enter_context(atomic)
                atomics.append(alias)
            # A mirror reads its primary's uncommitted rows: it shares the connection.
            replaced = {alias: connections[alias] for alias in mirrors()}
            for alias, primary in mirrors().items():
                connections[alias] = connections[primary]
            try:
                yield
            finally:
                for alias in atomics:
                    transaction.set_rollback(True, using=alias)
                for alias, mirror_connection in replaced.items():
                    connections[alias] = mirror_connection
    else:
        try:
            yield
        finally:
            flush_all()

from contextlib import contextmanager

import pytest

from reinhardt.test import override_settings

INSTALLED = ["tests.orm", "tests.migrations.migapp"]


def _reset_migapp() -> None:
    """Unapply migapp's migrations, then drop whatever is left of its tables and records."""
    from reinhardt.orm import connection
    from reinhardt.orm.migrations.executor import MigrationExecutor
    from reinhardt.orm.migrations.recorder import MigrationRecorder

    try:
        MigrationExecutor(connection).migrate([("migapp", None)])
    except Exception:
        pass
    with connection.cursor() as cursor:
        leftovers = [t for t in connection.introspection.table_names(cursor)
                     if t.startswith("migapp_")]
    from tests.migrations.test_operations import drop_tables

    drop_tables(leftovers)
    recorder = MigrationRecorder(connection)
    if recorder.has_table():
        recorder.migration_qs.filter(app="migapp").delete()


@pytest.fixture
def migration_module():
    """Install the test app ``migapp`` with one of the migration sets in this folder:
    ``with migration_module("migrations_basic"): ...``; its tables go away afterwards."""

    @contextmanager
    def use(module_name: str):
        with override_settings(
            INSTALLED_APPS=INSTALLED,
            MIGRATION_MODULES={"migapp": f"tests.migrations.{module_name}"},
        ):
            try:
                yield
            finally:
                _reset_migapp()

    return use


@pytest.fixture
def unmigrate():
    """Kept for readability in tests: cleanup happens when migration_module() exits."""
    yield

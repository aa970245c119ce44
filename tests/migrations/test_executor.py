"""Loading migrations, planning and running them on the database, recording them."""

import pytest

from reinhardt.orm import connection
from reinhardt.orm.migrations.exceptions import InvalidMigrationPlan
from reinhardt.orm.migrations.executor import MigrationExecutor
from reinhardt.orm.migrations.loader import MigrationLoader
from reinhardt.orm.migrations.recorder import MigrationRecorder
from reinhardt.test import override_settings

pytestmark = pytest.mark.transactional


def tables():
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def columns(table):
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def applied():
    return sorted(k for k in MigrationRecorder(connection).applied_migrations() if k[0] == "migapp")


def test_loader_reads_migrations_and_builds_the_graph(migration_module):
    with migration_module("migrations_basic"):
        loader = MigrationLoader(None)
        assert "migapp" in loader.migrated_apps
        assert loader.graph.forwards_plan(("migapp", "0002_second")) == [
            ("migapp", "0001_initial"), ("migapp", "0002_second"),
        ]
        state = loader.project_state()
        assert set(state.models) >= {("migapp", "author"), ("migapp", "book")}
        assert "rating" in state.models["migapp", "author"].fields
        assert loader.get_migration_by_prefix("migapp", "0002").name == "0002_second"


def test_loader_detects_conflicts(migration_module):
    with migration_module("migrations_conflict"):
        assert MigrationLoader(None).detect_conflicts() == {
            "migapp": ["0002_first_branch", "0002_second_branch"],
        }


def test_app_without_migrations_is_unmigrated(migration_module):
    with migration_module("migrations_empty"):
        loader = MigrationLoader(None)
        assert "migapp" in loader.migrated_apps
        assert loader.graph.leaf_nodes("migapp") == []
    with migration_module("does_not_exist"):
        # A missing module named explicitly is an error, unless told to ignore it.
        with pytest.raises(ModuleNotFoundError):
            MigrationLoader(None)
        assert "migapp" in MigrationLoader(None, ignore_no_migrations=True).unmigrated_apps


def author_model(migration):
    """migapp's Author as it is after ``migration`` (a historical model)."""
    state = MigrationExecutor(connection).loader.project_state(("migapp", migration))
    return state.apps.get_model("migapp", "Author")


def test_migrate_forwards_back_and_to_zero(migration_module, unmigrate):
    with migration_module("migrations_basic"):
        executor = MigrationExecutor(connection)
        executor.migrate([("migapp", "0002_second")])
        assert {"migapp_author", "migapp_book"} <= tables()
        assert "rating" in columns("migapp_author")
        assert applied() == [("migapp", "0001_initial"), ("migapp", "0002_second")]
        author_model("0002_second").objects.create(name="Ada", rating=5)

        executor = MigrationExecutor(connection)
        executor.migrate([("migapp", "0001_initial")])
        assert "migapp_book" not in tables()
        assert "rating" not in columns("migapp_author")
        assert list(author_model("0001_initial").objects.values_list("name")) == [("Ada",)]
        assert applied() == [("migapp", "0001_initial")]

        executor = MigrationExecutor(connection)
        executor.migrate([("migapp", None)])
        assert "migapp_author" not in tables()
        assert applied() == []


def test_run_python_uses_historical_models_both_ways(migration_module, unmigrate):
    with migration_module("migrations_runpython"):
        MigrationExecutor(connection).migrate([("migapp", "0002_add_authors")])
        authors = author_model("0002_add_authors").objects.order_by("name")
        assert list(authors.values_list("name")) == [("Ada",), ("Grace",)]
        MigrationExecutor(connection).migrate([("migapp", "0001_initial")])
        assert author_model("0001_initial").objects.count() == 0


def test_squashed_migration_is_used_on_a_fresh_database(migration_module, unmigrate):
    with migration_module("migrations_squashed"):
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes("migapp"))
        assert [m.name for m, _ in plan] == ["0001_squashed_0002"]
        executor.migrate(executor.loader.graph.leaf_nodes("migapp"))
        # The squash and every migration it replaces are recorded.
        assert applied() == [("migapp", "0001_initial"), ("migapp", "0001_squashed_0002"),
                             ("migapp", "0002_second")]


def test_partly_applied_squash_applies_the_rest_of_the_originals(migration_module, unmigrate):
    with migration_module("migrations_squashed"):
        # As if 0001 had been applied before the squash existed.
        with override_settings(MIGRATION_MODULES={"migapp": "tests.migrations.migrations_basic"}):
            MigrationExecutor(connection).migrate([("migapp", "0001_initial")])
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes("migapp"))
        assert [m.name for m, _ in plan] == ["0002_second"]
        executor.migrate(executor.loader.graph.leaf_nodes("migapp"))
        assert ("migapp", "0001_squashed_0002") in applied()


def test_fake_records_without_touching_the_schema(migration_module, unmigrate):
    with migration_module("migrations_basic"):
        MigrationExecutor(connection).migrate([("migapp", "0001_initial")], fake=True)
        assert "migapp_author" not in tables()
        assert applied() == [("migapp", "0001_initial")]
        MigrationExecutor(connection).migrate([("migapp", None)], fake=True)


def test_fake_initial_when_tables_exist(migration_module, unmigrate):
    with migration_module("migrations_basic"):
        MigrationExecutor(connection).migrate([("migapp", "0001_initial")])
        MigrationRecorder(connection).record_unapplied("migapp", "0001_initial")
        executor = MigrationExecutor(connection)
        executor.migrate([("migapp", "0001_initial")], fake_initial=True)
        assert applied() == [("migapp", "0001_initial")]


def test_mixed_plans_are_refused(migration_module, unmigrate):
    with migration_module("migrations_basic"):
        executor = MigrationExecutor(connection)
        first, second = executor.migration_plan([("migapp", "0002_second")])
        with pytest.raises(InvalidMigrationPlan):
            executor.migrate(None, plan=[first, (second[0], True)])


def test_failing_migration_is_rolled_back_or_says_what_stayed(migration_module, unmigrate):
    """Transactional DDL (PostgreSQL, SQLite): nothing of the migration stays. Without it
    (MySQL/MariaDB): the error names the operation it stopped at and what stayed."""
    with migration_module("migrations_failing"):
        with pytest.raises(Exception) as info:
            MigrationExecutor(connection).migrate([("migapp", "0001_initial")])
        notes = "\n".join(getattr(info.value, "__notes__", []))
        assert "While applying migration migapp.0001_initial, operation 2 of 2: Raw SQL" in notes
        assert applied() == []
        if connection.features.can_rollback_ddl:
            assert "were rolled back" in notes
            assert "migapp_author" not in tables()
        else:
            assert (
                "The operations of migapp.0001_initial before the failing one were NOT "
                f"rolled back ({connection.vendor} cannot roll back schema changes)"
            ) in notes
            assert "migapp_author" in tables()


def test_failing_non_atomic_migration_says_what_stayed_applied(migration_module, unmigrate):
    with migration_module("migrations_nonatomic"):
        with pytest.raises(Exception) as info:
            MigrationExecutor(connection).migrate([("migapp", "0001_initial")])
        notes = "\n".join(getattr(info.value, "__notes__", []))
        assert "While applying migration migapp.0001_initial, operation 2 of 2: Raw SQL" in notes
        assert "were NOT rolled back (the migration is not atomic (atomic = False))" in notes
        # The first operation stays applied; the migration is not recorded.
        assert "migapp_author" in tables()
        assert applied() == []

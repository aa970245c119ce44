"""MigrationLoader on migration packages written into a temporary folder: which files count,
prefix lookups, __first__/__latest__/run_before links, squashes and history checks."""

import itertools
import sys
import textwrap

import pytest

from reinhardt.orm import connection
from reinhardt.orm.migrations.exceptions import (
    AmbiguityError,
    BadMigrationError,
    InconsistentMigrationHistory,
    NodeNotFoundError,
)
from reinhardt.orm.migrations.loader import MigrationLoader
from reinhardt.orm.migrations.recorder import MigrationRecorder
from reinhardt.test import override_settings

pytestmark = pytest.mark.transactional

_counter = itertools.count()
INSTALLED = ["tests.orm", "tests.migrations.migapp"]


def migration_source(dependencies=(), replaces=(), run_before=()):
    return textwrap.dedent(f"""
        from reinhardt.orm import migrations

        class Migration(migrations.Migration):
            dependencies = {list(dependencies)!r}
            replaces = {list(replaces)!r}
            run_before = {list(run_before)!r}
            operations = []
    """)


@pytest.fixture
def package(tmp_path, monkeypatch):
    """``package({"0001_a": source, ...})``: a fresh migrations package for migapp."""
    monkeypatch.syspath_prepend(str(tmp_path))
    created = []

    def make(files, app="migapp"):
        name = f"loader_migrations_{next(_counter)}"
        folder = tmp_path / name
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        for filename, source in files.items():
            (folder / f"{filename}.py").write_text(source)
        created.append(name)
        return name

    yield make
    for name in created:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def load(module_name, **kwargs):
    with override_settings(INSTALLED_APPS=INSTALLED,
                           MIGRATION_MODULES={"migapp": module_name}):
        return MigrationLoader(None, **kwargs)


def test_private_and_backup_files_are_not_migrations(package):
    name = package({
        "0001_initial": migration_source(),
        "_helpers": "X = 1\n",
        "~0002_backup": "raise RuntimeError('must not be imported')\n",
    })
    assert sorted(load(name).disk_migrations) == [("migapp", "0001_initial")]


def test_a_file_without_migration_class_is_an_error(package):
    name = package({"0001_initial": "VALUE = 1\n"})
    with pytest.raises(BadMigrationError, match="Migration 0001_initial in app migapp has no"):
        load(name)


def test_prefix_lookup(package):
    name = package({
        "0001_initial": migration_source(),
        "0002_one": migration_source([("migapp", "0001_initial")]),
        "0002_two": migration_source([("migapp", "0001_initial")]),
    })
    loader = load(name)
    assert loader.get_migration_by_prefix("migapp", "0001").name == "0001_initial"
    assert loader.get_migration("migapp", "0002_one").name == "0002_one"
    with pytest.raises(AmbiguityError, match="more than one migration for 'migapp'"):
        loader.get_migration_by_prefix("migapp", "0002")
    with pytest.raises(KeyError, match="no migration for 'migapp' with the prefix '9'"):
        loader.get_migration_by_prefix("migapp", "9")
    assert loader.detect_conflicts() == {"migapp": ["0002_one", "0002_two"]}


def test_first_and_latest_dependencies(package):
    name = package({
        "0001_initial": migration_source([("migapp", "__first__"), ("orm", "__first__")]),
        "0002_next": migration_source([("migapp", "0001_initial"), ("orm", "__latest__")]),
    })
    loader = load(name)
    # Own app's __first__ and an unmigrated app's references are ignored.
    assert "orm" in loader.unmigrated_apps
    assert loader.graph.forwards_plan(("migapp", "0002_next")) == [
        ("migapp", "0001_initial"), ("migapp", "0002_next"),
    ]
    assert loader.check_key(("migapp", "__latest__"), "other") == ("migapp", "0002_next")
    assert loader.check_key(("migapp", "__first__"), "other") == ("migapp", "0001_initial")
    with pytest.raises(ValueError, match="Dependency on unknown app: nosuchapp"):
        loader.check_key(("nosuchapp", "__first__"), "migapp")


def test_dependency_on_a_migrated_app_without_migrations(package):
    empty = package({})
    with override_settings(INSTALLED_APPS=INSTALLED, MIGRATION_MODULES={"migapp": empty}):
        loader = MigrationLoader(None)
        with pytest.raises(ValueError, match="Dependency on app with no migrations: migapp"):
            loader.check_key(("migapp", "__first__"), "other")
        loader.ignore_no_migrations = True
        assert loader.check_key(("migapp", "__first__"), "other") is None


def test_run_before_orders_the_other_migration_after_this_one(package):
    name = package({
        "0001_initial": migration_source(),
        "0002_late": migration_source([("migapp", "0001_initial")]),
        "0003_early": migration_source([("migapp", "0001_initial")],
                                       run_before=[("migapp", "0002_late")]),
    })
    plan = load(name).graph.forwards_plan(("migapp", "0002_late"))
    assert plan.index(("migapp", "0003_early")) < plan.index(("migapp", "0002_late"))


def test_missing_dependency_is_named(package):
    name = package({"0001_initial": migration_source([("migapp", "0000_gone")])})
    with pytest.raises(NodeNotFoundError, match=r"nonexistent parent node \('migapp', '0000_gone'\)"):
        load(name)


def _record(*names):
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    for migration_name in names:
        recorder.record_applied("migapp", migration_name)


def _forget():
    MigrationRecorder(connection).migration_qs.filter(app="migapp").delete()


def test_inconsistent_history_is_reported(package):
    name = package({
        "0001_initial": migration_source(),
        "0002_next": migration_source([("migapp", "0001_initial")]),
    })
    loader = load(name)
    _record("0002_next")
    try:
        with pytest.raises(InconsistentMigrationHistory,
                           match="migapp.0002_next is applied before its dependency "
                                 "migapp.0001_initial on database 'default'"):
            loader.check_consistent_history(connection)
    finally:
        _forget()
    _record("0001_initial", "0002_next", "9999_unknown_on_disk")
    try:
        loader.check_consistent_history(connection)
    finally:
        _forget()


def test_squash_of_partly_applied_migrations_and_a_dependency_on_a_replaced_one(package):
    files = {
        "0001_initial": migration_source(),
        "0002_second": migration_source([("migapp", "0001_initial")]),
        "0001_squashed_0002": migration_source(
            replaces=[("migapp", "0001_initial"), ("migapp", "0002_second")]
        ),
        "0003_third": migration_source([("migapp", "0001_squashed_0002")]),
    }
    name = package(files)
    assert load(name).graph.forwards_plan(("migapp", "0003_third")) == [
        ("migapp", "0001_squashed_0002"), ("migapp", "0003_third"),
    ]
    _record("0001_initial")
    try:
        with override_settings(INSTALLED_APPS=INSTALLED, MIGRATION_MODULES={"migapp": name}):
            loader = MigrationLoader(connection)
        # Partly applied: the originals come back, and 0003 follows the last of them.
        assert loader.graph.forwards_plan(("migapp", "0003_third")) == [
            ("migapp", "0001_initial"), ("migapp", "0002_second"), ("migapp", "0003_third"),
        ]
        assert ("migapp", "0001_squashed_0002") not in loader.applied_migrations
    finally:
        _forget()
    # Without the originals on disk, a dependency on one of them cannot be satisfied.
    del files["0001_initial"], files["0002_second"]
    files["0004_needs_original"] = migration_source([("migapp", "0002_second")])
    name = package(files)
    _record("0001_initial")
    try:
        with override_settings(INSTALLED_APPS=INSTALLED, MIGRATION_MODULES={"migapp": name}):
            with pytest.raises(NodeNotFoundError, match="tried to replace migration "
                                                        "migapp.0002_second"):
                MigrationLoader(connection)
    finally:
        _forget()

"""Loading migration files from disk and building the migration graph.

Each installed app's migrations live in its ``migrations`` package, or in the module that
``settings.MIGRATION_MODULES[app_label]`` names (``None`` there means the app has no
migrations). Apps without a migrations package are "unmigrated": ``migrate --run-syncdb``
creates their tables directly.
"""

from __future__ import annotations

import pkgutil
import sys
from importlib import import_module, reload

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.orm.migrations.exceptions import (
    AmbiguityError,
    BadMigrationError,
    InconsistentMigrationHistory,
    NodeNotFoundError,
)
from reinhardt.orm.migrations.graph import MigrationGraph
from reinhardt.orm.migrations.recorder import MigrationRecorder

MIGRATIONS_MODULE_NAME = "migrations"


class MigrationLoader:
    """Reads every app's migrations and the database's applied ones into a graph.

    ``loader.graph`` holds the migrations (squashed ones already swapped in or out),
    ``loader.applied_migrations`` what the connection's database has applied (empty when
    ``connection`` is None, e.g. for makemigrations without a database).
    """

    def __init__(self, connection, load: bool = True, ignore_no_migrations: bool = False,
                 replace_migrations: bool = True):
        self.connection = connection
        self.disk_migrations: dict[tuple[str, str], object] = {}
        self.applied_migrations: dict[tuple[str, str], object] = {}
        self.ignore_no_migrations = ignore_no_migrations
        self.replace_migrations = replace_migrations
        self.unmigrated_apps: set[str] = set()
        self.migrated_apps: set[str] = set()
        if load:
            self.build_graph()

    @classmethod
    def migrations_module(cls, app_label: str) -> tuple[str | None, bool]:
        """``(module path, explicitly set in MIGRATION_MODULES)`` for an app."""
        if app_label in settings.MIGRATION_MODULES:
            return settings.MIGRATION_MODULES[app_label], True
        app_package_name = apps.get_app_config(app_label).name
        return f"{app_package_name}.{MIGRATIONS_MODULE_NAME}", False

    def load_disk(self) -> None:
        """Import every migration module of every installed app."""
        self.disk_migrations = {}
        self.unmigrated_apps = set()
        self.migrated_apps = set()
        for app_config in apps.get_app_configs():
            module_name, explicit = self.migrations_module(app_config.label)
            if module_name is None:
                self.unmigrated_apps.add(app_config.label)
                continue
            was_loaded = module_name in sys.modules
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as e:
                if (explicit and self.ignore_no_migrations) or (
                    not explicit and MIGRATIONS_MODULE_NAME in (e.name or "").split(".")
                ):
                    self.unmigrated_apps.add(app_config.label)
                    continue
                raise
            # A plain module (migrations.py) or an empty namespace package is not a
            # migrations package.
            if not hasattr(module, "__path__") or (
                getattr(module, "__file__", None) is None
                and not isinstance(module.__path__, list)
            ):
                self.unmigrated_apps.add(app_config.label)
                continue
            if was_loaded:
                # Pick up files written since it was first imported (makemigrations, tests).
                reload(module)
            self.migrated_apps.add(app_config.label)
            migration_names = {
                name
                for _, name, is_pkg in pkgutil.iter_modules(module.__path__)
                if not is_pkg and name[0] not in "_~"
            }
            for migration_name in migration_names:
                migration_path = f"{module_name}.{migration_name}"
                try:
                    migration_module = import_module(migration_path)
                except ImportError as e:
                    if "bad magic number" in str(e):
                        raise ImportError(
                            f"Couldn't import {migration_path!r} as it appears to be a stale "
                            ".pyc file."
                        ) from e
                    raise
                if not hasattr(migration_module, "Migration"):
                    raise BadMigrationError(
                        f"Migration {migration_name} in app {app_config.label} has no "
                        "Migration class"
                    )
                self.disk_migrations[app_config.label, migration_name] = (
                    migration_module.Migration(migration_name, app_config.label)
                )

    def get_migration(self, app_label: str, name: str):
        """The migration with exactly this name (from the graph)."""
        return self.graph.nodes[app_label, name]

    def get_migration_by_prefix(self, app_label: str, name_prefix: str):
        """The one migration of ``app_label`` whose name starts with ``name_prefix``."""
        results = [
            migration
            for migration_app_label, migration_name in self.disk_migrations
            if migration_app_label == app_label and migration_name.startswith(name_prefix)
            for migration in [self.disk_migrations[migration_app_label, migration_name]]
        ]
        if len(results) > 1:
            raise AmbiguityError(
                f"There is more than one migration for '{app_label}' with the prefix "
                f"'{name_prefix}'"
            )
        if not results:
            raise KeyError(
                f"There is no migration for '{app_label}' with the prefix '{name_prefix}'"
            )
        return results[0]

    def check_key(self, key: tuple[str, str], current_app: str):
        """Resolve ``__first__``/``__latest__`` in a dependency; None to ignore it."""
        if key[1] not in ("__first__", "__latest__") or key in self.graph:
            return key
        if key[0] == current_app:
            # A __first__ dependency on one's own app orders nothing.
            return None
        if key[0] in self.unmigrated_apps:
            # The app's tables are created by --run-syncdb, before any migration.
            return None
        if key[0] in self.migrated_apps:
            try:
                if key[1] == "__first__":
                    return self.graph.root_nodes(key[0])[0]
                return self.graph.leaf_nodes(key[0])[0]
            except IndexError:
                if self.ignore_no_migrations:
                    return None
                raise ValueError(f"Dependency on app with no migrations: {key[0]}")
        raise ValueError(f"Dependency on unknown app: {key[0]}")

    def add_internal_dependencies(self, key: tuple[str, str], migration) -> None:
        for parent in migration.dependencies:
            if parent[0] == key[0] and parent[1] != "__first__":
                self.graph.add_dependency(migration, key, parent, skip_validation=True)

    def add_external_dependencies(self, key: tuple[str, str], migration) -> None:
        for parent in migration.dependencies:
            if key[0] == parent[0]:
                continue
            parent = self.check_key(parent, key[0])
            if parent is not None:
                self.graph.add_dependency(migration, key, parent, skip_validation=True)
        for child in migration.run_before:
            child = self.check_key(child, key[0])
            if child is not None:
                self.graph.add_dependency(migration, child, key, skip_validation=True)

    def build_graph(self) -> None:
        """Load migrations from disk and the database, and link them into ``self.graph``."""
        self.load_disk()
        if self.connection is None:
            self.applied_migrations = {}
        else:
            recorder = MigrationRecorder(self.connection)
            self.applied_migrations = recorder.applied_migrations()
        self.graph = MigrationGraph()
        self.replacements = {}
        for key, migration in self.disk_migrations.items():
            self.graph.add_node(key, migration)
            if migration.replaces:
                self.replacements[key] = migration
        # Internal dependencies first: __first__/__latest__ resolution needs them.
        for key, migration in self.disk_migrations.items():
            self.add_internal_dependencies(key, migration)
        for key, migration in self.disk_migrations.items():
            self.add_external_dependencies(key, migration)
        if self.replace_migrations:
            for key, migration in self.replacements.items():
                applied_statuses = [
                    (target in self.applied_migrations) for target in migration.replaces
                ]
                # A squashed migration counts as applied once everything it replaces is.
                if all(applied_statuses):
                    self.applied_migrations[key] = migration
                else:
                    self.applied_migrations.pop(key, None)
                if all(applied_statuses) or not any(applied_statuses):
                    self.graph.remove_replaced_nodes(key, migration.replaces)
                else:
                    # Partly applied: keep the originals so the rest can be applied.
                    self.graph.remove_replacement_node(key, migration.replaces)
        try:
            self.graph.validate_consistency()
        except NodeNotFoundError as exc:
            reverse_replacements: dict = {}
            for key, migration in self.replacements.items():
                for replaced in migration.replaces:
                    reverse_replacements.setdefault(replaced, set()).add(key)
            if exc.node in reverse_replacements:
                candidates = reverse_replacements.get(exc.node, set())
                is_replaced = any(candidate in self.graph.nodes for candidate in candidates)
                if not is_replaced:
                    tries = ", ".join(f"{a}.{n}" for a, n in candidates)
                    raise NodeNotFoundError(
                        f"Migration {exc.origin} depends on nonexistent node "
                        f"('{exc.node[0]}', '{exc.node[1]}'). reinhardt tried to replace "
                        f"migration {exc.node[0]}.{exc.node[1]} with any of [{tries}] but "
                        "wasn't able to because some of the replaced migrations are already "
                        "applied.",
                        exc.node,
                    ) from exc
            raise
        self.graph.ensure_not_cyclic()

    def check_consistent_history(self, connection) -> None:
        """Raise InconsistentMigrationHistory if an applied migration has an unapplied
        dependency in ``connection``'s database."""
        recorder = MigrationRecorder(connection)
        applied = recorder.applied_migrations()
        for migration in applied:
            if migration not in self.graph.nodes:
                continue
            for parent in self.graph.node_map[migration].parents:
                if parent in applied:
                    continue
                if parent in self.replacements and all(
                    m in applied for m in self.replacements[parent].replaces
                ):
                    continue
                raise InconsistentMigrationHistory(
                    f"Migration {migration[0]}.{migration[1]} is applied before its dependency "
                    f"{parent[0]}.{parent[1]} on database '{connection.alias}'."
                )

    def detect_conflicts(self) -> dict[str, list[str]]:
        """Apps with more than one leaf migration: ``{app_label: [names]}``."""
        seen_apps: dict[str, set[str]] = {}
        conflicting_apps = set()
        for app_label, migration_name in self.graph.leaf_nodes():
            if app_label in seen_apps:
                conflicting_apps.add(app_label)
            seen_apps.setdefault(app_label, set()).add(migration_name)
        return {app_label: sorted(seen_apps[app_label]) for app_label in conflicting_apps}

    def project_state(self, nodes=None, at_end: bool = True):
        """The ProjectState at ``nodes`` (all leaves by default), unmigrated apps included."""
        return self.graph.make_state(nodes=nodes, at_end=at_end, real_apps=self.unmigrated_apps)

    def collect_sql(self, plan) -> list[str]:
        """The SQL that running ``plan`` (``[(migration, backwards), ...]``) would execute."""
        statements: list[str] = []
        state = None
        for migration, backwards in plan:
            with self.connection.schema_editor(
                collect_sql=True, atomic=migration.atomic
            ) as schema_editor:
                if state is None:
                    state = self.project_state(
                        (migration.app_label, migration.name), at_end=False
                    )
                if not backwards:
                    state = migration.apply(state, schema_editor, collect_sql=True)
                else:
                    state = migration.unapply(state, schema_editor, collect_sql=True)
            statements.extend(schema_editor.collected_sql)
        return statements

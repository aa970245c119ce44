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

Key = tuple[str, str]


def _is_migrations_package(module) -> bool:
    """A real package: not a plain module (migrations.py), nor an empty namespace folder."""
    path = getattr(module, "__path__", None)
    if path is None:
        return False
    return getattr(module, "__file__", None) is not None or isinstance(path, list)


def _migration_names(package) -> list[str]:
    # Files starting with _ or ~ (__init__, editor backups) are not migrations.
    return sorted(
        info.name for info in pkgutil.iter_modules(package.__path__)
        if not info.ispkg and info.name[:1] not in ("_", "~")
    )


def _import_migration_module(dotted: str):
    try:
        return import_module(dotted)
    except ImportError as problem:
        if "bad magic number" not in str(problem):
            raise
        raise ImportError(
            f"Couldn't import {dotted!r} as it appears to be a stale .pyc file."
        ) from problem


class MigrationLoader:
    """Reads every app's migrations and the database's applied ones into a graph.

    ``loader.graph`` holds the migrations (squashed ones already swapped in or out),
    ``loader.applied_migrations`` what the connection's database has applied (empty when
    ``connection`` is None, e.g. for makemigrations without a database).
    """

    def __init__(self, connection, load: bool = True, ignore_no_migrations: bool = False,
                 replace_migrations: bool = True):
        self.connection = connection
        # Whether an explicitly configured but missing migrations module is tolerated.
        self.ignore_no_migrations = ignore_no_migrations
        # Whether squashed migrations take the place of the ones they replace.
        self.replace_migrations = replace_migrations
        self.disk_migrations: dict[Key, object] = {}
        self.applied_migrations: dict[Key, object] = {}
        self.migrated_apps: set[str] = set()
        self.unmigrated_apps: set[str] = set()
        if load:
            self.build_graph()

    @classmethod
    def migrations_module(cls, app_label: str) -> tuple[str | None, bool]:
        """``(module path, explicitly set in MIGRATION_MODULES)`` for an app."""
        configured = settings.MIGRATION_MODULES
        if app_label in configured:
            return configured[app_label], True
        package = apps.get_app_config(app_label).name
        return f"{package}.{MIGRATIONS_MODULE_NAME}", False

    # -- reading from disk --------------------------------------------------------------------

    def _migrations_package(self, app_label: str):
        """``(dotted name, package)`` of the app's migrations, or None if it has none."""
        dotted, explicit = self.migrations_module(app_label)
        if dotted is None:
            return None
        already_imported = dotted in sys.modules
        try:
            package = import_module(dotted)
        except ModuleNotFoundError as missing:
            tolerated = (
                self.ignore_no_migrations if explicit
                # The app exists but has no migrations folder (not some other import).
                else MIGRATIONS_MODULE_NAME in (missing.name or "").split(".")
            )
            if tolerated:
                return None
            raise
        if not _is_migrations_package(package):
            return None
        if already_imported:
            # Pick up files written since it was first imported (makemigrations, tests).
            reload(package)
        return dotted, package

    def load_disk(self) -> None:
        """Import every migration module of every installed app."""
        self.disk_migrations, self.migrated_apps, self.unmigrated_apps = {}, set(), set()
        for app_config in apps.get_app_configs():
            label = app_config.label
            found = self._migrations_package(label)
            if found is None:
                self.unmigrated_apps.add(label)
                continue
            self.migrated_apps.add(label)
            dotted, package = found
            for name in _migration_names(package):
                module = _import_migration_module(f"{dotted}.{name}")
                migration_class = getattr(module, "Migration", None)
                if migration_class is None:
                    raise BadMigrationError(
                        f"Migration {name} in app {label} has no Migration class"
                    )
                self.disk_migrations[label, name] = migration_class(name, label)

    # -- finding migrations -----------------------------------------------------------------

    def get_migration(self, app_label: str, name: str):
        """The migration with exactly this name (from the graph)."""
        return self.graph.nodes[app_label, name]

    def get_migration_by_prefix(self, app_label: str, name_prefix: str):
        """The one migration of ``app_label`` whose name starts with ``name_prefix``."""
        matches = [
            key for key in self.disk_migrations
            if key[0] == app_label and key[1].startswith(name_prefix)
        ]
        if len(matches) == 1:
            return self.disk_migrations[matches[0]]
        if matches:
            raise AmbiguityError(
                f"There is more than one migration for '{app_label}' with the prefix "
                f"'{name_prefix}'"
            )
        raise KeyError(f"There is no migration for '{app_label}' with the prefix '{name_prefix}'")

    # -- building the graph -----------------------------------------------------------------

    def check_key(self, key: Key, current_app: str):
        """Resolve ``__first__``/``__latest__`` in a dependency; None to ignore it."""
        app_label, name = key
        if name not in ("__first__", "__latest__") or key in self.graph:
            return key
        # A __first__ on one's own app orders nothing; an unmigrated app's tables are
        # created by --run-syncdb before any migration runs.
        if app_label == current_app or app_label in self.unmigrated_apps:
            return None
        if app_label not in self.migrated_apps:
            raise ValueError(f"Dependency on unknown app: {app_label}")
        ends = (self.graph.root_nodes if name == "__first__" else self.graph.leaf_nodes)(
            app_label
        )
        if ends:
            return ends[0]
        if self.ignore_no_migrations:
            return None
        raise ValueError(f"Dependency on app with no migrations: {app_label}")

    def add_internal_dependencies(self, key: Key, migration) -> None:
        """Link ``migration`` to the migrations of its own app it depends on."""
        own_app = key[0]
        for dependency in migration.dependencies:
            if dependency[0] == own_app and dependency[1] != "__first__":
                self.graph.add_dependency(migration, key, dependency, skip_validation=True)

    def add_external_dependencies(self, key: Key, migration) -> None:
        """Link ``migration`` to other apps: its dependencies and its ``run_before``."""
        links = [(key, dependency) for dependency in migration.dependencies
                 if dependency[0] != key[0]]
        links += [(later, key) for later in migration.run_before]
        for child, parent in links:
            # The side that is not this migration may be __first__/__latest__.
            if child == key:
                parent = self.check_key(parent, key[0])
            else:
                child = self.check_key(child, key[0])
            if parent is not None and child is not None:
                self.graph.add_dependency(migration, child, parent, skip_validation=True)

    def _swap_squashed(self) -> None:
        """Put each squashed migration in or out of the graph, by what is applied.

        It stands in for the migrations it replaces when all or none of them are applied
        (and counts as applied in the first case); when only some are, it is dropped so
        the rest of the originals can be applied one by one.
        """
        for key, squashed in self.replacements.items():
            applied = [replaced in self.applied_migrations for replaced in squashed.replaces]
            if all(applied):
                self.applied_migrations[key] = squashed
            else:
                self.applied_migrations.pop(key, None)
            if any(applied) and not all(applied):
                self.graph.remove_replacement_node(key, squashed.replaces)
            else:
                self.graph.remove_replaced_nodes(key, squashed.replaces)

    def _explain_missing(self, error: NodeNotFoundError) -> NodeNotFoundError | None:
        """A clearer error when the missing node was squashed but the squash is unused."""
        squashes = {key for key, squashed in self.replacements.items()
                    if error.node in squashed.replaces}
        if not squashes or any(key in self.graph.nodes for key in squashes):
            return None
        app_label, name = error.node
        tried = ", ".join(f"{a}.{n}" for a, n in squashes)
        return NodeNotFoundError(
            f"Migration {error.origin} depends on nonexistent node "
            f"('{app_label}', '{name}'). reinhardt tried to replace "
            f"migration {app_label}.{name} with any of [{tried}] but "
            "wasn't able to because some of the replaced migrations are already "
            "applied.",
            error.node,
        )

    def build_graph(self) -> None:
        """Load migrations from disk and the database, and link them into ``self.graph``."""
        self.load_disk()
        self.applied_migrations = (
            {} if self.connection is None
            else MigrationRecorder(self.connection).applied_migrations()
        )
        self.graph = MigrationGraph()
        self.replacements = {}
        for key, migration in self.disk_migrations.items():
            self.graph.add_node(key, migration)
            if migration.replaces:
                self.replacements[key] = migration
        # Links within apps first: resolving __first__/__latest__ needs them.
        for linker in (self.add_internal_dependencies, self.add_external_dependencies):
            for key, migration in self.disk_migrations.items():
                linker(key, migration)
        if self.replace_migrations:
            self._swap_squashed()
        try:
            self.graph.validate_consistency()
        except NodeNotFoundError as missing:
            clearer = self._explain_missing(missing)
            if clearer is None:
                raise
            raise clearer from missing
        self.graph.ensure_not_cyclic()

    # -- questions about the database -------------------------------------------------------

    def _counts_as_applied(self, key: Key, applied) -> bool:
        if key in applied:
            return True
        # An unrecorded squashed migration is as good as all of its originals.
        squashed = self.replacements.get(key)
        return squashed is not None and all(original in applied for original in squashed.replaces)

    def check_consistent_history(self, connection) -> None:
        """Raise InconsistentMigrationHistory if an applied migration has an unapplied
        dependency in ``connection``'s database."""
        applied = MigrationRecorder(connection).applied_migrations()
        for key in applied:
            if key not in self.graph.nodes:
                continue  # not on disk (any more)
            for dependency in self.graph.node_map[key].parents:
                if not self._counts_as_applied(dependency.key, applied):
                    raise InconsistentMigrationHistory(
                        f"Migration {key[0]}.{key[1]} is applied before its dependency "
                        f"{dependency[0]}.{dependency[1]} on database '{connection.alias}'."
                    )

    def detect_conflicts(self) -> dict[str, list[str]]:
        """Apps with more than one leaf migration: ``{app_label: [names]}``."""
        leaves_by_app: dict[str, list[str]] = {}
        for app_label, name in self.graph.leaf_nodes():
            leaves_by_app.setdefault(app_label, []).append(name)
        return {
            app_label: sorted(set(names))
            for app_label, names in leaves_by_app.items() if len(names) > 1
        }

    def project_state(self, nodes=None, at_end: bool = True):
        """The ProjectState at ``nodes`` (all leaves by default), unmigrated apps included."""
        return self.graph.make_state(nodes=nodes, at_end=at_end, real_apps=self.unmigrated_apps)

    def collect_sql(self, plan) -> list[str]:
        """The SQL that running ``plan`` (``[(migration, backwards), ...]``) would execute."""
        collected: list[str] = []
        state = None
        for migration, backwards in plan:
            if state is None:
                state = self.project_state((migration.app_label, migration.name), at_end=False)
            run = migration.unapply if backwards else migration.apply
            with self.connection.schema_editor(collect_sql=True,
                                               atomic=migration.atomic) as editor:
                state = run(state, editor, collect_sql=True)
            collected += editor.collected_sql
        return collected

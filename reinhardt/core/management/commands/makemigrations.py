"""``makemigrations``: write migration files for the changes made to models.py."""

from __future__ import annotations

import os
import sys
import warnings
from itertools import takewhile
from typing import Any

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from reinhardt.core.management.utils import run_formatters


class Command(BaseCommand):
    help = "Creates new migration(s) for apps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "args", metavar="app_label", nargs="*",
            help="Only look at these apps.",
        )
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Print the migrations that would be written, write nothing.",
        )
        parser.add_argument(
            "--merge", action="store_true", help="Enable fixing of migration conflicts.",
        )
        parser.add_argument(
            "--empty", action="store_true", help="Create an empty migration.",
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Never ask questions; take the default answer (or fail when there is none).",
        )
        parser.add_argument("-n", "--name", help="Use this name for migration file(s).")
        parser.add_argument(
            "--no-header", action="store_false", dest="include_header",
            help="Leave out the version/date comment at the top of new files.",
        )
        parser.add_argument(
            "--check", action="store_true", dest="check_changes",
            help="Fail (exit status 1) when models have changes without a migration; writes "
                 "nothing (implies --dry-run).",
        )
        parser.add_argument(
            "--scriptable", action="store_true", dest="scriptable",
            help="Print only the paths of written files on stdout; messages and questions go "
                 "to stderr.",
        )
        parser.add_argument(
            "--update", action="store_true", dest="update",
            help="Fold the changes into the app's latest migration instead of adding a new "
                 "one (the operations are optimized).",
        )

    @property
    def log_output(self):
        return self.stderr if self.scriptable else self.stdout

    def log(self, msg: str) -> None:
        self.log_output.write(msg)

    @no_translations
    def handle(self, *app_labels: str, **options: Any) -> None:
        from reinhardt.orm.migrations import Migration
        from reinhardt.orm.migrations.autodetector import MigrationAutodetector
        from reinhardt.orm.migrations.loader import MigrationLoader
        from reinhardt.orm.migrations.questioner import (
            InteractiveMigrationQuestioner,
            NonInteractiveMigrationQuestioner,
        )
        from reinhardt.orm.migrations.state import ProjectState

        self.written_files: list[str] = []
        self.verbosity = options["verbosity"]
        self.interactive = options["interactive"]
        self.dry_run = options["dry_run"]
        self.merge = options["merge"]
        self.empty = options["empty"]
        self.migration_name = options["name"]
        if self.migration_name and not self.migration_name.isidentifier():
            raise CommandError("The migration name must be a valid Python identifier.")
        self.include_header = options["include_header"]
        check_changes = options["check_changes"]
        if check_changes:
            self.dry_run = True
        self.scriptable = options["scriptable"]
        self.update = options["update"]
        if self.scriptable:
            # Logs and prompts go to stderr: don't colour them as errors.
            self.stderr.style_func = None

        app_labels = set(app_labels)
        has_bad_labels = False
        for app_label in sorted(app_labels):
            try:
                apps.get_app_config(app_label)
            except LookupError as err:
                self.stderr.write(str(err))
                has_bad_labels = True
        if has_bad_labels:
            sys.exit(2)

        # No connection: the squashed-or-not choice must not depend on a database.
        loader = MigrationLoader(None, ignore_no_migrations=True)
        self._check_consistent_history(loader)

        conflicts = loader.detect_conflicts()
        if app_labels:
            conflicts = {label: names for label, names in conflicts.items() if label in app_labels}
        if conflicts and not self.merge:
            name_str = "; ".join(
                f"{', '.join(names)} in {app}" for app, names in conflicts.items()
            )
            raise CommandError(
                "Conflicting migrations detected; multiple leaf nodes in the migration graph: "
                f"({name_str}).\nTo fix them run 'python manage.py makemigrations --merge'"
            )
        if self.merge and not conflicts:
            self.log("No conflicts detected to merge.")
            return
        if self.merge and conflicts:
            return self.handle_merge(loader, conflicts)

        if self.interactive:
            questioner = InteractiveMigrationQuestioner(
                specified_apps=app_labels, dry_run=self.dry_run, prompt_output=self.log_output,
            )
        else:
            questioner = NonInteractiveMigrationQuestioner(
                specified_apps=app_labels, dry_run=self.dry_run, verbosity=self.verbosity,
                log=self.log,
            )
        autodetector = MigrationAutodetector(
            loader.project_state(), ProjectState.from_apps(apps), questioner,
        )

        if self.empty:
            if not app_labels:
                raise CommandError("You must supply at least one app label when using --empty.")
            changes = {app: [Migration("custom", app)] for app in sorted(app_labels)}
            changes = autodetector.arrange_for_graph(
                changes=changes, graph=loader.graph, migration_name=self.migration_name,
            )
            self.write_migration_files(changes)
            return

        changes = autodetector.changes(
            graph=loader.graph,
            trim_to_apps=app_labels or None,
            convert_apps=app_labels or None,
            migration_name=self.migration_name,
        )
        if not changes:
            if self.verbosity >= 1:
                if len(app_labels) == 1:
                    self.log(f"No changes detected in app '{app_labels.pop()}'")
                elif app_labels:
                    joined = "', '".join(sorted(app_labels))
                    self.log(f"No changes detected in apps '{joined}'")
                else:
                    self.log("No changes detected")
            return
        if self.update:
            self.write_to_last_migration_files(changes)
        else:
            self.write_migration_files(changes)
        if check_changes:
            sys.exit(1)

    def _check_consistent_history(self, loader) -> None:
        """Warn (don't fail) if a database has migrations applied out of order."""
        from reinhardt.orm import DEFAULT_DB_ALIAS, OperationalError, connections, router

        labels = {config.label for config in apps.get_app_configs()}
        aliases = sorted(connections) if settings.DATABASE_ROUTERS else [DEFAULT_DB_ALIAS]
        for alias in aliases:
            if alias not in settings.DATABASES:
                continue
            connection = connections[alias]
            if not any(
                router.allow_migrate(connection.alias, app_label,
                                     model_name=model._meta.object_name)
                for app_label in labels
                for model in apps.get_app_config(app_label).get_models()
            ):
                continue
            try:
                loader.check_consistent_history(connection)
            except OperationalError as error:
                warnings.warn(
                    "Got an error checking a consistent migration history performed for "
                    f"database connection '{alias}': {error}",
                    RuntimeWarning,
                    stacklevel=2,
                )

    def write_migration_files(self, changes: dict, update_previous_migration_paths=None) -> None:
        """Write (or with --dry-run, only describe) each new migration."""
        from reinhardt.orm.migrations.writer import MigrationWriter

        directory_created = {}
        for app_label, app_migrations in changes.items():
            if self.verbosity >= 1:
                self.log(self.style.MIGRATE_HEADING(f"Migrations for '{app_label}':"))
            for migration in app_migrations:
                writer = MigrationWriter(migration, self.include_header)
                if self.verbosity >= 1:
                    migration_string = self.get_relative_path(writer.path)
                    self.log(f"  {self.style.MIGRATE_LABEL(migration_string)}\n")
                    for operation in migration.operations:
                        self.log(f"    {operation.formatted_description()}")
                    if self.scriptable:
                        self.stdout.write(migration_string)
                if not self.dry_run:
                    if not directory_created.get(app_label):
                        writer.create_directory()
                        directory_created[app_label] = True
                    source = writer.as_string()
                    with open(writer.path, "w", encoding="utf-8") as handle:
                        handle.write(source)
                    self.written_files.append(writer.path)
                    if update_previous_migration_paths:
                        self._replace_previous(writer, update_previous_migration_paths[app_label])
                elif self.verbosity == 3:
                    self.log(self.style.MIGRATE_HEADING(
                        f"Full migrations file '{writer.filename}':"
                    ))
                    self.log(writer.as_string())
        run_formatters(self.written_files, stderr=self.stderr)

    def _replace_previous(self, writer, previous_path: str) -> None:
        relative_previous = self.get_relative_path(previous_path)
        if writer.needs_manual_porting:
            self.log(self.style.WARNING(
                f"Updated migration {self.get_relative_path(writer.path)} requires manual "
                f"porting.\nPrevious migration {relative_previous} was kept and must be "
                "deleted after porting functions manually."
            ))
        elif os.path.abspath(previous_path) != os.path.abspath(writer.path):
            os.remove(previous_path)
            self.log(f"Deleted {relative_previous}")

    def write_to_last_migration_files(self, changes: dict) -> None:
        """``--update``: fold the changes into each app's latest (unapplied) migration."""
        from reinhardt.orm import DEFAULT_DB_ALIAS, connections
        from reinhardt.orm.migrations.loader import MigrationLoader
        from reinhardt.orm.migrations.migration import SwappableTuple
        from reinhardt.orm.migrations.optimizer import MigrationOptimizer
        from reinhardt.orm.migrations.writer import MigrationWriter

        loader = MigrationLoader(connections[DEFAULT_DB_ALIAS])
        new_changes = {}
        previous_paths = {}
        for app_label, app_migrations in changes.items():
            leaves = loader.graph.leaf_nodes(app=app_label)
            if not leaves:
                raise CommandError(
                    f"App {app_label} has no migration, cannot update last migration."
                )
            leaf_key = leaves[0]
            leaf = loader.graph.nodes[leaf_key]
            if leaf.replaces:
                raise CommandError(f"Cannot update squash migration '{leaf}'.")
            if leaf_key in loader.applied_migrations:
                raise CommandError(f"Cannot update applied migration '{leaf}'.")
            dependents = [
                migration for migration in loader.disk_migrations.values()
                if leaf_key in migration.dependencies
            ]
            if dependents:
                names = ", ".join(f"'{migration}'" for migration in dependents)
                raise CommandError(
                    f"Cannot update migration '{leaf}' that migrations {names} depend on."
                )
            for migration in app_migrations:
                leaf.operations.extend(migration.operations)
                for dependency in migration.dependencies:
                    if isinstance(dependency, SwappableTuple):
                        leaf.dependencies.append(dependency)
                    elif dependency[0] != migration.app_label:
                        leaf.dependencies.append(dependency)
            leaf.operations = MigrationOptimizer().optimize(leaf.operations, app_label)
            previous_path = MigrationWriter(leaf).path
            fragment = self.migration_name or leaf.suggest_name()
            suggested = leaf.name[:4] + f"_{fragment}"
            leaf.name = leaf.name + "_updated" if leaf.name == suggested else suggested
            new_changes[app_label] = [leaf]
            previous_paths[app_label] = previous_path
        self.write_migration_files(new_changes, previous_paths)

    @staticmethod
    def get_relative_path(path: str) -> str:
        """The path relative to the working directory if it is below it, else absolute."""
        try:
            relative = os.path.relpath(path)
        except ValueError:
            return path
        return path if relative.startswith("..") else relative

    def handle_merge(self, loader, conflicts: dict) -> None:
        """``--merge``: write a migration depending on both branches, if the user agrees."""
        from reinhardt.orm.migrations import Migration
        from reinhardt.orm.migrations.autodetector import MigrationAutodetector
        from reinhardt.orm.migrations.questioner import (
            InteractiveMigrationQuestioner,
            MigrationQuestioner,
        )
        from reinhardt.orm.migrations.utils import get_migration_name_timestamp
        from reinhardt.orm.migrations.writer import MigrationWriter

        if self.interactive:
            questioner = InteractiveMigrationQuestioner(prompt_output=self.log_output)
        else:
            questioner = MigrationQuestioner(defaults={"ask_merge": True})
        for app_label, migration_names in conflicts.items():
            merge_migrations = []
            for migration_name in migration_names:
                migration = loader.get_migration(app_label, migration_name)
                migration.ancestry = [
                    key for key in loader.graph.forwards_plan((app_label, migration_name))
                    if key[0] == migration.app_label
                ]
                merge_migrations.append(migration)
            generations = zip(*(m.ancestry for m in merge_migrations), strict=False)
            common_ancestor_count = sum(
                1 for _ in takewhile(lambda gen: all(item == gen[0] for item in gen[1:]),
                                     generations)
            )
            if not common_ancestor_count:
                raise ValueError(f"Could not find common ancestor of {migration_names}")
            for migration in merge_migrations:
                migration.branch = migration.ancestry[common_ancestor_count:]
                migration.merged_operations = [
                    operation
                    for node_app, node_name in migration.branch
                    for operation in loader.get_migration(node_app, node_name).operations
                ]
            if self.verbosity > 0:
                self.log(self.style.MIGRATE_HEADING(f"Merging {app_label}"))
                for migration in merge_migrations:
                    self.log(self.style.MIGRATE_LABEL(f"  Branch {migration.name}"))
                    for operation in migration.merged_operations:
                        self.log(f"    {operation.formatted_description()}")
            if not questioner.ask_merge(app_label):
                continue
            numbers = [MigrationAutodetector.parse_number(m.name) for m in merge_migrations]
            biggest_number = max((n for n in numbers if n is not None), default=1)
            subclass = type("Migration", (Migration,), {
                "dependencies": [(app_label, m.name) for m in merge_migrations],
            })
            parts = [f"{biggest_number + 1:04d}"]
            if self.migration_name:
                parts.append(self.migration_name)
            else:
                parts.append("merge")
                leaf_names = "_".join(sorted(m.name for m in merge_migrations))
                parts.append(get_migration_name_timestamp() if len(leaf_names) > 47
                             else leaf_names)
            new_migration = subclass("_".join(parts), app_label)
            writer = MigrationWriter(new_migration, self.include_header)
            if not self.dry_run:
                writer.create_directory()
                with open(writer.path, "w", encoding="utf-8") as handle:
                    handle.write(writer.as_string())
                run_formatters([writer.path], stderr=self.stderr)
                if self.verbosity > 0:
                    self.log(f"\nCreated new merge migration {writer.path}")
                    if self.scriptable:
                        self.stdout.write(writer.path)
            elif self.verbosity == 3:
                self.log(self.style.MIGRATE_HEADING(
                    f"Full merge migrations file '{writer.filename}':"
                ))
                self.log(writer.as_string())

"""``makemigrations``: write migration files for the changes made to models.py.

The autodetector compares the state the migrations build with the models as they are now;
this command picks the apps, asks questions through a questioner, and writes the files.
Its messages are Django's, word for word, since people and scripts read them.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from reinhardt.core.management.utils import run_formatters

# Option -> attribute on the command, for the options the other methods read.
_KEPT_OPTIONS = {
    "verbosity": "verbosity", "interactive": "interactive", "dry_run": "dry_run",
    "merge": "merge", "empty": "empty", "name": "migration_name",
    "include_header": "include_header", "scriptable": "scriptable", "update": "update",
}


def _conflict_message(conflicts: dict[str, list[str]]) -> str:
    listing = "; ".join(f"{', '.join(names)} in {app}" for app, names in conflicts.items())
    return (
        "Conflicting migrations detected; multiple leaf nodes in the migration graph: "
        f"({listing}).\nTo fix them run 'python manage.py makemigrations --merge'"
    )


def _shared_prefix_length(sequences: list[list]) -> int:
    """How many leading items all the sequences have in common."""
    length = 0
    for items in zip(*sequences, strict=False):
        if any(item != items[0] for item in items):
            break
        length += 1
    return length


def _write_file(path: str, source: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(source)


class Command(BaseCommand):
    help = "Creates new migration(s) for apps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", metavar="app_label", nargs="*",
                            help="Only look at these apps.")
        switches = [
            ("--dry-run", "dry_run", "Print the migrations that would be written, write "
                                     "nothing."),
            ("--merge", "merge", "Write a merge migration for apps with conflicting "
                                 "migrations."),
            ("--empty", "empty", "Write an empty migration (for RunPython/RunSQL) in each "
                                 "named app."),
            ("--check", "check_changes", "Exit with status 1 when models have changes "
                                         "without a migration; write nothing (implies "
                                         "--dry-run)."),
            ("--scriptable", "scriptable", "Print only the paths of written files on "
                                           "stdout; messages and questions go to stderr."),
            ("--update", "update", "Fold the changes into the app's latest migration "
                                   "instead of adding a new one (the operations are "
                                   "optimized)."),
        ]
        for flag, dest, text in switches:
            parser.add_argument(flag, action="store_true", dest=dest, help=text)
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Never ask questions; take the default answer (or fail when there is none).",
        )
        parser.add_argument("-n", "--name", help="Use this name for migration file(s).")
        parser.add_argument(
            "--no-header", action="store_false", dest="include_header",
            help="Leave out the version/date comment at the top of new files.",
        )

    # -- where messages go ------------------------------------------------------------------

    @property
    def log_output(self):
        """stderr under --scriptable (stdout then carries only file paths), else stdout."""
        return self.stderr if self.scriptable else self.stdout

    def log(self, msg: str) -> None:
        self.log_output.write(msg)

    # -- the command --------------------------------------------------------------------------

    @no_translations
    def handle(self, *app_labels: str, **options: Any) -> None:
        from reinhardt.orm.migrations.autodetector import MigrationAutodetector
        from reinhardt.orm.migrations.loader import MigrationLoader
        from reinhardt.orm.migrations.state import ProjectState

        for option, attribute in _KEPT_OPTIONS.items():
            setattr(self, attribute, options[option])
        self.written_files: list[str] = []
        name = self.migration_name
        if name and not name.isidentifier():
            raise CommandError("The migration name must be a valid Python identifier.")
        checking = options["check_changes"]
        self.dry_run = self.dry_run or checking
        if self.scriptable:
            # Messages and prompts go to stderr: they are not errors, so no error colour.
            self.stderr.style_func = None

        labels = set(app_labels)
        self._require_installed(labels)
        # No connection: whether a squash replaces its originals must not depend on what
        # some database has applied.
        loader = MigrationLoader(None, ignore_no_migrations=True)
        self._warn_about_inconsistent_history(loader)

        conflicts = {
            app: names for app, names in loader.detect_conflicts().items()
            if not labels or app in labels
        }
        if self.merge:
            if conflicts:
                return self.handle_merge(loader, conflicts)
            self.log("No conflicts detected to merge.")
            return None
        if conflicts:
            raise CommandError(_conflict_message(conflicts))

        detector = MigrationAutodetector(
            loader.project_state(), ProjectState.from_apps(apps), self._questioner(labels)
        )
        if self.empty:
            self._write_empty(detector, loader, labels)
            return None
        changes = detector.changes(
            graph=loader.graph,
            trim_to_apps=labels or None,
            convert_apps=labels or None,
            migration_name=self.migration_name,
        )
        if not changes:
            self._say_no_changes(labels)
            return None
        (self.write_to_last_migration_files if self.update else self.write_migration_files)(
            changes
        )
        if checking:
            sys.exit(1)
        return None

    def _require_installed(self, labels: set[str]) -> None:
        """Name every unknown app label on stderr, then exit with status 2."""
        unknown = []
        for label in sorted(labels):
            try:
                apps.get_app_config(label)
            except LookupError as problem:
                unknown.append(str(problem))
        if unknown:
            for text in unknown:
                self.stderr.write(text)
            sys.exit(2)

    def _questioner(self, labels: set[str]):
        from reinhardt.orm.migrations import questioner

        if not self.interactive:
            return questioner.NonInteractiveMigrationQuestioner(
                specified_apps=labels, dry_run=self.dry_run, verbosity=self.verbosity,
                log=self.log,
            )
        return questioner.InteractiveMigrationQuestioner(
            specified_apps=labels, dry_run=self.dry_run, prompt_output=self.log_output,
        )

    def _write_empty(self, detector, loader, labels: set[str]) -> None:
        from reinhardt.orm.migrations import Migration

        if not labels:
            raise CommandError("You must supply at least one app label when using --empty.")
        blank = {label: [Migration("custom", label)] for label in sorted(labels)}
        self.write_migration_files(detector.arrange_for_graph(
            changes=blank, graph=loader.graph, migration_name=self.migration_name,
        ))

    def _say_no_changes(self, labels: set[str]) -> None:
        if self.verbosity < 1:
            return
        if not labels:
            self.log("No changes detected")
        elif len(labels) == 1:
            (only,) = labels
            self.log(f"No changes detected in app '{only}'")
        else:
            quoted = "', '".join(sorted(labels))
            self.log(f"No changes detected in apps '{quoted}'")

    def _warn_about_inconsistent_history(self, loader) -> None:
        """Warn (don't fail) if a database has migrations applied out of order.

        Only databases that at least one model migrates to are checked, and only the
        default one unless DATABASE_ROUTERS spread models over several.
        """
        from reinhardt.orm import DEFAULT_DB_ALIAS, OperationalError, connections, router

        models = [
            (config.label, model)
            for config in apps.get_app_configs() for model in config.get_models()
        ]
        aliases = sorted(connections) if settings.DATABASE_ROUTERS else [DEFAULT_DB_ALIAS]
        for alias in (a for a in aliases if a in settings.DATABASES):
            connection = connections[alias]
            migrates_here = any(
                router.allow_migrate(connection.alias, label, model_name=model._meta.object_name)
                for label, model in models
            )
            if not migrates_here:
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

    # -- writing ------------------------------------------------------------------------------

    @staticmethod
    def get_relative_path(path: str) -> str:
        """The path relative to the working directory if it is below it, else absolute."""
        try:
            shorter = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            return path
        return path if shorter.startswith("..") else shorter

    def _describe(self, migration, writer) -> None:
        shown_path = self.get_relative_path(writer.path)
        self.log(f"  {self.style.MIGRATE_LABEL(shown_path)}\n")
        for operation in migration.operations:
            self.log(f"    {operation.formatted_description()}")
        if self.scriptable:
            self.stdout.write(shown_path)

    def write_migration_files(self, changes: dict, update_previous_migration_paths=None) -> None:
        """Write (or with --dry-run, only describe) each new migration."""
        from reinhardt.orm.migrations.writer import MigrationWriter

        talk = self.verbosity >= 1
        for app_label, new_migrations in changes.items():
            if talk:
                self.log(self.style.MIGRATE_HEADING(f"Migrations for '{app_label}':"))
            folder_ready = False
            for migration in new_migrations:
                writer = MigrationWriter(migration, self.include_header)
                if talk:
                    self._describe(migration, writer)
                if self.dry_run:
                    if self.verbosity == 3:
                        self.log(self.style.MIGRATE_HEADING(
                            f"Full migrations file '{writer.filename}':"
                        ))
                        self.log(writer.as_string())
                    continue
                if not folder_ready:
                    writer.create_directory()
                    folder_ready = True
                _write_file(writer.path, writer.as_string())
                self.written_files.append(writer.path)
                if update_previous_migration_paths:
                    self._replace_previous(writer, update_previous_migration_paths[app_label])
        run_formatters(self.written_files, stderr=self.stderr)

    def _replace_previous(self, writer, previous_path: str) -> None:
        """After --update: delete the migration the new file replaces, unless code in it
        (RunPython functions) must first be copied over by hand."""
        shown_previous = self.get_relative_path(previous_path)
        if not writer.needs_manual_porting:
            if os.path.abspath(previous_path) != os.path.abspath(writer.path):
                os.remove(previous_path)
                self.log(f"Deleted {shown_previous}")
            return
        shown_new = self.get_relative_path(writer.path)
        self.log(self.style.WARNING(
            f"Updated migration {shown_new} requires manual porting.\nPrevious migration "
            f"{shown_previous} was kept and must be deleted after porting functions manually."
        ))

    def _updatable_leaf(self, loader, app_label: str):
        """The app's latest migration, if --update may rewrite it."""
        leaves = loader.graph.leaf_nodes(app=app_label)
        if not leaves:
            raise CommandError(f"App {app_label} has no migration, cannot update last migration.")
        key = leaves[0]
        leaf = loader.graph.nodes[key]
        if leaf.replaces:
            raise CommandError(f"Cannot update squash migration '{leaf}'.")
        if key in loader.applied_migrations:
            raise CommandError(f"Cannot update applied migration '{leaf}'.")
        dependents = ", ".join(
            f"'{other}'" for other in loader.disk_migrations.values() if key in other.dependencies
        )
        if dependents:
            raise CommandError(
                f"Cannot update migration '{leaf}' that migrations {dependents} depend on."
            )
        return leaf

    def write_to_last_migration_files(self, changes: dict) -> None:
        """``--update``: fold the changes into each app's latest (unapplied) migration."""
        from reinhardt.orm import DEFAULT_DB_ALIAS, connections
        from reinhardt.orm.migrations.loader import MigrationLoader
        from reinhardt.orm.migrations.migration import SwappableTuple
        from reinhardt.orm.migrations.optimizer import MigrationOptimizer
        from reinhardt.orm.migrations.writer import MigrationWriter

        loader = MigrationLoader(connections[DEFAULT_DB_ALIAS])
        rewritten, old_paths = {}, {}
        for app_label, new_migrations in changes.items():
            leaf = self._updatable_leaf(loader, app_label)
            for migration in new_migrations:
                leaf.operations += migration.operations
                # Dependencies inside the app are already the leaf's own ancestry.
                leaf.dependencies += [
                    dependency for dependency in migration.dependencies
                    if isinstance(dependency, SwappableTuple)
                    or dependency[0] != migration.app_label
                ]
            leaf.operations = MigrationOptimizer().optimize(leaf.operations, app_label)
            old_paths[app_label] = MigrationWriter(leaf).path
            renamed = f"{leaf.name[:4]}_{self.migration_name or leaf.suggest_name()}"
            leaf.name = f"{leaf.name}_updated" if renamed == leaf.name else renamed
            rewritten[app_label] = [leaf]
        self.write_migration_files(rewritten, old_paths)

    # -- merging ------------------------------------------------------------------------------

    def _merge_name(self, leaves) -> str:
        from reinhardt.orm.migrations.autodetector import MigrationAutodetector
        from reinhardt.orm.migrations.utils import get_migration_name_timestamp

        numbers = [MigrationAutodetector.parse_number(m.name) for m in leaves]
        number = max([n for n in numbers if n is not None] or [1]) + 1
        if self.migration_name:
            return f"{number:04d}_{self.migration_name}"
        joined = "_".join(sorted(m.name for m in leaves))
        # Long leaf names would make an unwieldy file name: use the time instead.
        suffix = joined if len(joined) <= 47 else get_migration_name_timestamp()
        return f"{number:04d}_merge_{suffix}"

    def handle_merge(self, loader, conflicts: dict) -> None:
        """``--merge``: write a migration depending on both branches, if the user agrees."""
        from reinhardt.orm.migrations import Migration
        from reinhardt.orm.migrations.questioner import (
            InteractiveMigrationQuestioner,
            MigrationQuestioner,
        )
        from reinhardt.orm.migrations.writer import MigrationWriter

        asker = (InteractiveMigrationQuestioner(prompt_output=self.log_output)
                 if self.interactive else MigrationQuestioner(defaults={"ask_merge": True}))
        for app_label, leaf_names in conflicts.items():
            leaves = [loader.get_migration(app_label, name) for name in leaf_names]
            for leaf in leaves:
                leaf.ancestry = [
                    key for key in loader.graph.forwards_plan((app_label, leaf.name))
                    if key[0] == leaf.app_label
                ]
            shared = _shared_prefix_length([leaf.ancestry for leaf in leaves])
            if shared == 0:
                raise ValueError(f"Could not find common ancestor of {leaf_names}")
            for leaf in leaves:
                leaf.branch = leaf.ancestry[shared:]
                leaf.merged_operations = [
                    operation for key in leaf.branch
                    for operation in loader.get_migration(*key).operations
                ]
            if self.verbosity > 0:
                self.log(self.style.MIGRATE_HEADING(f"Merging {app_label}"))
                for leaf in leaves:
                    self.log(self.style.MIGRATE_LABEL(f"  Branch {leaf.name}"))
                    for operation in leaf.merged_operations:
                        self.log(f"    {operation.formatted_description()}")
            if not asker.ask_merge(app_label):
                continue
            merge_class = type("Migration", (Migration,), {
                "dependencies": [(app_label, leaf.name) for leaf in leaves],
            })
            writer = MigrationWriter(merge_class(self._merge_name(leaves), app_label),
                                     self.include_header)
            if self.dry_run:
                if self.verbosity == 3:
                    self.log(self.style.MIGRATE_HEADING(
                        f"Full merge migrations file '{writer.filename}':"
                    ))
                    self.log(writer.as_string())
                continue
            writer.create_directory()
            _write_file(writer.path, writer.as_string())
            run_formatters([writer.path], stderr=self.stderr)
            if self.verbosity > 0:
                self.log(f"\nCreated new merge migration {writer.path}")
                if self.scriptable:
                    self.stdout.write(writer.path)

"""``migrate``: bring the database schema to the state of the migrations (or back).

The printed text follows Django's ``migrate`` word for word, since people and deployment
scripts read it; the work is done by MigrationExecutor.
"""

from __future__ import annotations

import sys
import time
from importlib import import_module
from typing import Any

from reinhardt.apps import apps
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from reinhardt.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from reinhardt.utils.module_loading import module_has_submodule
from reinhardt.utils.text import Truncator

# What migration_progress_callback prints when a step starts ("{}" is the migration).
_STARTING = {
    "apply_start": "  Applying {}...",
    "unapply_start": "  Unapplying {}...",
    "render_start": "  Rendering model states...",
}


def _load_management_modules() -> None:
    """Import each app's ``management`` package: apps connect migrate signals there."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "management"):
            import_module(".management", config.name)


def _conflict_error(conflicts: dict[str, list[str]]) -> CommandError:
    listing = "; ".join(f"{', '.join(names)} in {app}" for app, names in conflicts.items())
    return CommandError(
        "Conflicting migrations detected; multiple leaf nodes in the migration graph: "
        f"({listing}).\nTo fix them run 'python manage.py makemigrations --merge'"
    )


class Command(BaseCommand):
    help = ("Bring the database schema to the state of the migrations (apps without migrations "
            "get their tables created directly).")
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")
        parser.add_argument("app_label", nargs="?", help="Only migrate this app.")
        parser.add_argument(
            "migration_name", nargs="?",
            help="Target migration (a name or unique prefix); later ones of the app are "
                 'unapplied. "zero" unapplies all of them.',
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Never ask questions; take the default answer (or fail when there is none).",
        )
        parser.add_argument("--database", default="default",
                            help="Database alias to migrate (default: default).")
        flags = [
            ("--fake", "fake", "Record migrations as applied (or unapplied) without running "
                               "them."),
            ("--fake-initial", "fake_initial",
             "Record an app's initial migration as applied when its tables already exist. "
             "Only table (and column) names are compared, so the existing schema must really "
             "match."),
            ("--plan", "plan", "List what would be applied or unapplied, and do nothing."),
            ("--run-syncdb", "run_syncdb", "Create the tables of apps that have no migrations."),
            ("--check", "check_unapplied",
             "Exit with status 1 when migrations are waiting to be applied; apply nothing."),
            ("--prune", "prune",
             "Remove records of applied migrations whose files are gone from the "
             "django_migrations table (needs an app label)."),
        ]
        for flag, dest, text in flags:
            parser.add_argument(flag, action="store_true", dest=dest, help=text)

    # -- the command --------------------------------------------------------------------------

    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        from reinhardt.orm import connections

        alias = options["database"]
        if not options["skip_checks"]:
            self.check(databases=[alias])
        self.verbosity, self.interactive = options["verbosity"], options["interactive"]
        _load_management_modules()
        connection = connections[alias]
        executor = self._executor_for(connection)
        loader = executor.loader

        app_label = options["app_label"]
        if app_label:
            self._check_app_label(loader, app_label, options["run_syncdb"])
        targets, whole_apps = self._targets(loader, app_label, options["migration_name"])
        if options["prune"]:
            self._prune(executor, app_label)
        plan = executor.migration_plan(targets)

        if options["plan"]:
            self._show_plan(plan)
            if plan and options["check_unapplied"]:
                sys.exit(1)
            return
        if options["check_unapplied"]:
            if plan:
                sys.exit(1)
            return
        if options["prune"]:
            return

        syncing = options["run_syncdb"] and loader.unmigrated_apps
        if self.verbosity >= 1:
            self._announce(loader, app_label, targets, whole_apps, syncing)
        before = executor._create_project_state(with_applied_migrations=True)
        emit_pre_migrate_signal(self.verbosity, self.interactive, connection.alias,
                                stdout=self.stdout, apps=before.apps, plan=plan)
        if syncing:
            self._say(self.style.MIGRATE_HEADING("Synchronizing apps without migrations:"))
            self.sync_apps(connection, [app_label] if app_label else loader.unmigrated_apps)
        self._say(self.style.MIGRATE_HEADING("Running migrations:"))
        if plan:
            fake, fake_initial = options["fake"], options["fake_initial"]
        else:
            fake = fake_initial = False
            if self.verbosity >= 1:
                self.stdout.write("  No migrations to apply.")
                self._warn_about_model_changes(executor)
        after = executor.migrate(targets, plan=plan, state=before.clone(), fake=fake,
                                 fake_initial=fake_initial)
        emit_post_migrate_signal(self.verbosity, self.interactive, connection.alias,
                                 stdout=self.stdout, apps=after.apps, plan=plan)

    def _say(self, text: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(text)

    def _executor_for(self, connection):
        """An executor whose loader has checked the recorded history and found no conflicts."""
        from reinhardt.orm.migrations.executor import MigrationExecutor

        if hasattr(connection, "prepare_database"):
            connection.prepare_database()
        executor = MigrationExecutor(connection, self.migration_progress_callback)
        executor.loader.check_consistent_history(connection)
        conflicts = executor.loader.detect_conflicts()
        if conflicts:
            raise _conflict_error(conflicts)
        return executor

    @staticmethod
    def _check_app_label(loader, app_label: str, run_syncdb: bool) -> None:
        try:
            apps.get_app_config(app_label)
        except LookupError as unknown:
            raise CommandError(str(unknown)) from None
        has_migrations = app_label in loader.migrated_apps
        if run_syncdb and has_migrations:
            raise CommandError(
                f"Can't use run_syncdb with app '{app_label}' as it has migrations."
            )
        if not run_syncdb and not has_migrations:
            raise CommandError(f"App '{app_label}' does not have migrations.")

    @staticmethod
    def _targets(loader, app_label, name) -> tuple[list, bool]:
        """(targets for the executor, whether they are whole apps rather than one target)."""
        from reinhardt.orm.migrations.exceptions import AmbiguityError

        if not app_label:
            return loader.graph.leaf_nodes(), True
        if not name:
            return [leaf for leaf in loader.graph.leaf_nodes() if leaf[0] == app_label], True
        if name == "zero":
            return [(app_label, None)], False
        try:
            chosen = loader.get_migration_by_prefix(app_label, name).name
        except AmbiguityError:
            raise CommandError(f"More than one migration matches '{name}' in app '{app_label}'. "
                               "Please be more specific.") from None
        except KeyError:
            raise CommandError(
                f"Cannot find a migration matching '{name}' from app '{app_label}'."
            ) from None
        target = (app_label, chosen)
        squash = loader.replacements.get(target)
        if squash is not None and target not in loader.graph.nodes:
            # A partly applied squash is out of the graph: aim at its last original.
            target = tuple(squash.replaces[-1])
        return [target], False

    # -- output -------------------------------------------------------------------------------

    def _show_plan(self, plan) -> None:
        self.stdout.write("Planned operations:", self.style.MIGRATE_LABEL)
        if not plan:
            self.stdout.write("  No planned migration operations.")
        for migration, backwards in plan:
            self.stdout.write(str(migration), self.style.MIGRATE_HEADING)
            for operation in migration.operations:
                line, irreversible = self.describe_operation(operation, backwards)
                self.stdout.write(f"    {line}", self.style.WARNING if irreversible else None)

    def _announce(self, loader, app_label, targets, whole_apps, syncing) -> None:
        label = self.style.MIGRATE_LABEL
        self.stdout.write(self.style.MIGRATE_HEADING("Operations to perform:"))
        if syncing and app_label:
            self.stdout.write(label(f"  Synchronize unmigrated app: {app_label}"))
        elif syncing:
            self.stdout.write(label("  Synchronize unmigrated apps: ")
                              + ", ".join(sorted(loader.unmigrated_apps)))
        first_app, first_name = targets[0] if targets else (None, None)
        if whole_apps:
            every_app = ", ".join(sorted({app for app, _ in targets})) or "(none)"
            self.stdout.write(label("  Apply all migrations: ") + every_app)
        elif first_name is None:
            self.stdout.write(label("  Unapply all migrations: ") + str(first_app))
        else:
            self.stdout.write(label("  Target specific migration: ")
                              + f"{first_name}, from {first_app}")

    def _warn_about_model_changes(self, executor) -> None:
        """Tell the user when models.py has changes no migration records yet."""
        from reinhardt.orm.migrations.autodetector import MigrationAutodetector
        from reinhardt.orm.migrations.state import ProjectState

        detector = MigrationAutodetector(executor.loader.project_state(),
                                         ProjectState.from_apps(apps))
        changed = detector.changes(graph=executor.loader.graph)
        if not changed:
            return
        names = ", ".join(repr(app) for app in sorted(changed))
        for text in (
            f"  Your models in app(s): {names} have changes that are not yet reflected in a "
            "migration, and so won't be applied.",
            "  Run 'manage.py makemigrations' to make new migrations, and then re-run "
            "'manage.py migrate' to apply them.",
        ):
            self.stdout.write(self.style.NOTICE(text))

    def _prune(self, executor, app_label: str | None) -> None:
        """Forget applied migrations of ``app_label`` whose files no longer exist."""
        if not app_label:
            raise CommandError("Migrations can be pruned only when an app is specified.")
        loud = self.verbosity > 0
        if loud:
            self.stdout.write("Pruning migrations:", self.style.MIGRATE_HEADING)
        loader = executor.loader
        gone = sorted(key for key in loader.applied_migrations
                      if key[0] == app_label and key not in loader.disk_migrations)
        # A squash that replaces a vanished migration may itself be unrecorded.
        squashes = [key for key, squash in loader.replacements.items()
                    if any(replaced in gone for replaced in squash.replaces)]
        if squashes:
            self.stdout.write(self.style.NOTICE(
                "  Cannot use --prune because the following squashed migrations have their "
                "'replaces' attributes and may not be recorded as applied:"
            ))
            self.stdout.write("\n".join(f"    {app}.{name}" for app, name in squashes))
            self.stdout.write(self.style.NOTICE(
                "  Re-run 'manage.py migrate' if they are not marked as applied, and remove "
                "'replaces' attributes in their Migration classes."
            ))
            return
        if not gone and loud:
            self.stdout.write("  No migrations to prune.")
        for app, name in gone:
            if loud:
                self.stdout.write(self.style.MIGRATE_LABEL(f"  Pruning {app}.{name}"), ending="")
            executor.recorder.record_unapplied(app, name)
            if loud:
                self.stdout.write(self.style.SUCCESS(" OK"))

    def migration_progress_callback(self, action: str, migration=None,
                                    fake: bool = False) -> None:
        """Print "  Applying polls.0001_initial... OK", as each migration runs.

        From verbosity 2 the time each step took is added.
        """
        if self.verbosity < 1:
            return
        timed = self.verbosity >= 2
        if action in _STARTING:
            if timed:
                self.start = time.monotonic()
            self.stdout.write(_STARTING[action].format(migration), ending="")
            self.stdout.flush()
            return
        if action == "render_success":
            outcome = " DONE"
        elif action in ("apply_success", "unapply_success"):
            outcome = " FAKED" if fake else " OK"
        else:
            return
        if timed:
            outcome += f" ({time.monotonic() - self.start:.3f}s)"
        self.stdout.write(self.style.SUCCESS(outcome))

    def sync_apps(self, connection, app_labels) -> None:
        """Create the tables of apps without migrations (``--run-syncdb``)."""
        from reinhardt.orm import router

        with connection.cursor() as cursor:
            existing = set(connection.introspection.table_names(cursor))
        normalise = connection.introspection.identifier_converter

        def missing(model) -> bool:
            meta = model._meta
            owner = meta.auto_created._meta if meta.auto_created else None
            return normalise(meta.db_table) not in existing and not (
                owner is not None and normalise(owner.db_table) in existing
            )

        to_create = [
            (config.label, model)
            for config in apps.get_app_configs()
            if config.models_module is not None and config.label in app_labels
            for model in config.get_models()
            if router.allow_migrate_model(connection.alias, model) and missing(model)
        ]
        self._say("  Creating tables...")
        with connection.schema_editor() as editor:
            for label, model in to_create:
                if not model._meta.can_migrate(connection):
                    continue  # unmanaged, proxy, or for another database
                if self.verbosity >= 3:
                    self.stdout.write(f"    Processing {label}.{model._meta.object_name} model")
                self._say(f"    Creating table {model._meta.db_table}")
                editor.create_model(model)
            # Deferred SQL (indexes, foreign keys) runs as the editor closes.
            self._say("    Running deferred SQL...")

    @staticmethod
    def describe_operation(operation, backwards: bool) -> tuple[str, bool]:
        """A line for ``--plan``: the operation, and the code or SQL it runs.

        Returns (line, whether it is an error: an irreversible step in a backwards plan).
        """
        if hasattr(operation, "code"):
            function = operation.reverse_code if backwards else operation.code
            detail = None if function is None else (function.__doc__ or "")
        elif hasattr(operation, "sql"):
            detail = operation.reverse_sql if backwards else operation.sql
        else:
            detail = ""
        generic = not hasattr(operation, "code") and not hasattr(operation, "sql")
        prefix = "Undo " if generic and backwards else ""
        irreversible = detail is None and backwards
        if irreversible:
            detail = "IRREVERSIBLE"
        elif detail is not None:
            detail = str(detail).replace("\n", "")
        if detail:
            detail = " -> " + detail
        return prefix + operation.describe() + Truncator(detail).chars(40), irreversible

"""``migrate``: bring the database schema to the state of the migrations (or back)."""

from __future__ import annotations

import sys
import time
from importlib import import_module
from typing import Any

from reinhardt.apps import apps
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from reinhardt.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from reinhardt.utils.module_loading import module_has_submodule


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class Command(BaseCommand):
    help = ("Bring the database schema to the state of the migrations (apps without migrations "
            "get their tables created directly).")
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")
        parser.add_argument(
            "app_label", nargs="?",
            help="Only migrate this app.",
        )
        parser.add_argument(
            "migration_name", nargs="?",
            help="Target migration (a name or unique prefix); later ones of the app are "
                 'unapplied. "zero" unapplies all of them.',
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Never ask questions; take the default answer (or fail when there is none).",
        )
        parser.add_argument(
            "--database", default="default",
            help="Database alias to migrate (default: default).",
        )
        parser.add_argument(
            "--fake", action="store_true",
            help="Mark migrations as run without actually running them.",
        )
        parser.add_argument(
            "--fake-initial", action="store_true",
            help="Mark an app's initial migration as applied when its tables already exist. "
                 "Only table (and column) names are compared, so the existing schema must "
                 "really match.",
        )
        parser.add_argument(
            "--plan", action="store_true",
            help="List what would be applied or unapplied, and do nothing.",
        )
        parser.add_argument(
            "--run-syncdb", action="store_true",
            help="Creates tables for apps without migrations.",
        )
        parser.add_argument(
            "--check", action="store_true", dest="check_unapplied",
            help="Fail (exit status 1) when migrations are waiting; applies nothing.",
        )
        parser.add_argument(
            "--prune", action="store_true", dest="prune",
            help="Delete nonexistent migrations from the django_migrations table.",
        )

    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        from reinhardt.orm import connections
        from reinhardt.orm.migrations.exceptions import AmbiguityError
        from reinhardt.orm.migrations.executor import MigrationExecutor

        database = options["database"]
        if not options["skip_checks"]:
            self.check(databases=[database])
        self.verbosity = options["verbosity"]
        self.interactive = options["interactive"]

        # Apps' management modules may connect to the migrate signals.
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "management"):
                import_module(".management", app_config.name)

        connection = connections[database]
        prepare = getattr(connection, "prepare_database", None)
        if prepare:
            prepare()
        executor = MigrationExecutor(connection, self.migration_progress_callback)
        executor.loader.check_consistent_history(connection)
        conflicts = executor.loader.detect_conflicts()
        if conflicts:
            name_str = "; ".join(
                f"{', '.join(names)} in {app}" for app, names in conflicts.items()
            )
            raise CommandError(
                "Conflicting migrations detected; multiple leaf nodes in the migration graph: "
                f"({name_str}).\nTo fix them run 'python manage.py makemigrations --merge'"
            )

        run_syncdb = options["run_syncdb"]
        target_app_labels_only = True
        app_label = options["app_label"]
        if app_label:
            try:
                apps.get_app_config(app_label)
            except LookupError as err:
                raise CommandError(str(err))
            if run_syncdb:
                if app_label in executor.loader.migrated_apps:
                    raise CommandError(
                        f"Can't use run_syncdb with app '{app_label}' as it has migrations."
                    )
            elif app_label not in executor.loader.migrated_apps:
                raise CommandError(f"App '{app_label}' does not have migrations.")

        if app_label and options["migration_name"]:
            migration_name = options["migration_name"]
            if migration_name == "zero":
                targets = [(app_label, None)]
            else:
                try:
                    migration = executor.loader.get_migration_by_prefix(app_label,
                                                                        migration_name)
                except AmbiguityError:
                    raise CommandError(
                        f"More than one migration matches '{migration_name}' in app "
                        f"'{app_label}'. Please be more specific."
                    )
                except KeyError:
                    raise CommandError(
                        f"Cannot find a migration matching '{migration_name}' from app "
                        f"'{app_label}'."
                    )
                target = (app_label, migration.name)
                # A partly applied squash is not in the graph: target its last original.
                if (
                    target not in executor.loader.graph.nodes
                    and target in executor.loader.replacements
                ):
                    target = tuple(executor.loader.replacements[target].replaces[-1])
                targets = [target]
            target_app_labels_only = False
        elif app_label:
            targets = [key for key in executor.loader.graph.leaf_nodes() if key[0] == app_label]
        else:
            targets = executor.loader.graph.leaf_nodes()

        if options["prune"]:
            self._prune(executor, app_label)

        plan = executor.migration_plan(targets)

        if options["plan"]:
            self.stdout.write("Planned operations:", self.style.MIGRATE_LABEL)
            if not plan:
                self.stdout.write("  No planned migration operations.")
            else:
                for migration, backwards in plan:
                    self.stdout.write(str(migration), self.style.MIGRATE_HEADING)
                    for operation in migration.operations:
                        message, is_error = self.describe_operation(operation, backwards)
                        style = self.style.WARNING if is_error else None
                        self.stdout.write("    " + message, style)
                if options["check_unapplied"]:
                    sys.exit(1)
            return
        if options["check_unapplied"]:
            if plan:
                sys.exit(1)
            return
        if options["prune"]:
            return

        run_syncdb = options["run_syncdb"] and executor.loader.unmigrated_apps
        if self.verbosity >= 1:
            self.stdout.write(self.style.MIGRATE_HEADING("Operations to perform:"))
            if run_syncdb:
                if app_label:
                    self.stdout.write(
                        self.style.MIGRATE_LABEL(f"  Synchronize unmigrated app: {app_label}")
                    )
                else:
                    self.stdout.write(
                        self.style.MIGRATE_LABEL("  Synchronize unmigrated apps: ")
                        + ", ".join(sorted(executor.loader.unmigrated_apps))
                    )
            if target_app_labels_only:
                self.stdout.write(
                    self.style.MIGRATE_LABEL("  Apply all migrations: ")
                    + (", ".join(sorted({a for a, _n in targets})) or "(none)")
                )
            elif targets[0][1] is None:
                self.stdout.write(
                    self.style.MIGRATE_LABEL("  Unapply all migrations: ") + str(targets[0][0])
                )
            else:
                self.stdout.write(
                    self.style.MIGRATE_LABEL("  Target specific migration: ")
                    + f"{targets[0][1]}, from {targets[0][0]}"
                )

        pre_migrate_state = executor._create_project_state(with_applied_migrations=True)
        emit_pre_migrate_signal(self.verbosity, self.interactive, connection.alias,
                                stdout=self.stdout, apps=pre_migrate_state.apps, plan=plan)

        if run_syncdb:
            if self.verbosity >= 1:
                self.stdout.write(
                    self.style.MIGRATE_HEADING("Synchronizing apps without migrations:")
                )
            self.sync_apps(connection, [app_label] if app_label
                           else executor.loader.unmigrated_apps)

        if self.verbosity >= 1:
            self.stdout.write(self.style.MIGRATE_HEADING("Running migrations:"))
        fake = fake_initial = False
        if not plan:
            if self.verbosity >= 1:
                self.stdout.write("  No migrations to apply.")
                self._warn_about_model_changes(executor)
        else:
            fake = options["fake"]
            fake_initial = options["fake_initial"]
        post_migrate_state = executor.migrate(
            targets, plan=plan, state=pre_migrate_state.clone(), fake=fake,
            fake_initial=fake_initial,
        )
        emit_post_migrate_signal(self.verbosity, self.interactive, connection.alias,
                                 stdout=self.stdout, apps=post_migrate_state.apps, plan=plan)

    def _warn_about_model_changes(self, executor) -> None:
        """Tell the user when models.py has changes no migration records yet."""
        from reinhardt.orm.migrations.autodetector import MigrationAutodetector
        from reinhardt.orm.migrations.state import ProjectState

        autodetector = MigrationAutodetector(executor.loader.project_state(),
                                             ProjectState.from_apps(apps))
        changes = autodetector.changes(graph=executor.loader.graph)
        if changes:
            self.stdout.write(self.style.NOTICE(
                "  Your models in app(s): "
                + ", ".join(repr(app) for app in sorted(changes))
                + " have changes that are not yet reflected in a migration, and so won't be "
                "applied."
            ))
            self.stdout.write(self.style.NOTICE(
                "  Run 'manage.py makemigrations' to make new migrations, and then re-run "
                "'manage.py migrate' to apply them."
            ))

    def _prune(self, executor, app_label: str | None) -> None:
        if not app_label:
            raise CommandError("Migrations can be pruned only when an app is specified.")
        if self.verbosity > 0:
            self.stdout.write("Pruning migrations:", self.style.MIGRATE_HEADING)
        to_prune = sorted(
            migration
            for migration in set(executor.loader.applied_migrations)
            - set(executor.loader.disk_migrations)
            if migration[0] == app_label
        )
        blocked = [
            key for key, migration in executor.loader.replacements.items()
            if any(replaced in to_prune for replaced in migration.replaces)
        ]
        if blocked:
            self.stdout.write(self.style.NOTICE(
                "  Cannot use --prune because the following squashed migrations have their "
                "'replaces' attributes and may not be recorded as applied:"
            ))
            for app, name in blocked:
                self.stdout.write(f"    {app}.{name}")
            self.stdout.write(self.style.NOTICE(
                "  Re-run 'manage.py migrate' if they are not marked as applied, and remove "
                "'replaces' attributes in their Migration classes."
            ))
            return
        if not to_prune:
            if self.verbosity > 0:
                self.stdout.write("  No migrations to prune.")
            return
        for app, name in to_prune:
            if self.verbosity > 0:
                self.stdout.write(self.style.MIGRATE_LABEL(f"  Pruning {app}.{name}"),
                                  ending="")
            executor.recorder.record_unapplied(app, name)
            if self.verbosity > 0:
                self.stdout.write(self.style.SUCCESS(" OK"))

    def migration_progress_callback(self, action: str, migration=None,
                                    fake: bool = False) -> None:
        """Print "  Applying polls.0001_initial... OK", as each migration runs."""
        if self.verbosity < 1:
            return
        timed = self.verbosity > 1
        if action in ("apply_start", "unapply_start", "render_start"):
            if timed:
                self.start = time.monotonic()
            text = {
                "apply_start": f"  Applying {migration}...",
                "unapply_start": f"  Unapplying {migration}...",
                "render_start": "  Rendering model states...",
            }[action]
            self.stdout.write(text, ending="")
            self.stdout.flush()
            return
        elapsed = f" ({time.monotonic() - self.start:.3f}s)" if timed else ""
        if action == "render_success":
            self.stdout.write(self.style.SUCCESS(" DONE" + elapsed))
        elif action in ("apply_success", "unapply_success"):
            word = " FAKED" if fake else " OK"
            self.stdout.write(self.style.SUCCESS(word + elapsed))

    def sync_apps(self, connection, app_labels) -> None:
        """Create the tables of apps without migrations (``--run-syncdb``)."""
        from reinhardt.orm import router

        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        converter = connection.introspection.identifier_converter

        def needs_table(model) -> bool:
            opts = model._meta
            return not (
                converter(opts.db_table) in tables
                or (opts.auto_created and converter(opts.auto_created._meta.db_table) in tables)
            )

        manifest = {
            app_config.label: [
                model for model in app_config.get_models()
                if router.allow_migrate_model(connection.alias, model) and needs_table(model)
            ]
            for app_config in apps.get_app_configs()
            if app_config.models_module is not None and app_config.label in app_labels
        }
        if self.verbosity >= 1:
            self.stdout.write("  Creating tables...")
        with connection.schema_editor() as editor:
            for app_name, model_list in manifest.items():
                for model in model_list:
                    if not model._meta.can_migrate(connection):
                        continue
                    if self.verbosity >= 3:
                        self.stdout.write(
                            f"    Processing {app_name}.{model._meta.object_name} model"
                        )
                    if self.verbosity >= 1:
                        self.stdout.write(f"    Creating table {model._meta.db_table}")
                    editor.create_model(model)
            if self.verbosity >= 1:
                self.stdout.write("    Running deferred SQL...")

    @staticmethod
    def describe_operation(operation, backwards: bool) -> tuple[str, bool]:
        """A line for ``--plan``: the operation, and the code or SQL it runs."""
        prefix = ""
        is_error = False
        if hasattr(operation, "code"):
            code = operation.reverse_code if backwards else operation.code
            action = (code.__doc__ or "") if code else None
        elif hasattr(operation, "sql"):
            action = operation.reverse_sql if backwards else operation.sql
        else:
            action = ""
            if backwards:
                prefix = "Undo "
        if action is not None:
            action = str(action).replace("\n", "")
        elif backwards:
            action = "IRREVERSIBLE"
            is_error = True
        if action:
            action = _truncate(" -> " + action, 40)
        return prefix + operation.describe() + action, is_error

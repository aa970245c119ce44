"""``sqlmigrate``: print the SQL a migration runs (or, with --backwards, its undoing)."""

from __future__ import annotations

from typing import Any

from reinhardt.apps import apps
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Prints the SQL statements for the named migration."
    output_transaction = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("app_label", help="App label of the application containing the "
                                              "migration.")
        parser.add_argument("migration_name", help="Migration name to print the SQL for.")
        parser.add_argument(
            "--database", default="default",
            help="Database alias whose dialect is used (default: default).",
        )
        parser.add_argument(
            "--backwards", action="store_true",
            help="Print the SQL that reverses the migration instead.",
        )

    def execute(self, *args: Any, **options: Any):
        # sqlmigrate has no colour: its output is SQL to paste or pipe somewhere.
        options["no_color"] = True
        return super().execute(*args, **options)

    def handle(self, *args: Any, **options: Any) -> str:
        from reinhardt.orm import connections
        from reinhardt.orm.migrations.exceptions import AmbiguityError
        from reinhardt.orm.migrations.loader import MigrationLoader

        connection = connections[options["database"]]
        loader = MigrationLoader(connection, replace_migrations=False)
        app_label, migration_name = options["app_label"], options["migration_name"]
        try:
            apps.get_app_config(app_label)
        except LookupError as err:
            raise CommandError(str(err))
        if app_label not in loader.migrated_apps:
            raise CommandError(f"App '{app_label}' does not have migrations")
        try:
            migration = loader.get_migration_by_prefix(app_label, migration_name)
        except AmbiguityError:
            raise CommandError(
                f"More than one migration matches '{migration_name}' in app '{app_label}'. "
                "Please be more specific."
            )
        except KeyError:
            raise CommandError(
                f"Cannot find a migration matching '{migration_name}' from app '{app_label}'. "
                "Is it in INSTALLED_APPS?"
            )
        target = (app_label, migration.name)
        # BEGIN/COMMIT only where the migration really runs in one transaction.
        self.output_transaction = migration.atomic and connection.features.can_rollback_ddl
        plan = [(loader.graph.nodes[target], options["backwards"])]
        sql_statements = loader.collect_sql(plan)
        if not sql_statements and options["verbosity"] >= 1:
            self.stderr.write("No operations found.")
        return "\n".join(sql_statements)

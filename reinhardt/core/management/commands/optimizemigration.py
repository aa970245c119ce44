"""``optimizemigration``: rewrite one migration with its operations optimized."""

from __future__ import annotations

import sys
from typing import Any

from reinhardt.apps import apps
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser
from reinhardt.core.management.utils import run_formatters


class Command(BaseCommand):
    help = "Optimizes the operations for the named migration."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("app_label", help="App label of the application to optimize the "
                                              "migration for.")
        parser.add_argument("migration_name", help="Migration name to optimize the operations "
                                                   "for.")
        parser.add_argument(
            "--check", action="store_true",
            help="Fail (exit status 1) when the migration could be shortened; writes nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from reinhardt.orm.migrations import Migration
        from reinhardt.orm.migrations.exceptions import AmbiguityError
        from reinhardt.orm.migrations.loader import MigrationLoader
        from reinhardt.orm.migrations.optimizer import MigrationOptimizer
        from reinhardt.orm.migrations.writer import MigrationWriter

        verbosity = options["verbosity"]
        app_label = options["app_label"]
        migration_name = options["migration_name"]
        try:
            apps.get_app_config(app_label)
        except LookupError as err:
            raise CommandError(str(err))
        loader = MigrationLoader(None)
        if app_label not in loader.migrated_apps:
            raise CommandError(f"App '{app_label}' does not have migrations.")
        try:
            migration = loader.get_migration_by_prefix(app_label, migration_name)
        except AmbiguityError:
            raise CommandError(
                f"More than one migration matches '{migration_name}' in app '{app_label}'. "
                "Please be more specific."
            )
        except KeyError:
            raise CommandError(
                f"Cannot find a migration matching '{migration_name}' from app '{app_label}'."
            )
        optimized = MigrationOptimizer().optimize(migration.operations, migration.app_label)
        if len(optimized) == len(migration.operations):
            if verbosity > 0:
                self.stdout.write("No optimizations possible.")
            return
        if verbosity > 0:
            self.stdout.write(
                f"Optimizing from {len(migration.operations)} operations to "
                f"{len(optimized)} operations."
            )
        if options["check"]:
            sys.exit(1)
        migration.operations = optimized
        writer = MigrationWriter(migration)
        source = writer.as_string()
        if writer.needs_manual_porting:
            if migration.replaces:
                raise CommandError(
                    "Migration will require manual porting but is already a squashed "
                    "migration.\nTransition to a normal migration first."
                )
            subclass = type("Migration", (Migration,), {
                "dependencies": migration.dependencies,
                "operations": optimized,
                "replaces": [(migration.app_label, migration.name)],
            })
            optimized_name = f"{migration.name}_optimized"
            writer = MigrationWriter(subclass(optimized_name, app_label))
            source = writer.as_string()
            if verbosity > 0:
                self.stdout.write(self.style.MIGRATE_HEADING("Manual porting required") + "\n"
                                  "  Your migrations contained functions that must be "
                                  "manually copied over,\n  as we could not safely copy their "
                                  "implementation.\n  See the comment at the top of the "
                                  "optimized migration for details.")
        with open(writer.path, "w", encoding="utf-8") as handle:
            handle.write(source)
        run_formatters([writer.path], stderr=self.stderr)
        if verbosity > 0:
            self.stdout.write(self.style.MIGRATE_HEADING(f"Optimized migration {writer.path}"))

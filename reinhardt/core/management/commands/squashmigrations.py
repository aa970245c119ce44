"""``squashmigrations``: replace a run of an app's migrations by one optimized migration."""

from __future__ import annotations

import os
from typing import Any

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser
from reinhardt.core.management.utils import run_formatters


class Command(BaseCommand):
    help = (
        "Replace a run of an app's migrations by one equivalent migration; the old ones stay "
        "until every database has applied them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("app_label", help="App label of the application to squash "
                                              "migrations for.")
        parser.add_argument(
            "start_migration_name", nargs="?",
            help="First migration of the run to squash (default: the app's first).",
        )
        parser.add_argument(
            "migration_name",
            help="Last migration of the run to squash.",
        )
        parser.add_argument(
            "--no-optimize", action="store_true",
            help="Do not try to optimize the squashed operations.",
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Never ask questions; take the default answer (or fail when there is none).",
        )
        parser.add_argument("--squashed-name", help="Sets the name of the new squashed migration.")
        parser.add_argument(
            "--no-header", action="store_false", dest="include_header",
            help="Leave out the version/date comment at the top of the new file.",
        )

    def handle(self, **options: Any) -> None:
        from reinhardt.orm import DEFAULT_DB_ALIAS, connections, migrations
        from reinhardt.orm.migrations.loader import MigrationLoader
        from reinhardt.orm.migrations.migration import SwappableTuple
        from reinhardt.orm.migrations.optimizer import MigrationOptimizer
        from reinhardt.orm.migrations.writer import MigrationWriter

        self.verbosity = options["verbosity"]
        self.interactive = options["interactive"]
        app_label = options["app_label"]
        start_migration_name = options["start_migration_name"]
        migration_name = options["migration_name"]
        no_optimize = options["no_optimize"]
        squashed_name = options["squashed_name"]
        include_header = options["include_header"]
        try:
            apps.get_app_config(app_label)
        except LookupError as err:
            raise CommandError(str(err))
        loader = MigrationLoader(connections[DEFAULT_DB_ALIAS])
        if app_label not in loader.migrated_apps:
            raise CommandError(
                f"App '{app_label}' does not have migrations (so squashmigrations on it makes "
                "no sense)"
            )
        migration = self.find_migration(loader, app_label, migration_name)
        to_squash = [
            loader.get_migration(al, mn)
            for al, mn in loader.graph.forwards_plan((migration.app_label, migration.name))
            if al == migration.app_label
        ]
        start_migration = None
        if start_migration_name:
            start_migration = self.find_migration(loader, app_label, start_migration_name)
            start = loader.get_migration(start_migration.app_label, start_migration.name)
            try:
                to_squash = to_squash[to_squash.index(start):]
            except ValueError:
                raise CommandError(
                    f"The migration '{start_migration}' cannot be found. Maybe it comes after "
                    f"the migration '{migration}'?\nHave a look at:\n  python manage.py "
                    f"showmigrations {app_label}\nto debug this issue."
                )

        if self.verbosity > 0 or self.interactive:
            self.stdout.write(self.style.MIGRATE_HEADING("Will squash the following migrations:"))
            for squashed in to_squash:
                self.stdout.write(f" - {squashed.name}")
            if self.interactive:
                answer = None
                while not answer or answer not in "yn":
                    answer = input("Do you wish to proceed? [y/N] ")
                    if not answer:
                        answer = "n"
                        break
                    answer = answer[0].lower()
                if answer != "y":
                    return

        operations = []
        dependencies = set()
        first = True
        for squashed in to_squash:
            if squashed.replaces:
                raise CommandError(
                    f"You cannot squash squashed migrations! Please transition {squashed} to a "
                    "normal migration first: remove its 'replaces' attribute and delete the "
                    "migrations it replaced, once every database has applied it."
                )
            operations.extend(squashed.operations)
            for dependency in squashed.dependencies:
                if isinstance(dependency, SwappableTuple):
                    if settings.AUTH_USER_MODEL == dependency.setting:
                        dependencies.add(("__setting__", "AUTH_USER_MODEL"))
                    else:
                        dependencies.add(dependency)
                elif dependency[0] != squashed.app_label or first:
                    # The first migration's own-app dependencies come before the squash.
                    dependencies.add(tuple(dependency))
            first = False

        if no_optimize:
            if self.verbosity > 0:
                self.stdout.write(self.style.MIGRATE_HEADING("(Skipping optimization.)"))
            new_operations = operations
        else:
            if self.verbosity > 0:
                self.stdout.write(self.style.MIGRATE_HEADING("Optimizing..."))
            new_operations = MigrationOptimizer().optimize(operations, migration.app_label)
            if self.verbosity > 0:
                if len(new_operations) == len(operations):
                    self.stdout.write("  No optimizations possible.")
                else:
                    self.stdout.write(
                        f"  Optimized from {len(operations)} operations to "
                        f"{len(new_operations)} operations."
                    )

        replaces = []
        for squashed in to_squash:
            if squashed.replaces:
                replaces.extend(squashed.replaces)
            else:
                replaces.append((squashed.app_label, squashed.name))

        subclass = type("Migration", (migrations.Migration,), {
            "dependencies": sorted(dependencies, key=lambda d: (str(d[0]), str(d[1]))),
            "operations": new_operations,
            "replaces": replaces,
        })
        if start_migration is not None:
            if squashed_name:
                prefix, _ = start_migration.name.split("_", 1)
                name = f"{prefix}_{squashed_name}"
            else:
                name = f"{start_migration.name}_squashed_{migration.name}"
            new_migration = subclass(name, app_label)
        else:
            name = f"0001_{squashed_name or f'squashed_{migration.name}'}"
            new_migration = subclass(name, app_label)
            new_migration.initial = True

        writer = MigrationWriter(new_migration, include_header)
        if os.path.exists(writer.path):
            raise CommandError(
                f"Migration {new_migration.name} already exists. Use a different name."
            )
        with open(writer.path, "w", encoding="utf-8") as handle:
            handle.write(writer.as_string())
        run_formatters([writer.path], stderr=self.stderr)
        if self.verbosity > 0:
            self.stdout.write(
                self.style.MIGRATE_HEADING(f"Created new squashed migration {writer.path}")
                + "\n  You should commit this migration but leave the old ones in place;\n"
                "  the new migration will be used for new installs. Once you are sure\n"
                "  all instances of the codebase have applied the migrations you squashed,\n"
                "  you can delete them."
            )
            if writer.needs_manual_porting:
                self.stdout.write(
                    self.style.MIGRATE_HEADING("Manual porting required")
                    + "\n  Your migrations contained functions that must be manually copied "
                    "over,\n  as we could not safely copy their implementation.\n  See the "
                    "comment at the top of the squashed migration for details."
                )

    def find_migration(self, loader, app_label: str, name: str):
        from reinhardt.orm.migrations.exceptions import AmbiguityError

        try:
            return loader.get_migration_by_prefix(app_label, name)
        except AmbiguityError:
            raise CommandError(
                f"More than one migration matches '{name}' in app '{app_label}'. Please be "
                "more specific."
            )
        except KeyError:
            raise CommandError(
                f"Cannot find a migration matching '{name}' from app '{app_label}'."
            )

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
        from reinhardt.orm import DEFAULT_DB_ALIAS, connections
        from reinhardt.orm.migrations.loader import MigrationLoader

        self.verbosity, self.interactive = options["verbosity"], options["interactive"]
        label = options["app_label"]
        try:
            apps.get_app_config(label)
        except LookupError as err:
            raise CommandError(str(err))
        graph_loader = MigrationLoader(connections[DEFAULT_DB_ALIAS])
        if label not in graph_loader.migrated_apps:
            raise CommandError(
                f"App '{label}' does not have migrations (so squashmigrations on it makes "
                "no sense)"
            )
        last = self.find_migration(graph_loader, label, options["migration_name"])
        first = None
        if options["start_migration_name"]:
            first = self.find_migration(graph_loader, label, options["start_migration_name"])
        run = self._run_to_squash(graph_loader, first, last)
        if not self._confirmed(run):
            return
        operations, dependencies = self._combine(run)
        if options["no_optimize"]:
            self._say_heading("(Skipping optimization.)")
        else:
            operations = self._optimized(operations, last.app_label)
        squashed = self._build(run, first, last, operations, dependencies,
                               options["squashed_name"])
        self._write(squashed, options["include_header"])

    # -- choosing the run ----------------------------------------------------------------

    @staticmethod
    def _run_to_squash(graph_loader, first, last) -> list:
        """The app's migrations up to ``last`` in plan order, from ``first`` if given."""
        plan = graph_loader.graph.forwards_plan((last.app_label, last.name))
        run = [graph_loader.get_migration(*key) for key in plan if key[0] == last.app_label]
        if first is None:
            return run
        opening = graph_loader.get_migration(first.app_label, first.name)
        if opening not in run:
            raise CommandError(
                f"The migration '{first}' cannot be found. Maybe it comes after "
                f"the migration '{last}'?\nHave a look at:\n  python manage.py "
                f"showmigrations {last.app_label}\nto debug this issue."
            )
        return run[run.index(opening):]

    def _say_heading(self, text: str) -> None:
        if self.verbosity > 0:
            self.stdout.write(self.style.MIGRATE_HEADING(text))

    def _confirmed(self, run) -> bool:
        """List the run; in interactive mode, go on only on a 'y' answer (empty means no)."""
        if not (self.verbosity > 0 or self.interactive):
            return True
        self.stdout.write(self.style.MIGRATE_HEADING("Will squash the following migrations:"))
        self.stdout.write("\n".join(f" - {each.name}" for each in run))
        if not self.interactive:
            return True
        while True:
            reply = input("Do you wish to proceed? [y/N] ")
            if not reply:
                return False
            letter = reply[0].lower()
            if letter in ("y", "n"):
                return letter == "y"

    # -- building the squashed migration ------------------------------------------------

    @staticmethod
    def _combine(run) -> tuple[list, set]:
        """All operations of the run, and the dependencies the squashed migration needs:
        other apps' (and the swappable user model's), plus the first migration's own."""
        from reinhardt.orm.migrations.migration import SwappableTuple

        operations, needed = [], set()
        for position, step in enumerate(run):
            if step.replaces:
                raise CommandError(
                    f"You cannot squash squashed migrations! Please transition {step} to a "
                    "normal migration first: remove its 'replaces' attribute and delete the "
                    "migrations it replaced, once every database has applied it."
                )
            operations += step.operations
            for target in step.dependencies:
                if isinstance(target, SwappableTuple):
                    swapped = settings.AUTH_USER_MODEL == target.setting
                    needed.add(("__setting__", "AUTH_USER_MODEL") if swapped else target)
                elif position == 0 or target[0] != step.app_label:
                    needed.add(tuple(target))
        return operations, needed

    def _optimized(self, operations: list, label: str) -> list:
        from reinhardt.orm.migrations.optimizer import MigrationOptimizer

        self._say_heading("Optimizing...")
        shorter = MigrationOptimizer().optimize(operations, label)
        if self.verbosity > 0:
            before, after = len(operations), len(shorter)
            self.stdout.write("  No optimizations possible." if before == after else
                              f"  Optimized from {before} operations to {after} operations.")
        return shorter

    @staticmethod
    def _build(run, first, last, operations, dependencies, squashed_name):
        from reinhardt.orm import migrations

        replaced = []
        for step in run:
            replaced += step.replaces or [(step.app_label, step.name)]
        ordered = sorted(dependencies, key=lambda dep: (str(dep[0]), str(dep[1])))
        cls = type("Migration", (migrations.Migration,), {
            "dependencies": ordered, "operations": operations, "replaces": replaced,
        })
        if first is None:
            squashed = cls(f"0001_{squashed_name or f'squashed_{last.name}'}", last.app_label)
            squashed.initial = True
            return squashed
        if squashed_name:
            name = f"{first.name.split('_', 1)[0]}_{squashed_name}"
        else:
            name = f"{first.name}_squashed_{last.name}"
        return cls(name, last.app_label)

    def _write(self, squashed, include_header: bool) -> None:
        from reinhardt.orm.migrations.writer import MigrationWriter

        writer = MigrationWriter(squashed, include_header)
        target = writer.path
        if os.path.exists(target):
            raise CommandError(
                f"Migration {squashed.name} already exists. Use a different name.")
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(writer.as_string())
        run_formatters([target], stderr=self.stderr)
        if self.verbosity <= 0:
            return
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Created new squashed migration {target}")
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
        """The app's migration whose name starts with ``name``; CommandError otherwise."""
        from reinhardt.orm.migrations.exceptions import AmbiguityError

        try:
            found = loader.get_migration_by_prefix(app_label, name)
        except AmbiguityError:
            raise CommandError(
                f"More than one migration matches '{name}' in app '{app_label}'. Please be "
                "more specific."
            )
        except KeyError:
            raise CommandError(
                f"Cannot find a migration matching '{name}' from app '{app_label}'.")
        return found

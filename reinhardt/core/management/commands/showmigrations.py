"""``showmigrations``: which migrations exist and which are applied ([X]) or not ([ ])."""

from __future__ import annotations

import sys
from typing import Any

from reinhardt.apps import apps
from reinhardt.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Shows all available migrations for the current project"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "app_label", nargs="*", help="Only show these apps.",
        )
        parser.add_argument(
            "--database", default="default",
            help="Database alias whose applied migrations are shown (default: default).",
        )
        formats = parser.add_mutually_exclusive_group()
        formats.add_argument(
            "--list", "-l", action="store_const", dest="format", const="list",
            help="Per app, each migration with [X] when applied (-v 2 adds when it was "
                 "applied).",
        )
        formats.add_argument(
            "--plan", "-p", action="store_const", dest="format", const="plan",
            help="One list in the order migrations run, [X] when applied (-v 2 adds each "
                 "migration's dependencies).",
        )
        parser.set_defaults(format="list")

    def handle(self, *args: Any, **options: Any) -> None:
        from reinhardt.orm import connections

        self.verbosity = options["verbosity"]
        connection = connections[options["database"]]
        if options["format"] == "plan":
            return self.show_plan(connection, options["app_label"])
        return self.show_list(connection, options["app_label"])

    def _validate_app_names(self, loader, app_names) -> None:
        has_bad_names = False
        for app_name in app_names:
            try:
                apps.get_app_config(app_name)
            except LookupError as err:
                self.stderr.write(str(err))
                has_bad_names = True
        if has_bad_names:
            sys.exit(2)

    def show_list(self, connection, app_names=None) -> None:
        """Each app's migrations in order, marked [X] applied, [ ] not, [-] partly
        (a squashed migration whose replaced migrations are not all recorded)."""
        from reinhardt.orm.migrations.loader import MigrationLoader
        from reinhardt.orm.migrations.recorder import MigrationRecorder

        loader = MigrationLoader(connection, ignore_no_migrations=True)
        recorded = MigrationRecorder(connection).applied_migrations()
        graph = loader.graph
        if app_names:
            self._validate_app_names(loader, app_names)
        else:
            app_names = sorted(loader.migrated_apps)
        for app_name in app_names:
            self.stdout.write(app_name, self.style.MIGRATE_LABEL)
            shown = set()
            for node in graph.leaf_nodes(app_name):
                for plan_node in graph.forwards_plan(node):
                    if plan_node in shown or plan_node[0] != app_name:
                        continue
                    title = plan_node[1]
                    if graph.nodes[plan_node].replaces:
                        title += f" ({len(graph.nodes[plan_node].replaces)} squashed migrations)"
                    applied = loader.applied_migrations.get(plan_node)
                    if applied:
                        if plan_node in recorded:
                            output = f" [X] {title}"
                            if self.verbosity >= 2 and hasattr(applied, "applied"):
                                output += (
                                    f" (applied at "
                                    f"{applied.applied.strftime('%Y-%m-%d %H:%M:%S')})"
                                )
                            self.stdout.write(output)
                        else:
                            self.stdout.write(
                                f" [-] {title} Run 'manage.py migrate' to finish recording."
                            )
                    else:
                        self.stdout.write(f" [ ] {title}")
                    shown.add(plan_node)
            if not shown:
                self.stdout.write(" (no migrations)", self.style.ERROR)

    def show_plan(self, connection, app_names=None) -> None:
        """All migrations in the order migrate would apply them."""
        from reinhardt.orm.migrations.loader import MigrationLoader

        loader = MigrationLoader(connection)
        graph = loader.graph
        if app_names:
            self._validate_app_names(loader, app_names)
            targets = [key for key in graph.leaf_nodes() if key[0] in app_names]
        else:
            targets = graph.leaf_nodes()
        plan = []
        seen = set()
        for target in targets:
            for migration in graph.forwards_plan(target):
                if migration not in seen:
                    plan.append(graph.node_map[migration])
                    seen.add(migration)

        def dependencies_of(node) -> str:
            parents = [f"{key[0]}.{key[1]}" for key in sorted(p.key for p in node.parents)]
            return f" ... ({', '.join(parents)})" if parents else ""

        for node in plan:
            deps = dependencies_of(node) if self.verbosity >= 2 else ""
            mark = "[X]" if node.key in loader.applied_migrations else "[ ]"
            self.stdout.write(f"{mark}  {node.key[0]}.{node.key[1]}{deps}")
        if not plan:
            self.stdout.write("(no migrations)", self.style.ERROR)

"""``datastore_indexes``: write the index.yaml a project's Datastore queries need.

Combines the composite indexes implied by the models (multi-field Meta.ordering and
Meta.indexes) with those recorded while queries ran (the database's OPTIONS["INDEX_LOG"]
file, filled by the Datastore backend, e.g. during a test run). Deploy the result with
``gcloud datastore indexes create index.yaml``.
"""

from __future__ import annotations

import os

from reinhardt.core.management.base import BaseCommand, CommandError
from reinhardt.orm import connections, router


class Command(BaseCommand):
    help = "Writes the index.yaml that the project's Datastore queries need."

    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default",
                            help="The Datastore database alias (default: default).")
        parser.add_argument("--log", action="append", default=[],
                            help="A recorded index log to include (default: OPTIONS['INDEX_LOG']).")
        parser.add_argument("--output", "-o", default="-",
                            help="Where to write index.yaml ('-' for standard output).")

    def handle(self, *args, **options):
        from reinhardt.apps import apps

        alias = options["database"]
        connection = connections[alias]
        if connection.vendor != "datastore":
            raise CommandError(
                f"Database '{alias}' uses {connection.display_name}, not the Datastore backend.")
        from reinhardt.backends.datastore import indexes

        models = [m for m in apps.get_models() if router.allow_migrate_model(alias, m)]
        found = indexes.from_models(models) | set(indexes.needed)
        logs = list(options["log"])
        default_log = (connection.settings_dict.get("OPTIONS") or {}).get("INDEX_LOG")
        if not logs and default_log and os.path.exists(default_log):
            logs.append(default_log)
        for path in logs:
            if not os.path.exists(path):
                raise CommandError(f"No index log at {path}.")
            found |= indexes.read_log(path)
        text = indexes.to_yaml(found)
        if options["output"] == "-":
            self.stdout.write(text, ending="")
        else:
            with open(options["output"], "w", encoding="utf-8") as f:
                f.write(text)

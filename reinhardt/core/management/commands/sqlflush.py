"""``sqlflush``: print the SQL that ``flush`` would run."""

from __future__ import annotations

from typing import Any

from reinhardt.core.management.base import BaseCommand, CommandParser
from reinhardt.core.management.sql import sql_flush


class Command(BaseCommand):
    help = "Print the SQL that flush would run to empty the tables."
    output_transaction = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database", default="default",
            help="Database alias to write the SQL for (default: default).",
        )

    def handle(self, **options: Any) -> str:
        from reinhardt.orm import connections

        sql_statements = sql_flush(self.style, connections[options["database"]])
        if not sql_statements and options["verbosity"] >= 1:
            self.stderr.write("No tables found.")
        return "\n".join(sql_statements)

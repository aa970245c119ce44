"""``flush``: delete every row of every table of the installed models (schema stays)."""

from __future__ import annotations

from typing import Any

from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser
from reinhardt.core.management.color import no_style
from reinhardt.core.management.sql import emit_post_migrate_signal, sql_flush


class Command(BaseCommand):
    help = (
        "Delete every row of every table the project's models own, including rows that data "
        "migrations created; the schema stays as it is."
    )
    stealth_options = ("reset_sequences", "allow_cascade", "inhibit_post_migrate")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Never ask questions; take the default answer (or fail when there is none).",
        )
        parser.add_argument(
            "--database", default="default",
            help="Database alias to empty (default: default).",
        )

    def handle(self, **options: Any) -> None:
        from reinhardt.orm import connections

        database = options["database"]
        connection = connections[database]
        verbosity = options["verbosity"]
        interactive = options["interactive"]
        reset_sequences = options.get("reset_sequences", True)
        allow_cascade = options.get("allow_cascade", False)
        inhibit_post_migrate = options.get("inhibit_post_migrate", False)
        sql_list = sql_flush(no_style(), connection, reset_sequences=reset_sequences,
                             allow_cascade=allow_cascade)
        if interactive:
            confirm = input(
                "You have requested a flush of the database.\n"
                "This will IRREVERSIBLY DESTROY all data currently in the "
                f"\"{connection.settings_dict['NAME']}\" database,\n"
                "and return each table to an empty state.\n"
                "Are you sure you want to do this?\n\n"
                "    Type 'yes' to continue, or 'no' to cancel: "
            )
        else:
            confirm = "yes"
        if confirm != "yes":
            self.stdout.write("Flush cancelled.")
            return
        try:
            connection.ops.execute_sql_flush(sql_list)
        except Exception as exc:
            raise CommandError(
                f"Database {connection.settings_dict['NAME']} couldn't be flushed. Possible "
                "reasons:\n  * The database isn't running or isn't configured correctly.\n"
                "  * At least one of the expected database tables doesn't exist.\n"
                "  * The SQL was invalid.\nHint: Look at the output of 'manage.py sqlflush'. "
                "That's the SQL this command wasn't able to run."
            ) from exc
        if sql_list and not inhibit_post_migrate:
            emit_post_migrate_signal(verbosity, interactive, database)

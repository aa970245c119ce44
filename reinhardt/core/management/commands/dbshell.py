"""``dbshell``: open the database's own command-line client with the project's settings."""

from __future__ import annotations

import subprocess
from typing import Any

from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Open the database's own command-line client (psql, mysql, sqlite3) with the "
        "connection settings of an alias."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database", default="default",
            help="Database alias to connect to (default: default).",
        )
        parameters = parser.add_argument_group("parameters", prefix_chars="--")
        parameters.add_argument("parameters", nargs="*")

    def handle(self, **options: Any) -> None:
        from reinhardt.orm import connections

        connection = connections[options["database"]]
        client = getattr(connection, "client", None)
        if client is None:
            raise CommandError(
                f"The {connection.vendor} backend has no command-line client support."
            )
        try:
            client.runshell(options["parameters"])
        except FileNotFoundError:
            # The client program is not installed or not on PATH.
            raise CommandError(
                f"You appear not to have the {client.executable_name!r} program installed or "
                "on your path."
            )
        except subprocess.CalledProcessError as e:
            raise CommandError(
                '"{}" returned non-zero exit status {}.'.format(" ".join(map(str, e.cmd)),
                                                               e.returncode),
                returncode=e.returncode,
            )

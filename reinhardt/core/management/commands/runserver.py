"""``runserver``: the development server, from ``reinhardt.web.server``.

This command only reads the options, runs the checks and hands over to
``reinhardt.web.server.run_server`` (which does the serving and the autoreloading).
"""

from __future__ import annotations

import os
from typing import Any

from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser

# Set by the autoreloader in the process it restarts; checks run there, not in the parent.
RELOADER_CHILD_FLAG = "REINHARDT_AUTORELOAD_CHILD"


class Command(BaseCommand):
    help = "Starts a lightweight web server for development."

    # Checks run in the serving process, where code changes are picked up.
    requires_system_checks: list = []
    stealth_options = ("shutdown_message",)
    suppressed_base_arguments = {"--verbosity", "--traceback"}

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport", nargs="?", help="Optional port number, or ipaddr:port",
        )
        parser.add_argument(
            "--ipv6", "-6", action="store_true", dest="use_ipv6",
            help="Tells reinhardt to use an IPv6 address.",
        )
        parser.add_argument(
            "--nothreading", action="store_false", dest="use_threading",
            help="Tells reinhardt to NOT use threading.",
        )
        parser.add_argument(
            "--noreload", action="store_false", dest="use_reloader",
            help="Tells reinhardt to NOT use the auto-reloader.",
        )
        parser.add_argument(
            "--nostatic", action="store_false", dest="use_static_handler",
            help="Tells reinhardt to NOT automatically serve static files at STATIC_URL.",
        )
        parser.add_argument(
            "--insecure", action="store_true", dest="insecure_serving",
            help="Serve static files also with DEBUG = False (development only).",
        )
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from reinhardt.web.server import run_server
        except ImportError as exc:
            raise CommandError(
                f"The development server is part of reinhardt.web, which could not be "
                f"imported ({exc})."
            )
        in_child = os.environ.get(RELOADER_CHILD_FLAG) == "true"
        if not options["skip_checks"] and (in_child or not options["use_reloader"]):
            self.stdout.write("Performing system checks...\n\n")
            self.check(display_num_errors=True)
            self.check_migrations()
        try:
            run_server(
                options["addrport"],
                use_reloader=options["use_reloader"],
                use_threading=options["use_threading"],
                use_static_handler=options["use_static_handler"],
                insecure_serving=options["insecure_serving"],
                ipv6=options["use_ipv6"],
            )
        except ValueError as exc:
            raise CommandError(str(exc))

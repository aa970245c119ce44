"""``check``: run the system checks and report what they find."""

from __future__ import annotations

from typing import Any

from reinhardt.apps import apps
from reinhardt.core import checks
from reinhardt.core.checks.registry import registry
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Checks the entire reinhardt project for potential problems."

    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", metavar="app_label", nargs="*")
        parser.add_argument(
            "--tag", "-t", action="append", dest="tags",
            help="Run only checks labeled with given tag.",
        )
        parser.add_argument(
            "--list-tags", action="store_true", help="List available tags.",
        )
        parser.add_argument(
            "--deploy", action="store_true", help="Check deployment settings.",
        )
        parser.add_argument(
            "--fail-level", default="ERROR",
            choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
            help="Lowest message level that makes the command fail (default: ERROR).",
        )
        parser.add_argument(
            "--database", action="append", dest="databases",
            help="Run database related checks against these aliases.",
        )

    def handle(self, *app_labels: str, **options: Any) -> None:
        include_deployment_checks = options["deploy"]
        if options["list_tags"]:
            self.stdout.write(
                "\n".join(sorted(registry.tags_available(include_deployment_checks)))
            )
            return

        if app_labels:
            try:
                app_configs = [apps.get_app_config(label) for label in app_labels]
            except LookupError as e:
                raise CommandError(str(e))
        else:
            app_configs = None

        tags = options["tags"]
        if tags:
            invalid_tag = next(
                (tag for tag in tags
                 if not checks.tag_exists(tag, include_deployment_checks)),
                None,
            )
            if invalid_tag is not None:
                raise CommandError(f'There is no system check with the "{invalid_tag}" tag.')

        self.check(
            app_configs=app_configs,
            tags=tags,
            display_num_errors=True,
            include_deployment_checks=include_deployment_checks,
            fail_level=getattr(checks, options["fail_level"]),
            databases=options["databases"],
        )

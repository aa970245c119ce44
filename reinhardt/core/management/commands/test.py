"""``test``: discover and run the project's tests with the TEST_RUNNER (unittest-based by
default; see reinhardt.test.runner)."""

from __future__ import annotations

import sys
from typing import Any

from reinhardt.conf import settings
from reinhardt.core.management.base import BaseCommand, CommandParser
from reinhardt.core.management.utils import get_command_line_option
from reinhardt.test.utils import get_runner


class Command(BaseCommand):
    help = ("Find and run the tests of the given modules (default: everything under the "
            "current directory).")

    # The test runner runs the checks itself, once the test databases exist.
    requires_system_checks: list = []
    test_runner: str | None = None

    def run_from_argv(self, argv: list[str]) -> None:
        # --testrunner decides which further options exist, so read it before parsing.
        self.test_runner = get_command_line_option(argv, "--testrunner")
        super().run_from_argv(argv)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "args", metavar="test_label", nargs="*",
            help="What to run: a module, module.TestCase or module.TestCase.test_method.",
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Never ask questions; take the default answer (or fail when there is none).",
        )
        parser.add_argument(
            "--testrunner",
            help="Tells reinhardt to use specified test runner class instead of the one "
                 "specified by the TEST_RUNNER setting.",
        )
        test_runner_class = get_runner(settings, self.test_runner)
        if hasattr(test_runner_class, "add_arguments"):
            test_runner_class.add_arguments(parser)

    def handle(self, *test_labels: str, **options: Any) -> None:
        TestRunner = get_runner(settings, options["testrunner"])
        test_runner = TestRunner(**options)
        failures = test_runner.run_tests(list(test_labels))
        if failures:
            sys.exit(1)

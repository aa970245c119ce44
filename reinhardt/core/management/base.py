"""The base classes of management commands: BaseCommand, AppCommand, LabelCommand.

A command is a class named ``Command`` in ``<app>/management/commands/<name>.py``. Its
options are declared with argparse in ``add_arguments()`` and arrive as keyword arguments
of ``handle()``, whether the command was run from the shell or through ``call_command()``.
"""

from __future__ import annotations

import argparse
import os
import sys
from argparse import ArgumentParser, HelpFormatter
from collections.abc import Callable
from functools import partial
from io import TextIOBase
from typing import Any

import reinhardt
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.core.management.color import color_style, no_style

ALL_CHECKS = "__all__"


class CommandError(Exception):
    """A problem that stops a command; reported as one line without a traceback.

    ``returncode`` is the process exit status when the command runs from the shell.
    """

    def __init__(self, *args: Any, returncode: int = 1, **kwargs: Any):
        self.returncode = returncode
        super().__init__(*args, **kwargs)


class SystemCheckError(CommandError):
    """The system checks found a problem serious enough to stop the command."""


class CommandParser(ArgumentParser):
    """An ArgumentParser that raises CommandError instead of exiting under call_command()."""

    def __init__(self, *, missing_args_message: str | None = None,
                 called_from_command_line: bool | None = None, **kwargs: Any):
        self.missing_args_message = missing_args_message
        self.called_from_command_line = called_from_command_line
        super().__init__(**kwargs)

    def parse_args(self, args=None, namespace=None):
        if self.missing_args_message and not args:
            self.error(self.missing_args_message)
        return super().parse_args(args, namespace)

    def error(self, message: str):
        if self.called_from_command_line:
            super().error(message)
        else:
            raise CommandError(f"Error: {message}")

    def add_subparsers(self, **kwargs):
        parser_class = kwargs.get("parser_class", type(self))
        if issubclass(parser_class, CommandParser):
            kwargs["parser_class"] = partial(
                parser_class, called_from_command_line=self.called_from_command_line
            )
        return super().add_subparsers(**kwargs)


def handle_default_options(options: argparse.Namespace) -> None:
    """Apply --settings and --pythonpath before anything reads settings."""
    if options.settings:
        os.environ["REINHARDT_SETTINGS_MODULE"] = options.settings
    if options.pythonpath:
        sys.path.insert(0, options.pythonpath)


def no_translations(handle_func: Callable) -> Callable:
    """Run the decorated ``handle()`` with translations deactivated."""

    def wrapper(*args, **kwargs):
        from reinhardt.utils import translation

        saved_locale = translation.get_language()
        translation.deactivate_all()
        try:
            return handle_func(*args, **kwargs)
        finally:
            if saved_locale is not None:
                translation.activate(saved_locale)

    return wrapper


class ReinhardtHelpFormatter(HelpFormatter):
    """List a command's own options before the options every command shares."""

    show_last = {
        "--version", "--verbosity", "--traceback", "--settings", "--pythonpath",
        "--no-color", "--force-color", "--skip-checks",
    }

    def _reordered_actions(self, actions):
        return sorted(actions, key=lambda a: set(a.option_strings) & self.show_last != set())

    def add_usage(self, usage, actions, *args, **kwargs):
        super().add_usage(usage, self._reordered_actions(actions), *args, **kwargs)

    def add_arguments(self, actions):
        super().add_arguments(self._reordered_actions(actions))


class OutputWrapper(TextIOBase):
    """A stream wrapper that adds the line ending and styles text only on a terminal."""

    def __init__(self, out, ending: str = "\n"):
        self._out = out
        self.style_func = None
        self.ending = ending

    @property
    def style_func(self):
        return self._style_func

    @style_func.setter
    def style_func(self, style_func):
        if style_func and self.isatty():
            self._style_func = style_func
        else:
            self._style_func = lambda x: x

    def __getattr__(self, name):
        return getattr(self._out, name)

    def flush(self) -> None:
        if hasattr(self._out, "flush"):
            self._out.flush()

    def isatty(self) -> bool:
        return hasattr(self._out, "isatty") and self._out.isatty()

    def write(self, msg: str = "", style_func: Callable | None = None,
              ending: str | None = None) -> None:
        ending = self.ending if ending is None else ending
        if ending and not msg.endswith(ending):
            msg += ending
        style_func = style_func or self.style_func
        self._out.write(style_func(msg))


class BaseCommand:
    """The class every management command derives from.

    Subclasses set ``help``, declare options in ``add_arguments()`` and do their work in
    ``handle()``; raising CommandError there prints the message and exits with status 1.
    """

    help: str = ""
    # Wrap the SQL that handle() returns in BEGIN/COMMIT.
    output_transaction: bool = False
    # Warn when migrations on disk are not applied to the database.
    requires_migrations_checks: bool = False
    # Which system check tags to run first: ALL_CHECKS, a list of tags, or [] for none.
    requires_system_checks: list | tuple | str = ALL_CHECKS
    base_stealth_options: tuple = ("stderr", "stdout")
    stealth_options: tuple = ()
    suppressed_base_arguments: set = set()

    def __init__(self, stdout=None, stderr=None, no_color: bool = False,
                 force_color: bool = False):
        self.stdout = OutputWrapper(stdout or sys.stdout)
        self.stderr = OutputWrapper(stderr or sys.stderr)
        if no_color and force_color:
            raise CommandError("'no_color' and 'force_color' can't be used together.")
        if no_color:
            self.style = no_style()
        else:
            self.style = color_style(force_color)
            self.stderr.style_func = self.style.ERROR
        if (
            not isinstance(self.requires_system_checks, (list, tuple))
            and self.requires_system_checks != ALL_CHECKS
        ):
            raise TypeError("requires_system_checks must be a list or tuple.")

    def get_version(self) -> str:
        return reinhardt.__version__

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """The argument parser for this command, with the options every command shares."""
        kwargs.setdefault("formatter_class", ReinhardtHelpFormatter)
        parser = CommandParser(
            prog=f"{os.path.basename(prog_name)} {subcommand}",
            description=self.help or None,
            missing_args_message=getattr(self, "missing_args_message", None),
            called_from_command_line=getattr(self, "_called_from_command_line", None),
            **kwargs,
        )
        self.add_base_argument(
            parser, "--version", action="version", version=self.get_version(),
            help="Show program's version number and exit.",
        )
        self.add_base_argument(
            parser, "-v", "--verbosity", default=1, type=int, choices=[0, 1, 2, 3],
            help="How much to print: 0 errors only, 1 normal, 2 more detail, 3 everything.",
        )
        self.add_base_argument(
            parser, "--settings",
            help="Dotted path of the settings module (e.g. mysite.settings); default: "
                 "$REINHARDT_SETTINGS_MODULE.",
        )
        self.add_base_argument(
            parser, "--pythonpath",
            help="Directory put at the front of sys.path before settings are imported.",
        )
        self.add_base_argument(
            parser, "--traceback", action="store_true", help="Display a full stack trace on "
            "CommandError exceptions.",
        )
        self.add_base_argument(
            parser, "--no-color", action="store_true", help="Don't colorize the command output.",
        )
        self.add_base_argument(
            parser, "--force-color", action="store_true",
            help="Force colorization of the command output.",
        )
        if self.requires_system_checks:
            parser.add_argument(
                "--skip-checks", action="store_true", help="Skip system checks.",
            )
        self.add_arguments(parser)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        """Override to add this command's own arguments."""

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        """Add a shared option, hiding its help when the command suppresses it."""
        for arg in args:
            if arg in self.suppressed_base_arguments:
                kwargs["help"] = argparse.SUPPRESS
                break
        parser.add_argument(*args, **kwargs)

    def print_help(self, prog_name: str, subcommand: str) -> None:
        parser = self.create_parser(prog_name, subcommand)
        parser.print_help()

    def run_from_argv(self, argv: list[str]) -> None:
        """Run the command from the shell: parse ``argv``, report CommandError, then exit."""
        self._called_from_command_line = True
        parser = self.create_parser(argv[0], argv[1])
        options = parser.parse_args(argv[2:])
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        handle_default_options(options)
        try:
            self.execute(*args, **cmd_options)
        except CommandError as e:
            if options.traceback:
                raise
            if isinstance(e, SystemCheckError):
                self.stderr.write(str(e), lambda x: x)
            else:
                self.stderr.write(f"{type(e).__name__}: {e}")
            sys.exit(e.returncode)
        finally:
            _close_connections()

    def execute(self, *args: Any, **options: Any) -> Any:
        """Run system checks and migration checks as configured, then ``handle()``."""
        if options.get("force_color") and options.get("no_color"):
            raise CommandError("The --no-color and --force-color options can't be used together.")
        if options.get("no_color"):
            self.style = no_style()
            self.stderr.style_func = None
        elif options.get("force_color"):
            self.style = color_style(force_color=True)
        if options.get("stdout"):
            self.stdout = OutputWrapper(options["stdout"])
        if options.get("stderr"):
            self.stderr = OutputWrapper(options["stderr"])

        if self.requires_system_checks and not options.get("skip_checks"):
            if self.requires_system_checks == ALL_CHECKS:
                self.check()
            else:
                self.check(tags=self.requires_system_checks)
        if self.requires_migrations_checks:
            self.check_migrations()
        output = self.handle(*args, **options)
        if output:
            if self.output_transaction:
                from reinhardt.orm import DEFAULT_DB_ALIAS, connections

                connection = connections[options.get("database", DEFAULT_DB_ALIAS)]
                start = connection.ops.start_transaction_sql()
                end = connection.ops.end_transaction_sql()
                output = (
                    f"{self.style.SQL_KEYWORD(start)}\n{output}\n{self.style.SQL_KEYWORD(end)}"
                )
            self.stdout.write(output)
        return output

    def check(self, app_configs=None, tags=None, display_num_errors: bool = False,
              include_deployment_checks: bool = False, fail_level=None,
              databases=None) -> None:
        """Run the system checks; print what they find and raise SystemCheckError on errors."""
        from reinhardt.core import checks

        if fail_level is None:
            fail_level = checks.ERROR
        all_issues = checks.run_checks(
            app_configs=app_configs, tags=tags, include_deployment_checks=include_deployment_checks,
            databases=databases,
        )
        header, body, footer = "", "", ""
        visible_issue_count = 0
        if all_issues:
            debugs = [e for e in all_issues if e.level < checks.INFO and not e.is_silenced()]
            infos = [e for e in all_issues
                     if checks.INFO <= e.level < checks.WARNING and not e.is_silenced()]
            warnings = [e for e in all_issues
                        if checks.WARNING <= e.level < checks.ERROR and not e.is_silenced()]
            errors = [e for e in all_issues
                      if checks.ERROR <= e.level < checks.CRITICAL and not e.is_silenced()]
            criticals = [e for e in all_issues
                         if checks.CRITICAL <= e.level and not e.is_silenced()]
            sorted_issues = [
                (criticals, "CRITICALS"), (errors, "ERRORS"), (warnings, "WARNINGS"),
                (infos, "INFOS"), (debugs, "DEBUGS"),
            ]
            for issues, group_name in sorted_issues:
                if issues:
                    visible_issue_count += len(issues)
                    formatted = (
                        self.style.ERROR(str(e)) if e.is_serious() else self.style.WARNING(str(e))
                        for e in issues
                    )
                    body += "\n{}:\n{}\n".format(group_name, "\n".join(sorted(formatted)))
        if visible_issue_count:
            header = "System check identified some issues:\n"
        if display_num_errors:
            if visible_issue_count:
                footer += "\n"
            silenced = len(all_issues) - visible_issue_count
            if visible_issue_count == 0:
                footer += f"System check identified no issues ({silenced} silenced)."
            else:
                noun = "issue" if visible_issue_count == 1 else "issues"
                footer += (
                    f"System check identified {visible_issue_count} {noun} ({silenced} silenced)."
                )
        if any(e.is_serious(fail_level) and not e.is_silenced() for e in all_issues):
            msg = self.style.ERROR("SystemCheckError: " + header) + body + footer
            raise SystemCheckError(msg)
        msg = header + body + footer
        if msg:
            if visible_issue_count:
                self.stderr.write(msg, lambda x: x)
            else:
                self.stdout.write(msg)

    def check_migrations(self) -> None:
        """Print a notice when the default database lacks migrations found on disk."""
        from reinhardt.orm import DEFAULT_DB_ALIAS, connections
        from reinhardt.orm.migrations.executor import MigrationExecutor

        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        except ImproperlyConfigured:
            # No databases are configured (or the dummy one).
            return
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            apps_waiting = sorted({migration.app_label for migration, _ in plan})
            count = len(plan)
            self.stdout.write(
                self.style.NOTICE(
                    f"\nYou have {count} unapplied migration(s). Your project may not work "
                    "properly until you apply the migrations for app(s): "
                    f"{', '.join(apps_waiting)}."
                )
            )
            self.stdout.write(self.style.NOTICE("Run 'python manage.py migrate' to apply them."))

    def handle(self, *args: Any, **options: Any) -> str | None:
        """Do the command's work; may return text to print (SQL for output_transaction)."""
        raise NotImplementedError(
            "subclasses of BaseCommand must provide a handle() method"
        )


class AppCommand(BaseCommand):
    """A command that takes one or more installed app labels and handles each app."""

    missing_args_message = "Enter at least one application label."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", metavar="app_label", nargs="+",
                            help="One or more application label.")

    def handle(self, *app_labels: str, **options: Any) -> str | None:
        from reinhardt.apps import apps

        try:
            app_configs = [apps.get_app_config(label) for label in app_labels]
        except (LookupError, ImportError) as e:
            raise CommandError(f"{e}. Are you sure your INSTALLED_APPS setting is correct?")
        output = []
        for app_config in app_configs:
            app_output = self.handle_app_config(app_config, **options)
            if app_output:
                output.append(app_output)
        return "\n".join(output)

    def handle_app_config(self, app_config, **options: Any) -> str | None:
        raise NotImplementedError(
            "Subclasses of AppCommand must provide a handle_app_config() method."
        )


class LabelCommand(BaseCommand):
    """A command that takes one or more arbitrary labels and handles each."""

    label = "label"
    missing_args_message = "Enter at least one %s."

    def __init__(self, *args: Any, **kwargs: Any):
        self.missing_args_message = self.missing_args_message % self.label
        super().__init__(*args, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", metavar=self.label, nargs="+")

    def handle(self, *labels: str, **options: Any) -> str | None:
        output = []
        for label in labels:
            label_output = self.handle_label(label, **options)
            if label_output:
                output.append(label_output)
        return "\n".join(output)

    def handle_label(self, label: str, **options: Any) -> str | None:
        raise NotImplementedError(
            "subclasses of LabelCommand must provide a handle_label() method"
        )


def _close_connections() -> None:
    """Close database connections a command opened, if the ORM is in use."""
    orm = sys.modules.get("reinhardt.orm")
    connections = getattr(orm, "connections", None) if orm else None
    if connections is None:
        return
    try:
        connections.close_all()
    except ImproperlyConfigured:
        pass


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
from functools import partial, wraps
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
        if not args and self.missing_args_message:
            self.error(self.missing_args_message)
        return super().parse_args(args, namespace)

    def error(self, message: str):
        if not self.called_from_command_line:
            raise CommandError(f"Error: {message}")
        super().error(message)  # prints usage and exits, as a shell user expects

    def add_subparsers(self, **kwargs):
        # Sub-parsers behave like their parent: exit in the shell, raise under call_command().
        chosen = kwargs.get("parser_class", type(self))
        if issubclass(chosen, CommandParser):
            kwargs["parser_class"] = partial(
                chosen, called_from_command_line=self.called_from_command_line
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

    @wraps(handle_func)
    def untranslated(*args, **kwargs):
        from reinhardt.utils import translation

        active = translation.get_language()
        translation.deactivate_all()
        try:
            return handle_func(*args, **kwargs)
        finally:
            if active is not None:
                translation.activate(active)

    return untranslated


# The options every command shares; the help lists them after the command's own.
_SHARED_OPTIONS = (
    ("--version",),
    ("-v", "--verbosity"),
    ("--settings",),
    ("--pythonpath",),
    ("--traceback",),
    ("--no-color",),
    ("--force-color",),
)


class ReinhardtHelpFormatter(HelpFormatter):
    """List a command's own options before the options every command shares."""

    show_last = {name for names in _SHARED_OPTIONS for name in names if name.startswith("--")}
    show_last.add("--skip-checks")

    def _reordered_actions(self, actions):
        return sorted(actions, key=lambda action: not self.show_last.isdisjoint(
            action.option_strings))

    def add_usage(self, usage, actions, *args, **kwargs):
        super().add_usage(usage, self._reordered_actions(actions), *args, **kwargs)

    def add_arguments(self, actions):
        super().add_arguments(self._reordered_actions(actions))


def _unstyled(text: str) -> str:
    return text


class OutputWrapper(TextIOBase):
    """Wraps a command's stdout/stderr: adds the line ending, and styles text only when the
    stream is a terminal."""

    def __init__(self, out, ending: str = "\n"):
        self._out = out
        self.ending = ending
        self.style_func = None

    @property
    def style_func(self):
        return self._style_func

    @style_func.setter
    def style_func(self, style_func):
        self._style_func = style_func if style_func and self.isatty() else _unstyled

    def __getattr__(self, name):
        return getattr(self._out, name)

    def flush(self) -> None:
        flush = getattr(self._out, "flush", None)
        if flush is not None:
            flush()

    def isatty(self) -> bool:
        isatty = getattr(self._out, "isatty", None)
        return bool(isatty and isatty())

    def write(self, msg: str = "", style_func: Callable | None = None,
              ending: str | None = None) -> None:
        end = self.ending if ending is None else ending
        if end and not msg.endswith(end):
            msg += end
        self._out.write((style_func or self.style_func)(msg))


# System check levels, most serious first, with the heading each group gets.
def _check_groups(checks):
    return (
        ("CRITICALS", checks.CRITICAL, None),
        ("ERRORS", checks.ERROR, checks.CRITICAL),
        ("WARNINGS", checks.WARNING, checks.ERROR),
        ("INFOS", checks.INFO, checks.WARNING),
        ("DEBUGS", None, checks.INFO),
    )


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
        if no_color and force_color:
            raise CommandError("'no_color' and 'force_color' can't be used together.")
        checks_wanted = self.requires_system_checks
        if checks_wanted != ALL_CHECKS and not isinstance(checks_wanted, (list, tuple)):
            raise TypeError("requires_system_checks must be a list or tuple.")
        self.stdout = OutputWrapper(stdout or sys.stdout)
        self.stderr = OutputWrapper(stderr or sys.stderr)
        self.style = no_style() if no_color else color_style(force_color)
        if not no_color:
            self.stderr.style_func = self.style.ERROR

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
        for names, options in zip(_SHARED_OPTIONS, self._shared_option_settings()):
            self.add_base_argument(parser, *names, **options)
        if self.requires_system_checks:
            parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")
        self.add_arguments(parser)
        return parser

    def _shared_option_settings(self) -> list[dict]:
        flag = {"action": "store_true"}
        return [
            {"action": "version", "version": self.get_version(),
             "help": "Show program's version number and exit."},
            {"default": 1, "type": int, "choices": [0, 1, 2, 3],
             "help": "How much to print: 0 errors only, 1 normal, 2 more detail, 3 everything."},
            {"help": "Dotted path of the settings module (e.g. mysite.settings); default: "
                     "$REINHARDT_SETTINGS_MODULE."},
            {"help": "Directory put at the front of sys.path before settings are imported."},
            {**flag, "help": "Display a full stack trace on CommandError exceptions."},
            {**flag, "help": "Don't colorize the command output."},
            {**flag, "help": "Force colorization of the command output."},
        ]

    def add_arguments(self, parser: CommandParser) -> None:
        """Override to add this command's own arguments."""

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        """Add a shared option, hiding its help when the command suppresses it."""
        if not self.suppressed_base_arguments.isdisjoint(args):
            kwargs["help"] = argparse.SUPPRESS
        parser.add_argument(*args, **kwargs)

    def print_help(self, prog_name: str, subcommand: str) -> None:
        self.create_parser(prog_name, subcommand).print_help()

    def run_from_argv(self, argv: list[str]) -> None:
        """Run the command from the shell: parse ``argv``, report CommandError, then exit."""
        self._called_from_command_line = True
        namespace = self.create_parser(argv[0], argv[1]).parse_args(argv[2:])
        handle_default_options(namespace)
        options = vars(namespace)
        positional = options.pop("args", ())
        try:
            self.execute(*positional, **options)
        except CommandError as error:
            if namespace.traceback:
                raise
            # A system check report is already formatted; other errors get their class name.
            report = str(error) if isinstance(error, SystemCheckError) else (
                f"{type(error).__name__}: {error}")
            self.stderr.write(report, _unstyled if isinstance(error, SystemCheckError) else None)
            sys.exit(error.returncode)
        finally:
            _close_connections()

    def execute(self, *args: Any, **options: Any) -> Any:
        """Run system checks and migration checks as configured, then ``handle()``."""
        self._apply_output_options(options)
        if self.requires_system_checks and not options.get("skip_checks"):
            wanted = self.requires_system_checks
            self.check(tags=None if wanted == ALL_CHECKS else wanted)
        if self.requires_migrations_checks:
            self.check_migrations()
        output = self.handle(*args, **options)
        if output:
            if self.output_transaction:
                output = self._in_transaction(output, options.get("database"))
            self.stdout.write(output)
        return output

    def _apply_output_options(self, options: dict) -> None:
        no_color, force_color = options.get("no_color"), options.get("force_color")
        if no_color and force_color:
            raise CommandError("The --no-color and --force-color options can't be used together.")
        if no_color:
            self.style = no_style()
            self.stderr.style_func = None
        elif force_color:
            self.style = color_style(force_color=True)
        for stream in ("stdout", "stderr"):
            if options.get(stream):
                setattr(self, stream, OutputWrapper(options[stream]))

    def _in_transaction(self, sql: str, database) -> str:
        """SQL output wrapped in the database's BEGIN ... COMMIT."""
        from reinhardt.orm import DEFAULT_DB_ALIAS, connections

        ops = connections[database or DEFAULT_DB_ALIAS].ops
        keyword = self.style.SQL_KEYWORD
        return "\n".join((keyword(ops.start_transaction_sql()), sql,
                          keyword(ops.end_transaction_sql())))

    def check(self, app_configs=None, tags=None, display_num_errors: bool = False,
              include_deployment_checks: bool = False, fail_level=None,
              databases=None) -> None:
        """Run the system checks; print what they find and raise SystemCheckError on errors."""
        from reinhardt.core import checks

        found = checks.run_checks(
            app_configs=app_configs, tags=tags, include_deployment_checks=include_deployment_checks,
            databases=databases,
        )
        shown = [issue for issue in found if not issue.is_silenced()]
        body = "".join(self._check_group(heading, shown, low, high)
                       for heading, low, high in _check_groups(checks))
        header = "System check identified some issues:\n" if shown else ""
        footer = ""
        if display_num_errors:
            silenced = len(found) - len(shown)
            if not shown:
                footer = f"System check identified no issues ({silenced} silenced)."
            else:
                noun = "issue" if len(shown) == 1 else "issues"
                footer = f"\nSystem check identified {len(shown)} {noun} ({silenced} silenced)."
        limit = checks.ERROR if fail_level is None else fail_level
        if any(issue.is_serious(limit) for issue in shown):
            raise SystemCheckError(self.style.ERROR("SystemCheckError: " + header) + body + footer)
        report = header + body + footer
        if report and shown:
            self.stderr.write(report, _unstyled)
        elif report:
            self.stdout.write(report)

    def _check_group(self, heading: str, issues, low, high) -> str:
        """One level's part of the check report ("\nERRORS:\n..."), sorted."""
        members = [issue for issue in issues
                   if (low is None or issue.level >= low) and (high is None or issue.level < high)]
        if not members:
            return ""
        lines = sorted(
            (self.style.ERROR if issue.is_serious() else self.style.WARNING)(str(issue))
            for issue in members
        )
        return f"\n{heading}:\n" + "\n".join(lines) + "\n"

    def check_migrations(self) -> None:
        """Print a notice when the default database lacks migrations found on disk."""
        from reinhardt.orm import DEFAULT_DB_ALIAS, connections
        from reinhardt.orm.migrations.executor import MigrationExecutor

        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        except ImproperlyConfigured:
            return  # no database configured
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan:
            return
        waiting = ", ".join(sorted({migration.app_label for migration, _backwards in plan}))
        notice = self.style.NOTICE
        self.stdout.write(notice(
            f"\nYou have {len(plan)} unapplied migration(s). Your project may not work "
            f"properly until you apply the migrations for app(s): {waiting}."
        ))
        self.stdout.write(notice("Run 'python manage.py migrate' to apply them."))

    def handle(self, *args: Any, **options: Any) -> str | None:
        """Do the command's work; may return text to print (SQL for output_transaction)."""
        raise NotImplementedError("subclasses of BaseCommand must provide a handle() method")


def _joined_outputs(outputs) -> str:
    return "\n".join(output for output in outputs if output)


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
        return _joined_outputs(self.handle_app_config(config, **options) for config in app_configs)

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
        return _joined_outputs(self.handle_label(label, **options) for label in labels)

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


"""Running management commands: ``reinhardt-admin``, ``manage.py`` and ``call_command()``.

Commands are found in ``reinhardt/core/management/commands/`` and in the
``management/commands/`` package of every installed app; a later app in INSTALLED_APPS
loses to an earlier one, and any app wins over the core command of the same name.
"""

from __future__ import annotations

import argparse
import functools
import os
import pkgutil
import sys
from argparse import SUPPRESS, _AppendConstAction, _CountAction, _StoreConstAction
from collections import defaultdict
from difflib import get_close_matches
from importlib import import_module
from typing import Any

import reinhardt
from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    handle_default_options,
)
from reinhardt.core.management.color import color_style

__all__ = [
    "BaseCommand", "CommandError", "CommandParser", "ManagementUtility", "call_command",
    "execute_from_command_line", "find_commands", "get_commands", "load_command_class",
]


def find_commands(management_dir: str) -> list[str]:
    """The command names (modules not starting with ``_``) in ``management_dir/commands``."""
    command_dir = os.path.join(management_dir, "commands")
    return [
        name
        for _, name, is_pkg in pkgutil.iter_modules([command_dir])
        if not is_pkg and not name.startswith("_")
    ]


def load_command_class(app_name: str, name: str) -> BaseCommand:
    """Import ``<app_name>.management.commands.<name>`` and instantiate its Command."""
    module = import_module(f"{app_name}.management.commands.{name}")
    return module.Command()


@functools.cache
def get_commands() -> dict[str, str]:
    """Map every available command name to the app (module path) that provides it.

    Only the core commands are listed when settings are not configured.
    """
    commands = {name: "reinhardt.core" for name in find_commands(__path__[0])}
    if not settings.configured:
        return commands
    for app_config in reversed(apps.get_app_configs()):
        path = os.path.join(app_config.path, "management")
        commands.update({name: app_config.name for name in find_commands(path)})
    return commands


def _command_for(name_or_command) -> tuple[BaseCommand, str]:
    if isinstance(name_or_command, BaseCommand):
        return name_or_command, type(name_or_command).__module__.rpartition(".")[2]
    provider = get_commands().get(name_or_command)
    if provider is None:
        raise CommandError(f"Unknown command: {name_or_command!r}")
    if isinstance(provider, BaseCommand):
        return provider, name_or_command
    return load_command_class(provider, name_or_command), name_or_command


def _every_action(parser):
    """The parser's actions, those of its sub-parsers included."""
    for action in parser._actions:
        sub_parsers = getattr(action, "_name_parser_map", None)
        if sub_parsers is None:
            yield action
        else:
            for sub_parser in sub_parsers.values():
                yield from _every_action(sub_parser)


def _as_argv(values) -> list[str]:
    """Command-line words for a value (a list or tuple gives one word per item)."""
    items = values if isinstance(values, (list, tuple)) else [values]
    return [str(item) for item in items]


def _required_argv(parser, actions, options, dest_of, by_dest) -> list[str]:
    """Required options passed as keywords, written as command-line words: the parser checks
    required options itself, so they must reach it."""
    in_required_groups = {
        action for group in parser._mutually_exclusive_groups if group.required
        for action in group._group_actions
    }
    words = []
    for action in actions:
        if action.dest not in options:
            continue
        if not (action.required or action in in_required_groups):
            continue
        if list(dest_of.values()).count(action.dest) > 1:
            raise TypeError(
                f"Cannot pass the dest {action.dest!r} that matches multiple arguments via "
                "**options."
            )
        words.append(min(action.option_strings))
        if not isinstance(action, (_AppendConstAction, _CountAction, _StoreConstAction)):
            words += _as_argv(by_dest[action.dest])
    return words


def call_command(command_name: str | BaseCommand, *args: Any, **options: Any) -> Any:
    """Run a command from code, as ``manage.py`` would; return what ``handle()`` returns.

    Positional arguments and options are checked by the command's own parser, so a typo
    raises TypeError instead of being ignored. System checks are skipped unless
    ``skip_checks=False`` is passed.
    """
    command, name = _command_for(command_name)
    parser = command.create_parser("", name)
    # A keyword may name an option by its dest or by its first flag without dashes.
    dest_of = {
        min(action.option_strings).lstrip("-").replace("-", "_"): action.dest
        for action in parser._actions if action.option_strings
    }
    by_dest = {dest_of.get(key, key): value for key, value in options.items()}
    actions = list(_every_action(parser))

    known = {action.dest for action in actions}
    known |= set(command.base_stealth_options) | set(command.stealth_options) | set(dest_of)
    unknown = sorted(set(options) - known)
    argv = [word for arg in args for word in _as_argv(arg)]
    argv += _required_argv(parser, actions, options, dest_of, by_dest)
    parsed = {**vars(parser.parse_args(args=argv)), **by_dest}
    if unknown:
        raise TypeError(
            f"Unknown option(s) for {name} command: {', '.join(unknown)}. Valid options are: "
            f"{', '.join(sorted(known))}."
        )
    positional = parsed.pop("args", ())
    if "skip_checks" not in options:
        parsed["skip_checks"] = True  # call_command() skips checks unless asked
    return command.execute(*positional, **parsed)


class ManagementUtility:
    """What ``reinhardt-admin`` and ``manage.py`` run: pick the subcommand and run it."""

    def __init__(self, argv: list[str] | None = None):
        self.argv = argv or sys.argv[:]
        self.prog_name = os.path.basename(self.argv[0])
        if self.prog_name == "__main__.py":
            self.prog_name = "python -m reinhardt"
        self.settings_exception: Exception | None = None

    def main_help_text(self, commands_only: bool = False) -> str:
        """The list of commands grouped by app, as ``help`` prints it."""
        if commands_only:
            return "\n".join(sorted(get_commands())) + "\n"
        usage = [
            "",
            f"Type '{self.prog_name} help <subcommand>' for help on a specific subcommand.",
            "",
            "Available subcommands:",
        ]
        commands_dict = defaultdict(list)
        for name, app in get_commands().items():
            app = "reinhardt" if app == "reinhardt.core" else app.rpartition(".")[-1]
            commands_dict[app].append(name)
        style = color_style()
        for app in sorted(commands_dict):
            usage.append("")
            usage.append(style.NOTICE(f"[{app}]"))
            for name in sorted(commands_dict[app]):
                usage.append(f"    {name}")
        if self.settings_exception is not None:
            usage.append(
                style.NOTICE(
                    "Note that only reinhardt core commands are listed as settings are not "
                    f"properly configured (error: {self.settings_exception})."
                )
            )
        return "\n".join(usage)

    def fetch_command(self, subcommand: str) -> BaseCommand:
        """The command object for ``subcommand``; exit with a suggestion if there is none."""
        commands = get_commands()
        try:
            app_name = commands[subcommand]
        except KeyError:
            if os.environ.get("REINHARDT_SETTINGS_MODULE"):
                # Surface a broken settings module instead of "unknown command".
                settings.INSTALLED_APPS  # noqa: B018
            elif not settings.configured:
                sys.stderr.write("No Reinhardt settings specified.\n")
            possible_matches = get_close_matches(subcommand, commands)
            sys.stderr.write(f"Unknown command: {subcommand!r}")
            if possible_matches:
                sys.stderr.write(f". Did you mean {possible_matches[0]}?")
            sys.stderr.write(f"\nType '{self.prog_name} help' for usage.\n")
            sys.exit(1)
        if isinstance(app_name, BaseCommand):
            return app_name
        return load_command_class(app_name, subcommand)

    def execute(self) -> None:
        """Read --settings/--pythonpath, set reinhardt up and run the subcommand."""
        try:
            subcommand = self.argv[1]
        except IndexError:
            subcommand = "help"

        # A first pass that only looks for --settings and --pythonpath: they decide which
        # commands exist.
        parser = CommandParser(
            prog=self.prog_name,
            usage="%(prog)s subcommand [options] [args]",
            add_help=False,
            allow_abbrev=False,
        )
        parser.add_argument("--settings")
        parser.add_argument("--pythonpath")
        parser.add_argument("args", nargs="*")
        options, args = argparse.Namespace(settings=None, pythonpath=None, args=[]), []
        try:
            options, args = parser.parse_known_args(self.argv[2:])
            handle_default_options(options)
        except CommandError:
            pass  # Malformed options: the subcommand's own parser reports them.

        try:
            settings.INSTALLED_APPS  # noqa: B018
        except ImproperlyConfigured as exc:
            self.settings_exception = exc
        except ImportError as exc:
            self.settings_exception = exc

        if settings.configured:
            reinhardt.setup()

        self.autocomplete()

        if subcommand == "help":
            if "--commands" in args:
                sys.stdout.write(self.main_help_text(commands_only=True) + "\n")
            elif not options.args:
                sys.stdout.write(self.main_help_text() + "\n")
            else:
                self.fetch_command(options.args[0]).print_help(self.prog_name, options.args[0])
        elif subcommand == "version" or self.argv[1:] == ["--version"]:
            sys.stdout.write(reinhardt.__version__ + "\n")
        elif self.argv[1:] in (["--help"], ["-h"]):
            sys.stdout.write(self.main_help_text() + "\n")
        else:
            self.fetch_command(subcommand).run_from_argv(self.argv)

    def autocomplete(self) -> None:
        """Print completions for bash when REINHARDT_AUTO_COMPLETE is set, then exit."""
        if "REINHARDT_AUTO_COMPLETE" not in os.environ:
            return
        words = os.environ["COMP_WORDS"].split()[1:]
        position = int(os.environ["COMP_CWORD"])
        typed = words[position - 1] if 0 < position <= len(words) else ""
        names = [*get_commands(), "help"]
        if position == 1:
            print(" ".join(sorted(name for name in names if name.startswith(typed))))
        elif words[0] in names and words[0] != "help":
            for line in self._option_completions(words[0], words[1:position - 1], typed):
                print(line)
        sys.exit(0)

    def _option_completions(self, subcommand: str, earlier: list[str], typed: str):
        """The subcommand's visible options not given yet that start with ``typed``
        ("--name=" for options that take a value)."""
        parser = self.fetch_command(subcommand).create_parser("", subcommand)
        used = {word.split("=")[0] for word in earlier}
        offered = sorted(
            (min(action.option_strings), action.nargs != 0)
            for action in parser._actions
            if action.option_strings and action.help != SUPPRESS
        )
        return [
            flag + ("=" if takes_value else "")
            for flag, takes_value in offered
            if flag not in used and flag.startswith(typed)
        ]


def execute_from_command_line(argv: list[str] | None = None) -> None:
    """Run a management command from the command line (the ``reinhardt-admin`` script)."""
    utility = ManagementUtility(argv)
    utility.execute()

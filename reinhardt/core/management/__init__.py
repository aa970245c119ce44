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


def call_command(command_name: str | BaseCommand, *args: Any, **options: Any) -> Any:
    """Run a command from code, as ``manage.py`` would; return what ``handle()`` returns.

    Positional arguments and options are checked by the command's own parser, so a typo
    raises TypeError instead of being ignored. System checks are skipped unless
    ``skip_checks=False`` is passed.
    """
    if isinstance(command_name, BaseCommand):
        command = command_name
        command_name = command.__class__.__module__.split(".")[-1]
    else:
        try:
            app_name = get_commands()[command_name]
        except KeyError:
            raise CommandError(f"Unknown command: {command_name!r}")
        if isinstance(app_name, BaseCommand):
            command = app_name
        else:
            command = load_command_class(app_name, command_name)

    parser = command.create_parser("", command_name)
    # Keyword names may be either the option's dest or its longest flag without dashes.
    opt_mapping = {
        min(s_opt.option_strings).lstrip("-").replace("-", "_"): s_opt.dest
        for s_opt in parser._actions
        if s_opt.option_strings
    }
    arg_options = {opt_mapping.get(key, key): value for key, value in options.items()}
    parse_args = []
    for arg in args:
        if isinstance(arg, (list, tuple)):
            parse_args += map(str, arg)
        else:
            parse_args.append(str(arg))

    def get_actions(parser):
        for opt in parser._actions:
            if hasattr(opt, "_name_parser_map"):  # a subparsers action
                for sub_opt in opt._name_parser_map.values():
                    yield from get_actions(sub_opt)
            else:
                yield opt

    parser_actions = list(get_actions(parser))
    mutually_exclusive_required_options = {
        opt
        for group in parser._mutually_exclusive_groups
        for opt in group._group_actions
        if group.required
    }
    # Required options given as keywords must reach the parser, or it would reject the call.
    for opt in parser_actions:
        if opt.dest in options and (opt.required or opt in mutually_exclusive_required_options):
            opt_dest_count = sum(v == opt.dest for v in opt_mapping.values())
            if opt_dest_count > 1:
                raise TypeError(
                    f"Cannot pass the dest {opt.dest!r} that matches multiple arguments via "
                    "**options."
                )
            parse_args.append(min(opt.option_strings))
            if isinstance(opt, (_AppendConstAction, _CountAction, _StoreConstAction)):
                continue
            value = arg_options[opt.dest]
            if isinstance(value, (list, tuple)):
                parse_args += map(str, value)
            else:
                parse_args.append(str(value))
    defaults = parser.parse_args(args=parse_args)
    defaults = dict(defaults._get_kwargs(), **arg_options)
    stealth_options = set(command.base_stealth_options + command.stealth_options)
    dest_parameters = {action.dest for action in parser_actions}
    valid_options = (dest_parameters | stealth_options).union(opt_mapping)
    unknown_options = set(options) - valid_options
    if unknown_options:
        raise TypeError(
            "Unknown option(s) for {} command: {}. Valid options are: {}.".format(
                command_name,
                ", ".join(sorted(unknown_options)),
                ", ".join(sorted(valid_options)),
            )
        )
    args = defaults.pop("args", ())
    if "skip_checks" not in options:
        defaults["skip_checks"] = True
    return command.execute(*args, **defaults)


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
        cwords = os.environ["COMP_WORDS"].split()[1:]
        cword = int(os.environ["COMP_CWORD"])
        try:
            curr = cwords[cword - 1]
        except IndexError:
            curr = ""
        subcommands = [*get_commands(), "help"]
        if cword == 1:
            print(" ".join(sorted(x for x in subcommands if x.startswith(curr))))
        elif cwords[0] in subcommands and cwords[0] != "help":
            subcommand_cls = self.fetch_command(cwords[0])
            parser = subcommand_cls.create_parser("", cwords[0])
            options = [
                (min(s_opt.option_strings), s_opt.nargs != 0)
                for s_opt in parser._actions
                if s_opt.option_strings and s_opt.help != SUPPRESS
            ]
            prev_opts = {x.split("=")[0] for x in cwords[1 : cword - 1]}
            options = (opt for opt in options if opt[0] not in prev_opts)
            for opt_label, require_arg in sorted(options):
                if opt_label.startswith(curr):
                    print(opt_label + ("=" if require_arg else ""))
        sys.exit(0)


def execute_from_command_line(argv: list[str] | None = None) -> None:
    """Run a management command from the command line (the ``reinhardt-admin`` script)."""
    utility = ManagementUtility(argv)
    utility.execute()

"""``shell``: an interactive Python shell (IPython, bpython or the plain one) with every
installed model imported, or ``-c`` to run code, or code piped on standard input.

The summary of automatic imports is printed for interactive sessions only, so the output
of ``shell -c`` and of piped code is exactly what that code prints (Django 5.2 prints the
summary there too).
"""

from __future__ import annotations

import os
import select
import sys
import traceback
from collections import defaultdict
from importlib import import_module
from typing import Any

from reinhardt.apps import apps
from reinhardt.core.exceptions import AppRegistryNotReady
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser
from reinhardt.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "An interactive Python prompt with settings loaded and models imported (IPython or "
        "bpython when installed). Code piped on stdin is run instead."
    )

    requires_system_checks: list = []
    shells = ["ipython", "bpython", "python"]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-startup", action="store_true",
            help="When using plain Python, ignore the PYTHONSTARTUP environment variable and "
                 "~/.pythonrc.py script.",
        )
        parser.add_argument(
            "--no-imports", action="store_true",
            help="Disable automatic imports of models.",
        )
        parser.add_argument(
            "-i", "--interface", choices=self.shells,
            help="Specify an interactive interpreter interface. Available options: "
                 '"ipython", "bpython", and "python"',
        )
        parser.add_argument(
            "-c", "--command",
            help="Run this Python code (with settings loaded) and exit instead of opening a "
                 "prompt.",
        )

    def ipython(self, options: dict) -> None:
        from IPython import start_ipython

        start_ipython(argv=[], user_ns=self.get_namespace(**options))

    def bpython(self, options: dict) -> None:
        import bpython

        bpython.embed(self.get_namespace(**options))

    def python(self, options: dict) -> None:
        import code

        namespace = self.get_namespace(**options)
        if not options["no_startup"]:
            for pythonrc in (os.environ.get("PYTHONSTARTUP"), os.path.expanduser("~/.pythonrc.py")):
                if not pythonrc or not os.path.isfile(pythonrc):
                    continue
                with open(pythonrc) as handle:
                    source = handle.read()
                try:
                    exec(compile(source, pythonrc, "exec"), namespace)
                except Exception:
                    traceback.print_exc()
        try:
            import readline
            import rlcompleter

            readline.set_completer(rlcompleter.Completer(namespace).complete)
            readline.parse_and_bind("tab: complete")
        except ImportError:
            pass
        code.interact(local=namespace)

    def get_auto_imports(self) -> list[str] | None:
        """Dotted paths of what an interactive shell imports; override to change the list."""
        return [
            f"{model.__module__}.{model.__qualname__}"
            for model in reversed(apps.get_models())
        ]

    def get_namespace(self, *, announce: bool = False, **options: Any) -> dict[str, Any]:
        """The shell's globals: every model, by class name (a later app wins a clash)."""
        if options.get("no_imports"):
            return {}
        verbosity = options.get("verbosity", 0) if announce else 0
        try:
            apps.check_models_ready()
        except AppRegistryNotReady:
            if verbosity > 0:
                self.stdout.write(
                    "Automatic imports are disabled since settings are not configured.\n"
                    "HINT: set REINHARDT_SETTINGS_MODULE or pass --settings.",
                    self.style.ERROR, ending="\n\n",
                )
            return {}
        paths = self.get_auto_imports() or []
        by_module: dict[str | None, list[tuple[str, Any]]] = defaultdict(list)
        failed = []
        for path in paths:
            try:
                obj = import_string(path) if "." in path else import_module(path)
            except ImportError:
                failed.append(path)
                continue
            module, _, name = path.rpartition(".")
            by_module[module or None].append((name, obj))
        namespace = {name: obj for items in by_module.values() for name, obj in items}
        if verbosity < 1:
            return namespace
        if failed:
            noun = "object" if len(failed) == 1 else "objects"
            self.stdout.write(
                f"{len(failed)} {noun} could not be automatically imported:\n\n"
                + "\n".join(f"  {path}" for path in failed),
                self.style.ERROR, ending="\n\n",
            )
        noun = "object" if len(namespace) == 1 else "objects"
        message = f"{len(namespace)} {noun} imported automatically"
        if verbosity < 2:
            if namespace:
                message += " (use -v 2 for details)"
            self.stdout.write(f"{message}.", self.style.SUCCESS, ending="\n\n")
            return namespace
        lines = [f"  import {name}" for name, _ in by_module.pop(None, [])]
        lines += [
            f"  from {module} import {', '.join(name for name, _ in items)}"
            for module, items in sorted(by_module.items())
        ]
        message = f"{message}:\n\n" + "\n".join(lines) if lines else f"{message}."
        self.stdout.write(message, self.style.SUCCESS, ending="\n\n")
        return namespace

    def handle(self, **options: Any) -> None:
        if options["command"]:
            exec(options["command"], {"__name__": "__main__", **self.get_namespace(**options)})
            return
        if (
            sys.platform != "win32"
            and not sys.stdin.isatty()
            and select.select([sys.stdin], [], [], 0)[0]
        ):
            exec(sys.stdin.read(), {"__name__": "__main__", **self.get_namespace(**options)})
            return
        interfaces = [options["interface"]] if options["interface"] else self.shells
        for shell in interfaces:
            try:
                return getattr(self, shell)({**options, "announce": True})
            except ImportError:
                pass
        raise CommandError(f"Couldn't import {shell} interface.")

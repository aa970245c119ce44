"""The questions makemigrations asks when the model changes are ambiguous.

Was a field renamed or dropped and another added? What should existing rows get in a new
non-null column? The interactive questioner asks on the terminal; the non-interactive one
(``--noinput``) answers with safe defaults, or stops (exit status 3) when going on would
need a value nobody gave.
"""

from __future__ import annotations

import datetime as _datetime_module
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

from reinhardt.apps import apps
from reinhardt.orm.migrations.loader import MigrationLoader
from reinhardt.utils import timezone


def _not_provided():
    from reinhardt.orm.models.fields import NOT_PROVIDED

    return NOT_PROVIDED


def _quit_makemigrations():
    """The user chose to fix models.py first: stop with exit status 3, as Django does."""
    sys.exit(3)


def _has_migration_files(package) -> bool | None:
    """Whether a migrations package holds any migration module; None when that cannot be
    told (a namespace package spread over several directories)."""
    location = getattr(package, "__file__", None)
    if location:
        folder = Path(location).parent
    else:
        search_path = list(getattr(package, "__path__", ()))
        if len(search_path) != 1:
            return None
        folder = Path(search_path[0])
    return any(entry.endswith(".py") and entry != "__init__.py"
               for entry in (child.name for child in folder.iterdir()))


_ONE_OFF_FOR_NULLS = ("Provide a one-off default now (will be set on all existing rows with a "
                      "null value for this column)")
_QUIT_TO_ADD_DEFAULT = "Quit and manually define a default value in models.py."


class MigrationQuestioner:
    """Answers every question with a default; subclasses ask a person or log."""

    def __init__(self, defaults: dict | None = None, specified_apps=None,
                 dry_run: bool | None = None):
        self.dry_run = dry_run
        self.specified_apps = set() if not specified_apps else specified_apps
        self.defaults = {} if not defaults else defaults

    def _default_for(self, question: str) -> bool:
        return self.defaults.get(question, False)

    def ask_initial(self, app_label: str) -> bool:
        """Should the app's first migration be marked ``initial``? Yes if it has none."""
        if app_label in self.specified_apps:
            return True
        try:
            label = apps.get_app_config(app_label).label
        except LookupError:
            return self._default_for("ask_initial")
        dotted, _explicit = MigrationLoader.migrations_module(label)
        if dotted is None:
            return self._default_for("ask_initial")
        try:
            package = import_module(dotted)
        except ImportError:
            return self._default_for("ask_initial")
        # Initial only when the package holds no migration yet (unknown counts as not).
        return _has_migration_files(package) is False

    def ask_not_null_addition(self, field_name: str, model_name: str) -> Any:
        """A default for existing rows when adding a non-null field without one."""
        return None

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        """A value for existing NULLs when a field becomes non-null."""
        return None

    def ask_rename(self, model_name: str, old_name: str, new_name: str,
                   field_instance) -> bool:
        """Was ``old_name`` renamed to ``new_name``?"""
        return self._default_for("ask_rename")

    def ask_rename_model(self, old_model_state, new_model_state) -> bool:
        """Was the model renamed (rather than one dropped and another created)?"""
        return self._default_for("ask_rename_model")

    def ask_merge(self, app_label: str) -> bool:
        """Should conflicting migration branches be merged?"""
        return self._default_for("ask_merge")

    def ask_auto_now_add_addition(self, field_name: str, model_name: str) -> Any:
        """A value for existing rows when adding an ``auto_now_add`` field."""
        return None

    def ask_unique_callable_default_addition(self, field_name: str, model_name: str) -> Any:
        """Whether to go on when a unique field gets a callable default (None: go on)."""
        return None


class InteractiveMigrationQuestioner(MigrationQuestioner):
    """Asks on the terminal, with Django's questions and choices."""

    def __init__(self, defaults: dict | None = None, specified_apps=None,
                 dry_run: bool | None = None, prompt_output=None):
        super().__init__(defaults=defaults, specified_apps=specified_apps, dry_run=dry_run)
        if prompt_output is None:
            from reinhardt.core.management.base import OutputWrapper

            prompt_output = OutputWrapper(sys.stdout)
        self.prompt_output = prompt_output

    def _say(self, text: str, ending: str | None = None) -> None:
        if ending is None:
            self.prompt_output.write(text)
        else:
            self.prompt_output.write(text, ending=ending)

    def _boolean_input(self, question: str, default: bool | None = None) -> bool:
        """A yes/no answer (only the first letter counts); empty gives ``default``."""
        self._say(f"{question} ", ending="")
        reply = input()
        if default is not None and not reply:
            return default
        while reply[:1].lower() not in ("y", "n"):
            self._say("Please answer yes or no: ", ending="")
            reply = input()
        return reply[:1].lower() == "y"

    def _choice_input(self, question: str, choices: list[str]) -> int:
        """The 1-based number of one of ``choices``, asked until a valid one is typed."""
        self._say(question)
        for number, label in enumerate(choices, 1):
            self._say(f" {number}) {label}")
        self._say("Select an option: ", ending="")
        while True:
            reply = input()
            try:
                picked = int(reply)
            except ValueError:
                picked = 0
            if 1 <= picked <= len(choices):
                return picked
            self._say("Please select a valid option: ", ending="")

    def _ask_default(self, default: str = "") -> Any:
        """Read a Python expression for a one-off default; ``exit`` quits."""
        self._say("Please enter the default value as valid Python.")
        if default:
            self._say(f"Accept the default '{default}' by pressing 'Enter' or provide "
                      "another value.")
        self._say("The datetime and reinhardt.utils.timezone modules are available, so it is "
                  "possible to provide e.g. timezone.now as a value.")
        self._say("Type 'exit' to exit this prompt")
        names = {"datetime": _datetime_module, "timezone": timezone}
        prompt = f"[default: {default}] >>> " if default else ">>> "
        while True:
            self._say(prompt, ending="")
            try:
                source = input() or default
            except KeyboardInterrupt:
                self._say("\nCancelled.")
                sys.exit(1)
            if source == "exit":
                sys.exit(1)
            if not source:
                self._say("Please enter some code, or 'exit' (without quotes) to exit.")
                continue
            try:
                return eval(source, {}, names)
            except Exception as problem:
                self._say(f"{type(problem).__name__}: {problem}")

    def _fix(self, question: str, options: list[tuple[str, Any]]) -> Any:
        """Offer numbered fixes; each option is (label, what to do: a callable's result)."""
        if self.dry_run:
            return None
        picked = self._choice_input(question, [label for label, _ in options])
        return options[picked - 1][1]()

    def ask_not_null_addition(self, field_name, model_name):
        return self._fix(
            f"It is impossible to add a non-nullable field '{field_name}' to {model_name} "
            "without specifying a default. This is because the database needs something to "
            "populate existing rows.\nPlease select a fix:",
            [(_ONE_OFF_FOR_NULLS, self._ask_default),
             (_QUIT_TO_ADD_DEFAULT, _quit_makemigrations)],
        )

    def ask_not_null_alteration(self, field_name, model_name):
        return self._fix(
            f"It is impossible to change a nullable field '{field_name}' on {model_name} to "
            "non-nullable without providing a default. This is because the database needs "
            "something to populate existing rows.\nPlease select a fix:",
            [(_ONE_OFF_FOR_NULLS, self._ask_default),
             ("Ignore for now. Existing rows that contain NULL values will have to be "
              "handled manually, for example with a RunPython or RunSQL operation.",
              _not_provided),
             (_QUIT_TO_ADD_DEFAULT, _quit_makemigrations)],
        )

    def ask_rename(self, model_name, old_name, new_name, field_instance):
        kind = type(field_instance).__name__
        return self._boolean_input(
            f"Was {model_name}.{old_name} renamed to {model_name}.{new_name} (a {kind})? [y/N]",
            False)

    def ask_rename_model(self, old_model_state, new_model_state):
        old = f"{old_model_state.app_label}.{old_model_state.name}"
        return self._boolean_input(
            f"Was the model {old} renamed to {new_model_state.name}? [y/N]", False)

    def ask_merge(self, app_label):
        question = ("\nMerging will only work if the operations printed above do not "
                    "conflict\nwith each other (working on different fields or models)\n"
                    "Should these migration branches be merged? [y/N]")
        return self._boolean_input(question, False)

    def ask_auto_now_add_addition(self, field_name, model_name):
        return self._fix(
            f"It is impossible to add the field '{field_name}' with 'auto_now_add=True' to "
            f"{model_name} without providing a default. This is because the database needs "
            "something to populate existing rows.\n",
            [("Provide a one-off default now which will be set on all existing rows",
              lambda: self._ask_default(default="timezone.now")),
             (_QUIT_TO_ADD_DEFAULT, _quit_makemigrations)],
        )

    def ask_unique_callable_default_addition(self, field_name, model_name):
        return self._fix(
            f"Callable default on unique field {model_name}.{field_name} will not generate "
            "unique values upon migrating.\nPlease choose how to proceed:\n",
            [("Continue making this migration as the first step in writing a manual "
              "migration to generate unique values (add the field without unique=True, "
              "fill it with a RunPython operation, then make it unique).", lambda: None),
             ("Quit and edit field options in models.py.", _quit_makemigrations)],
        )


class NonInteractiveMigrationQuestioner(MigrationQuestioner):
    """For ``--noinput``: never asks; says what it could not decide and why."""

    def __init__(self, defaults: dict | None = None, specified_apps=None,
                 dry_run: bool | None = None, verbosity: int = 1, log=None):
        super().__init__(defaults=defaults, specified_apps=specified_apps, dry_run=dry_run)
        self.verbosity, self.log = verbosity, log

    def log_lack_of_migration(self, field_name: str, model_name: str, reason: str) -> None:
        """Report a field that could not be migrated (unless verbosity is 0)."""
        if self.verbosity <= 0:
            return
        self.log(f"Field '{field_name}' on model '{model_name}' not migrated: {reason}.")

    def ask_not_null_addition(self, field_name, model_name):
        # Nothing sensible can be chosen for existing rows.
        self.log_lack_of_migration(
            field_name, model_name,
            "it is impossible to add a non-nullable field without specifying a default")
        _quit_makemigrations()

    def ask_not_null_alteration(self, field_name, model_name):
        # The migration is written; rows holding NULL must be fixed by hand.
        self.log_lack_of_migration(
            field_name, model_name,
            "it is impossible to change a nullable field to non-nullable without providing "
            "a default. Existing rows that contain NULL values will have to be handled "
            "manually, for example with a RunPython or RunSQL operation")
        return _not_provided()

    def ask_auto_now_add_addition(self, field_name, model_name):
        self.log_lack_of_migration(
            field_name, model_name,
            "it is impossible to add a field with 'auto_now_add=True' without specifying a "
            "default")
        _quit_makemigrations()

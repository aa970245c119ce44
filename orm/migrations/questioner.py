"""The questions makemigrations asks when the model changes are ambiguous.

Was a field renamed or dropped and another added? What should existing rows get in a new
non-null column? The interactive questioner asks on the terminal; the non-interactive one
(``--noinput``) answers with safe defaults, or stops (exit status 3) when going on would
need a value nobody gave.
"""

from __future__ import annotations

import datetime
import importlib
import os
import sys
from typing import Any

from reinhardt.apps import apps
from reinhardt.orm.migrations.loader import MigrationLoader
from reinhardt.utils import timezone


def _not_provided():
    from reinhardt.orm.models.fields import NOT_PROVIDED

    return NOT_PROVIDED


class MigrationQuestioner:
    """Answers every question with a default; subclasses ask a person or log."""

    def __init__(self, defaults: dict | None = None, specified_apps=None,
                 dry_run: bool | None = None):
        self.defaults = defaults or {}
        self.specified_apps = specified_apps or set()
        self.dry_run = dry_run

    def ask_initial(self, app_label: str) -> bool:
        """Should the app's first migration be marked ``initial``? Yes if it has none."""
        if app_label in self.specified_apps:
            return True
        try:
            app_config = apps.get_app_config(app_label)
        except LookupError:
            return self.defaults.get("ask_initial", False)
        module_name, _ = MigrationLoader.migrations_module(app_config.label)
        if module_name is None:
            return self.defaults.get("ask_initial", False)
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return self.defaults.get("ask_initial", False)
        if getattr(module, "__file__", None):
            filenames = os.listdir(os.path.dirname(module.__file__))
        elif hasattr(module, "__path__"):
            if len(module.__path__) > 1:
                return False
            filenames = os.listdir(list(module.__path__)[0])
        else:
            return False
        return not any(x.endswith(".py") for x in filenames if x != "__init__.py")

    def ask_not_null_addition(self, field_name: str, model_name: str) -> Any:
        """A default for existing rows when adding a non-null field without one."""
        return None

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        """A value for existing NULLs when a field becomes non-null."""
        return None

    def ask_rename(self, model_name: str, old_name: str, new_name: str,
                   field_instance) -> bool:
        """Was ``old_name`` renamed to ``new_name``?"""
        return self.defaults.get("ask_rename", False)

    def ask_rename_model(self, old_model_state, new_model_state) -> bool:
        return self.defaults.get("ask_rename_model", False)

    def ask_merge(self, app_label: str) -> bool:
        return self.defaults.get("ask_merge", False)

    def ask_auto_now_add_addition(self, field_name: str, model_name: str) -> Any:
        return None

    def ask_unique_callable_default_addition(self, field_name: str, model_name: str) -> Any:
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

    def _boolean_input(self, question: str, default: bool | None = None) -> bool:
        self.prompt_output.write(f"{question} ", ending="")
        result = input()
        if not result and default is not None:
            return default
        while not result or result[0].lower() not in "yn":
            self.prompt_output.write("Please answer yes or no: ", ending="")
            result = input()
        return result[0].lower() == "y"

    def _choice_input(self, question: str, choices: list[str]) -> int:
        self.prompt_output.write(question)
        for number, choice in enumerate(choices, start=1):
            self.prompt_output.write(f" {number}) {choice}")
        self.prompt_output.write("Select an option: ", ending="")
        while True:
            result = input()
            try:
                value = int(result)
            except ValueError:
                pass
            else:
                if 0 < value <= len(choices):
                    return value
            self.prompt_output.write("Please select a valid option: ", ending="")

    def _ask_default(self, default: str = "") -> Any:
        """Read a Python expression for a one-off default; ``exit`` quits."""
        self.prompt_output.write("Please enter the default value as valid Python.")
        if default:
            self.prompt_output.write(
                f"Accept the default '{default}' by pressing 'Enter' or provide another value."
            )
        self.prompt_output.write(
            "The datetime and reinhardt.utils.timezone modules are available, so it is "
            "possible to provide e.g. timezone.now as a value."
        )
        self.prompt_output.write("Type 'exit' to exit this prompt")
        while True:
            prompt = f"[default: {default}] >>> " if default else ">>> "
            self.prompt_output.write(prompt, ending="")
            try:
                code = input()
            except KeyboardInterrupt:
                self.prompt_output.write("\nCancelled.")
                sys.exit(1)
            if not code and default:
                code = default
            if not code:
                self.prompt_output.write(
                    "Please enter some code, or 'exit' (without quotes) to exit."
                )
            elif code == "exit":
                sys.exit(1)
            else:
                try:
                    return eval(code, {}, {"datetime": datetime, "timezone": timezone})
                except Exception as e:
                    self.prompt_output.write(f"{e.__class__.__name__}: {e}")

    def ask_not_null_addition(self, field_name, model_name):
        if self.dry_run:
            return None
        choice = self._choice_input(
            f"It is impossible to add a non-nullable field '{field_name}' to {model_name} "
            "without specifying a default. This is because the database needs something to "
            "populate existing rows.\nPlease select a fix:",
            [
                "Provide a one-off default now (will be set on all existing rows with a null "
                "value for this column)",
                "Quit and manually define a default value in models.py.",
            ],
        )
        if choice == 2:
            sys.exit(3)
        return self._ask_default()

    def ask_not_null_alteration(self, field_name, model_name):
        if self.dry_run:
            return None
        choice = self._choice_input(
            f"It is impossible to change a nullable field '{field_name}' on {model_name} to "
            "non-nullable without providing a default. This is because the database needs "
            "something to populate existing rows.\nPlease select a fix:",
            [
                "Provide a one-off default now (will be set on all existing rows with a null "
                "value for this column)",
                "Ignore for now. Existing rows that contain NULL values will have to be "
                "handled manually, for example with a RunPython or RunSQL operation.",
                "Quit and manually define a default value in models.py.",
            ],
        )
        if choice == 2:
            return _not_provided()
        if choice == 3:
            sys.exit(3)
        return self._ask_default()

    def ask_rename(self, model_name, old_name, new_name, field_instance):
        return self._boolean_input(
            f"Was {model_name}.{old_name} renamed to {model_name}.{new_name} "
            f"(a {field_instance.__class__.__name__})? [y/N]",
            False,
        )

    def ask_rename_model(self, old_model_state, new_model_state):
        return self._boolean_input(
            f"Was the model {old_model_state.app_label}.{old_model_state.name} renamed to "
            f"{new_model_state.name}? [y/N]",
            False,
        )

    def ask_merge(self, app_label):
        return self._boolean_input(
            "\nMerging will only work if the operations printed above do not conflict\n"
            "with each other (working on different fields or models)\n"
            "Should these migration branches be merged? [y/N]",
            False,
        )

    def ask_auto_now_add_addition(self, field_name, model_name):
        if self.dry_run:
            return None
        choice = self._choice_input(
            f"It is impossible to add the field '{field_name}' with 'auto_now_add=True' to "
            f"{model_name} without providing a default. This is because the database needs "
            "something to populate existing rows.\n",
            [
                "Provide a one-off default now which will be set on all existing rows",
                "Quit and manually define a default value in models.py.",
            ],
        )
        if choice == 2:
            sys.exit(3)
        return self._ask_default(default="timezone.now")

    def ask_unique_callable_default_addition(self, field_name, model_name):
        if self.dry_run:
            return None
        choice = self._choice_input(
            f"Callable default on unique field {model_name}.{field_name} will not generate "
            "unique values upon migrating.\nPlease choose how to proceed:\n",
            [
                "Continue making this migration as the first step in writing a manual "
                "migration to generate unique values (add the field without unique=True, "
                "fill it with a RunPython operation, then make it unique).",
                "Quit and edit field options in models.py.",
            ],
        )
        if choice == 2:
            sys.exit(3)
        return None


class NonInteractiveMigrationQuestioner(MigrationQuestioner):
    """For ``--noinput``: never asks; says what it could not decide and why."""

    def __init__(self, defaults: dict | None = None, specified_apps=None,
                 dry_run: bool | None = None, verbosity: int = 1, log=None):
        self.verbosity = verbosity
        self.log = log
        super().__init__(defaults=defaults, specified_apps=specified_apps, dry_run=dry_run)

    def log_lack_of_migration(self, field_name: str, model_name: str, reason: str) -> None:
        if self.verbosity > 0:
            self.log(f"Field '{field_name}' on model '{model_name}' not migrated: {reason}.")

    def ask_not_null_addition(self, field_name, model_name):
        # Nothing sensible can be chosen for existing rows.
        self.log_lack_of_migration(
            field_name, model_name,
            "it is impossible to add a non-nullable field without specifying a default",
        )
        sys.exit(3)

    def ask_not_null_alteration(self, field_name, model_name):
        # The migration is written; rows holding NULL must be fixed by hand.
        self.log_lack_of_migration(
            field_name, model_name,
            "it is impossible to change a nullable field to non-nullable without providing "
            "a default. Existing rows that contain NULL values will have to be handled "
            "manually, for example with a RunPython or RunSQL operation",
        )
        return _not_provided()

    def ask_auto_now_add_addition(self, field_name, model_name):
        self.log_lack_of_migration(
            field_name, model_name,
            "it is impossible to add a field with 'auto_now_add=True' without specifying a "
            "default",
        )
        sys.exit(3)

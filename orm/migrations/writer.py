"""Writing a Migration object as a migration file, laid out as black/ruff would."""

from __future__ import annotations

import inspect
import os
import re
from importlib import import_module
from typing import Any

import reinhardt
from reinhardt.apps import apps
from reinhardt.orm.migrations.formatting import INDENT, layout
from reinhardt.orm.migrations.loader import MigrationLoader
from reinhardt.orm.migrations.serializer import Serializer, serializer_factory
from reinhardt.utils.module_loading import module_dir
from reinhardt.utils.timezone import now

MIGRATIONS_IMPORT = "from reinhardt.orm import migrations"
MODELS_IMPORT = "from reinhardt.orm import models"


class OperationWriter:
    """Writes one operation as ``migrations.Name(`` + one argument a line + ``),``."""

    def __init__(self, operation, indentation: int = 2):
        self.operation = operation
        self.indentation = indentation
        self.lines: list[str] = []

    def serialize(self) -> tuple[str, set[str]]:
        from reinhardt.orm import migrations

        imports: set[str] = set()
        name, args, kwargs = self.operation.deconstruct()
        parameters = _parameter_names(self.operation.__init__)
        pad = INDENT * self.indentation
        if getattr(migrations, name, None) is type(self.operation):
            head = f"migrations.{name}("
        else:
            module = type(self.operation).__module__
            imports.add(f"import {module}")
            head = f"{module}.{name}("
        self.lines = [pad + head]
        for index, value in enumerate(args):
            self._write_argument(parameters[index], value, imports)
        for parameter in parameters[len(args):]:
            if parameter in kwargs:
                self._write_argument(parameter, kwargs[parameter], imports)
        self.lines.append(pad + "),")
        if len(self.lines) == 2:
            # No arguments: ``migrations.Name(),`` on one line.
            self.lines = [pad + head + "),"]
        return "\n".join(self.lines), imports

    def _write_argument(self, name: str, value: Any, imports: set[str]) -> None:
        level = self.indentation + 1
        pad = INDENT * level
        expand = name in self.operation.serialization_expand_args
        if expand and isinstance(value, (list, tuple)):
            if not value:
                self.lines.append(f"{pad}{name}=[],")
                return
            self.lines.append(f"{pad}{name}=[")
            for item in value:
                from reinhardt.orm.migrations.operations.base import Operation

                if isinstance(item, Operation):
                    string, item_imports = OperationWriter(item, level + 1).serialize()
                    self.lines.extend(string.split("\n"))
                else:
                    string, item_imports = serializer_factory(item).serialize()
                    self.lines.extend(layout(string, level + 1, "", ","))
                imports.update(item_imports)
            self.lines.append(f"{pad}],")
        elif expand and isinstance(value, dict):
            if not value:
                self.lines.append(f"{pad}{name}={{}},")
                return
            self.lines.append(f"{pad}{name}={{")
            for key, item in value.items():
                key_string, key_imports = serializer_factory(key).serialize()
                string, item_imports = serializer_factory(item).serialize()
                imports.update(key_imports)
                imports.update(item_imports)
                self.lines.extend(layout(string, level + 1, f"{key_string}: ", ","))
            self.lines.append(f"{pad}}},")
        else:
            string, value_imports = serializer_factory(value).serialize()
            imports.update(value_imports)
            self.lines.extend(layout(string, level, f"{name}=", ","))


def _parameter_names(function) -> list[str]:
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        and name != "self"
    ]


class MigrationWriter:
    """Produces the source of a migration file, and where it goes on disk."""

    def __init__(self, migration, include_header: bool = True):
        self.migration = migration
        self.include_header = include_header
        self.needs_manual_porting = False

    def as_string(self) -> str:
        """The migration file's contents."""
        imports: set[str] = set()
        operation_lines = []
        for operation in self.migration.operations:
            string, operation_imports = OperationWriter(operation).serialize()
            imports.update(operation_imports)
            operation_lines.append(string)

        dependency_lines = []
        for dependency in self.migration.dependencies:
            setting = getattr(dependency, "setting", None)
            if setting is None and dependency[0] == "__setting__":
                setting = dependency[1]
            if setting is not None:
                dependency_lines.append(
                    f"{INDENT * 2}migrations.swappable_dependency(settings.{setting}),"
                )
                imports.add("from reinhardt.conf import settings")
            else:
                string, dependency_imports = self.serialize(tuple(dependency))
                imports.update(dependency_imports)
                dependency_lines.extend(layout(string, 2, "", ","))

        # Migrations modules start with digits and cannot be imported by an import
        # statement: such references (RunPython code of squashed migrations) must be
        # copied over by hand.
        migration_imports = set()
        for line in list(imports):
            if re.match(r"^import (.*)\.\d+[^\s]*$", line):
                migration_imports.add(line.split("import", 1)[1].strip())
                imports.remove(line)
                self.needs_manual_porting = True

        if MODELS_IMPORT in imports:
            imports.discard(MODELS_IMPORT)
            imports.add("from reinhardt.orm import migrations, models")
        else:
            imports.add(MIGRATIONS_IMPORT)
        sorted_imports = sorted(imports, key=lambda i: (i.split()[0] == "from", i.split()[1]))

        parts = []
        if self.include_header:
            parts.append(
                f"# Generated by reinhardt {reinhardt.__version__} on "
                f"{now().strftime('%Y-%m-%d %H:%M')}\n\n"
            )
        parts.append("\n".join(sorted_imports) + "\n")
        if migration_imports:
            parts.append(
                "\n# Functions from the following migrations need manual copying.\n"
                "# Move them and any dependencies into this file, then update the\n"
                "# RunPython operations to refer to the local versions:\n"
                + "\n".join(f"# {line}" for line in sorted(migration_imports))
                + "\n"
            )
        parts.append("\n\nclass Migration(migrations.Migration):\n")
        attributes = []
        if self.migration.replaces:
            string, _ = self.serialize([tuple(r) for r in self.migration.replaces])
            attributes.append("\n".join(layout(string, 1, "replaces = ")))
        if self.migration.initial:
            attributes.append(f"{INDENT}initial = True")
        if not self.migration.atomic:
            attributes.append(f"{INDENT}atomic = False")
        if attributes:
            parts.append("\n".join(attributes) + "\n\n")
        if dependency_lines:
            parts.append(f"{INDENT}dependencies = [\n" + "\n".join(dependency_lines)
                         + f"\n{INDENT}]\n")
        else:
            parts.append(f"{INDENT}dependencies = []\n")
        if operation_lines:
            parts.append(f"\n{INDENT}operations = [\n" + "\n".join(operation_lines)
                         + f"\n{INDENT}]\n")
        else:
            parts.append(f"\n{INDENT}operations = []\n")
        return "".join(parts)

    @property
    def basedir(self) -> str:
        """The app's migrations directory (it may not exist yet: see create_directory)."""
        return self._locate_basedir()[0]

    def create_directory(self) -> str:
        """Create the migrations directory, with an __init__.py in every package made."""
        basedir, missing_packages = self._locate_basedir()
        for package_dir in missing_packages:
            os.makedirs(package_dir, exist_ok=True)
            init_path = os.path.join(package_dir, "__init__.py")
            if not os.path.exists(init_path):
                with open(init_path, "w"):
                    pass
        os.makedirs(basedir, exist_ok=True)
        return basedir

    def _locate_basedir(self) -> tuple[str, list[str]]:
        """(migrations directory, package directories to create for it)."""
        app_label = self.migration.app_label
        package_name, _ = MigrationLoader.migrations_module(app_label)
        if package_name is None:
            raise ValueError(
                f"reinhardt can't create migrations for app '{app_label}' because "
                "migrations have been disabled via the MIGRATION_MODULES setting."
            )
        try:
            module = import_module(package_name)
        except ImportError:
            pass
        else:
            try:
                return module_dir(module), []
            except ValueError:
                pass

        app_config = apps.get_app_config(app_label)
        parent_name, _, basename = package_name.rpartition(".")
        if app_config.name == parent_name:
            path = os.path.join(app_config.path, basename)
            return path, [path]

        # A MIGRATION_MODULES package that doesn't exist yet goes under the deepest package
        # that does.
        existing, missing = package_name.split("."), []
        while existing:
            missing.insert(0, existing.pop(-1))
            try:
                base_module = import_module(".".join(existing))
            except (ImportError, ValueError):
                continue
            try:
                base_dir = module_dir(base_module)
            except ValueError:
                continue
            break
        else:
            raise ValueError(
                "Could not locate an appropriate location to create migrations package "
                f"{package_name}. Make sure the toplevel package exists and can be imported."
            )
        packages = []
        for directory in missing:
            base_dir = os.path.join(base_dir, directory)
            packages.append(base_dir)
        return base_dir, packages

    @property
    def filename(self) -> str:
        return f"{self.migration.name}.py"

    @property
    def path(self) -> str:
        return os.path.join(self.basedir, self.filename)

    @classmethod
    def serialize(cls, value: Any) -> tuple[str, set[str]]:
        return serializer_factory(value).serialize()

    @classmethod
    def register_serializer(cls, type_, serializer) -> None:
        Serializer.register(type_, serializer)

    @classmethod
    def unregister_serializer(cls, type_) -> None:
        Serializer.unregister(type_)

"""Turning values into Python source for migration files.

``serializer_factory(value).serialize()`` returns ``(source, imports)``: an expression
that rebuilds ``value`` and the import lines it needs. Anything with a ``deconstruct()``
method (fields, indexes, constraints, managers, validators) is written as a call of its
class. Strings use double quotes where that needs no escaping, as black and ruff format
write them. Register serializers for other types with ``Serializer.register`` (or
``MigrationWriter.register_serializer``).
"""

from __future__ import annotations

import builtins
import collections.abc
import datetime
import decimal
import enum
import functools
import math
import os
import pathlib
import re
import types
import uuid
import zoneinfo
from typing import Any

from reinhardt.orm.migrations.utils import COMPILED_REGEX_TYPE, RegexObject
from reinhardt.utils.functional import Promise

MODELS_MODULE = "reinhardt.orm.models"
MODELS_IMPORT = "from reinhardt.orm import models"


def python_string(value: str) -> str:
    """A string literal in double quotes unless the text contains quotes itself."""
    literal = repr(value)
    if literal[0] == "'" and '"' not in value and "'" not in value:
        literal = f'"{literal[1:-1]}"'
    return literal


def python_bytes(value: bytes) -> str:
    literal = repr(value)
    if literal[1] == "'" and b'"' not in value and b"'" not in value:
        literal = f'b"{literal[2:-1]}"'
    return literal


class BaseSerializer:
    """Serializes one value; subclasses implement ``serialize()``."""

    def __init__(self, value: Any):
        self.value = value

    def serialize(self) -> tuple[str, set[str]]:
        raise NotImplementedError(
            "Subclasses of BaseSerializer must implement the serialize() method."
        )


class BaseSequenceSerializer(BaseSerializer):
    def _format(self) -> str:
        raise NotImplementedError("Subclasses must implement _format().")

    def _items(self):
        return self.value

    def serialize(self):
        imports: set[str] = set()
        strings = []
        for item in self._items():
            item_string, item_imports = serializer_factory(item).serialize()
            imports.update(item_imports)
            strings.append(item_string)
        return self._format() % ", ".join(strings), imports


class BaseUnorderedSequenceSerializer(BaseSequenceSerializer):
    def _items(self):
        # Sorted so that the same set always writes the same file.
        return sorted(self.value, key=repr)


class BaseSimpleSerializer(BaseSerializer):
    def serialize(self):
        return repr(self.value), set()


class StringSerializer(BaseSerializer):
    def serialize(self):
        return python_string(self.value), set()


class BytesSerializer(BaseSerializer):
    def serialize(self):
        return python_bytes(self.value), set()


class ChoicesSerializer(BaseSerializer):
    """A models.Choices member is written as its plain value."""

    def serialize(self):
        return serializer_factory(self.value.value).serialize()


class DateTimeSerializer(BaseSerializer):
    """date, time and timedelta: ``datetime.date(2024, 1, 31)``."""

    def serialize(self):
        return repr(self.value), {"import datetime"}


class DatetimeDatetimeSerializer(BaseSerializer):
    """Aware datetimes are written in UTC."""

    def serialize(self):
        value = self.value
        if value.tzinfo is not None and value.tzinfo != datetime.UTC:
            value = value.astimezone(datetime.UTC)
        return repr(value), {"import datetime"}


class DecimalSerializer(BaseSerializer):
    def serialize(self):
        return f"Decimal({python_string(str(self.value))})", {"from decimal import Decimal"}


class DeconstructableSerializer(BaseSerializer):
    """Anything with ``deconstruct() -> (path, args, kwargs)``."""

    @staticmethod
    def serialize_deconstructed(path: str, args, kwargs) -> tuple[str, set[str]]:
        name, imports = DeconstructableSerializer._serialize_path(path)
        strings = []
        for arg in args:
            arg_string, arg_imports = serializer_factory(arg).serialize()
            strings.append(arg_string)
            imports.update(arg_imports)
        for kw, arg in sorted(kwargs.items()):
            arg_string, arg_imports = serializer_factory(arg).serialize()
            imports.update(arg_imports)
            strings.append(f"{kw}={arg_string}")
        return f"{name}({', '.join(strings)})", imports

    @staticmethod
    def _serialize_path(path: str) -> tuple[str, set[str]]:
        module, name = path.rsplit(".", 1)
        if module == MODELS_MODULE or _is_exported_by_models(module, name):
            return f"models.{name}", {MODELS_IMPORT}
        return path, {f"import {module}"}

    def serialize(self):
        return self.serialize_deconstructed(*self.value.deconstruct())


def _is_exported_by_models(module: str, name: str) -> bool:
    """True if ``module.name`` is also importable as ``reinhardt.orm.models.name``."""
    if not module.startswith(MODELS_MODULE + "."):
        return False
    import importlib
    import sys

    models = sys.modules.get(MODELS_MODULE) or importlib.import_module(MODELS_MODULE)
    target = getattr(sys.modules.get(module), name, None)
    return target is not None and getattr(models, name, None) is target


class DictionarySerializer(BaseSerializer):
    def serialize(self):
        imports: set[str] = set()
        strings = []
        for key, value in sorted(self.value.items(), key=lambda item: repr(item[0])):
            key_string, key_imports = serializer_factory(key).serialize()
            value_string, value_imports = serializer_factory(value).serialize()
            imports.update(key_imports)
            imports.update(value_imports)
            strings.append(f"{key_string}: {value_string}")
        return "{" + ", ".join(strings) + "}", imports


class EnumSerializer(BaseSerializer):
    """``module.Enum["MEMBER"]``; flag combinations are joined with ``|``."""

    def serialize(self):
        enum_class = self.value.__class__
        module = enum_class.__module__
        if issubclass(enum_class, enum.Flag):
            members = list(self.value)
        else:
            members = [self.value]
        return (
            " | ".join(
                f"{module}.{enum_class.__qualname__}[{python_string(item.name)}]"
                for item in members
            ),
            {f"import {module}"},
        )


class FloatSerializer(BaseSimpleSerializer):
    def serialize(self):
        if math.isnan(self.value) or math.isinf(self.value):
            return f'float("{self.value}")', set()
        return super().serialize()


class FrozensetSerializer(BaseUnorderedSequenceSerializer):
    def _format(self):
        return "frozenset([%s])"


class FunctionTypeSerializer(BaseSerializer):
    """Module-level functions and class methods, by import path; not lambdas."""

    def serialize(self):
        value = self.value
        if getattr(value, "__self__", None) and isinstance(value.__self__, type):
            klass = value.__self__
            module = klass.__module__
            return f"{module}.{klass.__qualname__}.{value.__name__}", {f"import {module}"}
        if value.__name__ == "<lambda>":
            raise ValueError(
                "Cannot serialize function: lambda. Use a function defined at module level "
                "instead."
            )
        if getattr(value, "__module__", None) is None:
            raise ValueError(f"Cannot serialize function {value!r}: No module")
        module_name = value.__module__
        if "<" not in value.__qualname__:  # Not defined inside another function.
            return f"{module_name}.{value.__qualname__}", {f"import {module_name}"}
        raise ValueError(
            f"Could not find function {value.__name__} in {module_name}.\n"
            "Migrations can only serialize functions defined at the top level of a module."
        )


class FunctoolsPartialSerializer(BaseSerializer):
    def serialize(self):
        func_string, imports = serializer_factory(self.value.func).serialize()
        args_string, args_imports = serializer_factory(self.value.args).serialize()
        keywords_string, keywords_imports = serializer_factory(self.value.keywords).serialize()
        imports.update(args_imports)
        imports.update(keywords_imports)
        imports.add("import functools")
        return (
            f"functools.{type(self.value).__name__}({func_string}, *{args_string}, "
            f"**{keywords_string})",
            imports,
        )


class IterableSerializer(BaseSerializer):
    """Other iterables (generators, ranges of values) are written as tuples."""

    def serialize(self):
        imports: set[str] = set()
        strings = []
        for item in self.value:
            item_string, item_imports = serializer_factory(item).serialize()
            imports.update(item_imports)
            strings.append(item_string)
        value = "(%s)" if len(strings) != 1 else "(%s,)"
        return value % ", ".join(strings), imports


class ModelFieldSerializer(DeconstructableSerializer):
    def serialize(self):
        _name, path, args, kwargs = self.value.deconstruct()
        return self.serialize_deconstructed(path, args, kwargs)


class ModelManagerSerializer(DeconstructableSerializer):
    def serialize(self):
        as_manager, manager_path, qs_path, args, kwargs = self.value.deconstruct()
        if as_manager:
            name, imports = self._serialize_path(qs_path)
            return f"{name}.as_manager()", imports
        return self.serialize_deconstructed(manager_path, args, kwargs)


class OperationSerializer(BaseSerializer):
    def serialize(self):
        from reinhardt.orm.migrations.writer import OperationWriter

        string, imports = OperationWriter(self.value, indentation=0).serialize()
        # Nested operations are inside a list; the writer ends them with a comma.
        return string.rstrip(","), imports


class PathLikeSerializer(BaseSerializer):
    def serialize(self):
        return repr(os.fspath(self.value)), set()


class PathSerializer(BaseSerializer):
    def serialize(self):
        # Concrete paths (PosixPath/WindowsPath) are written as the portable Pure* ones.
        prefix = "Pure" if isinstance(self.value, pathlib.Path) else ""
        return f"pathlib.{prefix}{self.value!r}", {"import pathlib"}


class RegexSerializer(BaseSerializer):
    def serialize(self):
        regex_pattern, pattern_imports = serializer_factory(self.value.pattern).serialize()
        # Python adds re.UNICODE to str patterns by itself; leave it out.
        flags = self.value.flags ^ re.compile("").flags
        regex_flags, flag_imports = serializer_factory(flags).serialize()
        imports = {"import re", *pattern_imports, *flag_imports}
        args = [regex_pattern]
        if flags:
            args.append(regex_flags)
        return f"re.compile({', '.join(args)})", imports


class SequenceSerializer(BaseSequenceSerializer):
    def _format(self):
        return "[%s]"


class SetSerializer(BaseUnorderedSequenceSerializer):
    def _format(self):
        # An empty set literal would be a dict.
        return "{%s}" if self.value else "set(%s)"


class SettingsReferenceSerializer(BaseSerializer):
    def serialize(self):
        return f"settings.{self.value.setting_name}", {"from reinhardt.conf import settings"}


class TupleSerializer(BaseSequenceSerializer):
    def _format(self):
        # A one-item tuple needs its trailing comma.
        return "(%s)" if len(self.value) != 1 else "(%s,)"


class TypeSerializer(BaseSerializer):
    def serialize(self):
        if self.value is type(None):
            return "type(None)", set()
        if _is_model_base(self.value):
            return "models.Model", {MODELS_IMPORT}
        module = self.value.__module__
        if module == builtins.__name__:
            return self.value.__name__, set()
        return f"{module}.{self.value.__qualname__}", {f"import {module}"}


def _is_model_base(klass) -> bool:
    return klass is _models_attr("Model")


class UUIDSerializer(BaseSerializer):
    def serialize(self):
        return f"uuid.{self.value!r}", {"import uuid"}


class ZoneInfoSerializer(BaseSerializer):
    def serialize(self):
        return (
            f"zoneinfo.ZoneInfo({python_string(self.value.key)})",
            {"import zoneinfo"},
        )


class Serializer:
    """The registry of serializers by type; the first match (in order) wins."""

    _registry: dict[type | tuple, type[BaseSerializer]] = {
        # Some of these are subclasses of later entries, so order matters.
        frozenset: FrozensetSerializer,
        list: SequenceSerializer,
        set: SetSerializer,
        tuple: TupleSerializer,
        dict: DictionarySerializer,
        enum.Enum: EnumSerializer,
        datetime.datetime: DatetimeDatetimeSerializer,
        (datetime.date, datetime.timedelta, datetime.time): DateTimeSerializer,
        bool: BaseSimpleSerializer,
        float: FloatSerializer,
        (int, type(None)): BaseSimpleSerializer,
        bytes: BytesSerializer,
        str: StringSerializer,
        decimal.Decimal: DecimalSerializer,
        (functools.partial, functools.partialmethod): FunctoolsPartialSerializer,
        (types.FunctionType, types.BuiltinFunctionType, types.MethodType): (
            FunctionTypeSerializer
        ),
        collections.abc.Iterable: IterableSerializer,
        (COMPILED_REGEX_TYPE, RegexObject): RegexSerializer,
        uuid.UUID: UUIDSerializer,
        pathlib.PurePath: PathSerializer,
        os.PathLike: PathLikeSerializer,
        zoneinfo.ZoneInfo: ZoneInfoSerializer,
    }

    @classmethod
    def register(cls, type_, serializer: type[BaseSerializer]) -> None:
        if not issubclass(serializer, BaseSerializer):
            raise ValueError(f"'{serializer.__name__}' must inherit from 'BaseSerializer'.")
        cls._registry[type_] = serializer

    @classmethod
    def unregister(cls, type_) -> None:
        cls._registry.pop(type_)


def serializer_factory(value: Any) -> BaseSerializer:
    """The serializer for ``value``; ValueError (with a hint) if it cannot be written."""
    if isinstance(value, Promise):
        value = str(value)
    elif isinstance(value, str) and hasattr(value, "setting_name"):
        return SettingsReferenceSerializer(value)
    if _is_choices_member(value):
        return ChoicesSerializer(value)
    if _is_model_field(value):
        return ModelFieldSerializer(value)
    if _is_manager(value):
        return ModelManagerSerializer(value)
    from reinhardt.orm.migrations.operations.base import Operation

    if isinstance(value, Operation):
        return OperationSerializer(value)
    if isinstance(value, type):
        return TypeSerializer(value)
    # Anything that knows how to deconstruct itself.
    if hasattr(value, "deconstruct"):
        return DeconstructableSerializer(value)
    for type_, serializer_cls in Serializer._registry.items():
        if isinstance(value, type_):
            return serializer_cls(value)
    raise ValueError(
        f"Cannot serialize: {value!r}\nThere are some values reinhardt cannot serialize into "
        "migration files. Give the class a deconstruct() method returning "
        "(import path, args, kwargs), or register a serializer with "
        "MigrationWriter.register_serializer()."
    )


def _is_choices_member(value) -> bool:
    choices = _models_attr("Choices")
    return choices is not None and isinstance(value, choices)


def _is_model_field(value) -> bool:
    field = _models_attr("Field")
    return field is not None and isinstance(value, field)


def _is_manager(value) -> bool:
    manager = _models_attr("manager", "BaseManager")
    return manager is not None and isinstance(value, manager)


def _models_attr(*path: str):
    """An attribute of reinhardt.orm.models, or None if the ORM does not provide it."""
    import sys

    obj = sys.modules.get(MODELS_MODULE)
    if obj is None:
        try:
            import importlib

            obj = importlib.import_module(MODELS_MODULE)
        except ImportError:
            return None
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj

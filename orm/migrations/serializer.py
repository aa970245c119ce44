"""Turning values into Python source for migration files.

``serializer_factory(value).serialize()`` returns ``(source, imports)``: an expression
that rebuilds ``value`` and the import lines it needs. Anything with a ``deconstruct()``
method (fields, indexes, constraints, managers, validators) is written as a call of its
class. Strings use double quotes where that needs no escaping, as black and ruff format
write them. Register serializers for other types with ``Serializer.register`` (or
``MigrationWriter.register_serializer``).

The built-in writers are plain functions ``value -> (source, imports)``; the registry
wraps each in a ``BaseSerializer`` subclass so that user-registered serializers (which
subclass ``BaseSerializer``, as Django documents) and ours are looked up the same way.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import decimal
import enum
import functools
import importlib
import math
import os
import pathlib
import re
import sys
import types
import uuid
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any

from reinhardt.orm.migrations.utils import COMPILED_REGEX_TYPE, RegexObject
from reinhardt.utils.functional import Promise

MODELS_MODULE = "reinhardt.orm.models"
MODELS_IMPORT = "from reinhardt.orm import models"

Source = tuple[str, set[str]]


def python_string(value: str) -> str:
    """A string literal in double quotes unless the text contains quotes itself."""
    text = repr(value)
    if text.startswith("'") and not ('"' in value or "'" in value):
        return '"' + text[1:-1] + '"'
    return text


def python_bytes(value: bytes) -> str:
    text = repr(value)
    if text.startswith("b'") and not (b'"' in value or b"'" in value):
        return 'b"' + text[2:-1] + '"'
    return text


class BaseSerializer:
    """Serializes one value; subclasses implement ``serialize()``."""

    def __init__(self, value: Any):
        self.value = value

    def serialize(self) -> Source:
        raise NotImplementedError(
            "Subclasses of BaseSerializer must implement the serialize() method."
        )


def _source(value: Any) -> Source:
    return serializer_factory(value).serialize()


def _sources(values: Iterable) -> tuple[list[str], set[str]]:
    """Each value's source text, and all the imports they need together."""
    texts: list[str] = []
    needed: set[str] = set()
    for value in values:
        text, imports = _source(value)
        texts.append(text)
        needed |= imports
    return texts, needed


def _call_source(path: str, args, kwargs) -> Source:
    """``callable(arg, ..., key=value, ...)`` with keywords in name order."""
    callee, needed = _import_path(path)
    positional, arg_imports = _sources(args)
    keys = sorted(kwargs)
    keyword_values, kwarg_imports = _sources(kwargs[key] for key in keys)
    parts = positional + [f"{key}={text}" for key, text in zip(keys, keyword_values,
                                                                strict=True)]
    return f"{callee}({', '.join(parts)})", needed | arg_imports | kwarg_imports


def _import_path(path: str) -> Source:
    """How a migration refers to ``path``; names the models package exports go through
    ``models.``, as Django's files write them."""
    module, _, name = path.rpartition(".")
    if module == MODELS_MODULE or _exported_by_models(module, name):
        return f"models.{name}", {MODELS_IMPORT}
    return path, {f"import {module}"}


def _exported_by_models(module: str, name: str) -> bool:
    """True if ``module.name`` is also importable as ``reinhardt.orm.models.name``."""
    if not module.startswith(MODELS_MODULE + "."):
        return False
    exported = getattr(_models_module(), name, None)
    return exported is not None and exported is getattr(sys.modules.get(module), name, None)


# -- the built-in writers, one per kind of value ---------------------------------------


def _write_repr(value) -> Source:
    return repr(value), set()


def _write_float(value: float) -> Source:
    if math.isfinite(value):
        return repr(value), set()
    return f'float("{value}")', set()


def _write_str(value: str) -> Source:
    return python_string(value), set()


def _write_bytes(value: bytes) -> Source:
    return python_bytes(value), set()


def _write_decimal(value: decimal.Decimal) -> Source:
    return f"Decimal({python_string(str(value))})", {"from decimal import Decimal"}


def _write_date_like(value) -> Source:
    """date, time and timedelta: ``datetime.date(2024, 1, 31)``."""
    return repr(value), {"import datetime"}


def _write_datetime(value: dt.datetime) -> Source:
    """Aware datetimes are written in UTC."""
    if value.tzinfo not in (None, dt.UTC):
        value = value.astimezone(dt.UTC)
    return repr(value), {"import datetime"}


def _bracketed(opening: str, closing: str, *, sort: bool = False, one_comma: bool = False):
    """A writer for a container shown as ``opening items closing``. Unordered containers
    are sorted so the same set always writes the same file; a one-item tuple needs its
    trailing comma."""

    def write(value) -> Source:
        items = sorted(value, key=repr) if sort else value
        texts, needed = _sources(items)
        inner = ", ".join(texts)
        if one_comma and len(texts) == 1:
            inner += ","
        return f"{opening}{inner}{closing}", needed

    return write


_write_list = _bracketed("[", "]")
_write_tuple = _bracketed("(", ")", one_comma=True)
_write_frozenset = _bracketed("frozenset([", "])", sort=True)
_write_nonempty_set = _bracketed("{", "}", sort=True)


def _write_set(value: set) -> Source:
    # "{}" would be a dict.
    return _write_nonempty_set(value) if value else ("set()", set())


def _write_iterable(value) -> Source:
    """Other iterables (generators, ranges of values) are written as tuples."""
    return _write_tuple(list(value))


def _write_dict(value: dict) -> Source:
    entries = sorted(value.items(), key=lambda entry: repr(entry[0]))
    keys, key_imports = _sources(key for key, _ in entries)
    values, value_imports = _sources(item for _, item in entries)
    body = ", ".join(f"{k}: {v}" for k, v in zip(keys, values, strict=True))
    return "{" + body + "}", key_imports | value_imports


def _write_enum(value: enum.Enum) -> Source:
    """``module.Enum["MEMBER"]``; flag combinations are joined with ``|``."""
    cls = type(value)
    members = list(value) if isinstance(value, enum.Flag) else [value]
    prefix = f"{cls.__module__}.{cls.__qualname__}"
    text = " | ".join(f"{prefix}[{python_string(member.name)}]" for member in members)
    return text, {f"import {cls.__module__}"}


def _write_function(value) -> Source:
    """Module-level functions and class methods, by import path; not lambdas."""
    owner = getattr(value, "__self__", None)
    if owner and isinstance(owner, type):
        return (f"{owner.__module__}.{owner.__qualname__}.{value.__name__}",
                {f"import {owner.__module__}"})
    if value.__name__ == "<lambda>":
        raise ValueError(
            "Cannot serialize function: lambda. Use a function defined at module level "
            "instead."
        )
    module = getattr(value, "__module__", None)
    if module is None:
        raise ValueError(f"Cannot serialize function {value!r}: No module")
    if "<" in value.__qualname__:  # defined inside another function
        raise ValueError(
            f"Could not find function {value.__name__} in {module}.\n"
            "Migrations can only serialize functions defined at the top level of a module."
        )
    return f"{module}.{value.__qualname__}", {f"import {module}"}


def _write_partial(value) -> Source:
    (func, args, keywords), needed = _sources([value.func, value.args, value.keywords])
    return (f"functools.{type(value).__name__}({func}, *{args}, **{keywords})",
            needed | {"import functools"})


def _write_regex(value) -> Source:
    # Python adds re.UNICODE to str patterns by itself; leave it out.
    own_flags = value.flags ^ re.compile("").flags
    parts = [value.pattern, own_flags] if own_flags else [value.pattern]
    texts, needed = _sources(parts)
    return f"re.compile({', '.join(texts)})", needed | {"import re"}


def _write_uuid(value: uuid.UUID) -> Source:
    return f"uuid.{value!r}", {"import uuid"}


def _write_pure_path(value: pathlib.PurePath) -> Source:
    # Concrete paths (PosixPath/WindowsPath) are written as the portable Pure* ones.
    kind = "Pure" if isinstance(value, pathlib.Path) else ""
    return f"pathlib.{kind}{value!r}", {"import pathlib"}


def _write_path_like(value) -> Source:
    return repr(os.fspath(value)), set()


def _write_zoneinfo(value: zoneinfo.ZoneInfo) -> Source:
    return f"zoneinfo.ZoneInfo({python_string(value.key)})", {"import zoneinfo"}


def _write_type(value: type) -> Source:
    if value is type(None):
        return "type(None)", set()
    if value is _models_attr("Model"):
        return "models.Model", {MODELS_IMPORT}
    if value.__module__ == "builtins":
        return value.__name__, set()
    return f"{value.__module__}.{value.__qualname__}", {f"import {value.__module__}"}


def _write_deconstructible(value) -> Source:
    return _call_source(*value.deconstruct())


def _write_field(value) -> Source:
    # A field's deconstruct() starts with its attribute name, not needed here.
    return _call_source(*value.deconstruct()[1:])


def _write_manager(value) -> Source:
    as_manager, manager_path, queryset_path, args, kwargs = value.deconstruct()
    if not as_manager:
        return _call_source(manager_path, args, kwargs)
    callee, needed = _import_path(queryset_path)
    return f"{callee}.as_manager()", needed


def _write_operation(value) -> Source:
    from reinhardt.orm.migrations.writer import OperationWriter

    text, needed = OperationWriter(value, indentation=0).serialize()
    # Nested operations are inside a list; the writer ends them with a comma.
    return text.rstrip(","), needed


def _write_setting(value) -> Source:
    return f"settings.{value.setting_name}", {"from reinhardt.conf import settings"}


def _write_choice(value) -> Source:
    """A models.Choices member is written as its plain value."""
    return _source(value.value)


def _serializer_for(write: Callable[[Any], Source], name: str) -> type[BaseSerializer]:
    """A BaseSerializer subclass running ``write``, for the registry."""
    return type(name, (BaseSerializer,), {
        "serialize": lambda self: write(self.value),
        "__doc__": write.__doc__,
        "__module__": __name__,
    })


StringSerializer = _serializer_for(_write_str, "StringSerializer")
DeconstructableSerializer = _serializer_for(_write_deconstructible,
                                            "DeconstructableSerializer")
ModelFieldSerializer = _serializer_for(_write_field, "ModelFieldSerializer")
ModelManagerSerializer = _serializer_for(_write_manager, "ModelManagerSerializer")
OperationSerializer = _serializer_for(_write_operation, "OperationSerializer")
TypeSerializer = _serializer_for(_write_type, "TypeSerializer")
SettingsReferenceSerializer = _serializer_for(_write_setting, "SettingsReferenceSerializer")
ChoicesSerializer = _serializer_for(_write_choice, "ChoicesSerializer")

# Checked in this order (a bool is an int, a set is iterable): the first match wins.
_BUILTIN_WRITERS: list[tuple[type | tuple[type, ...], Callable[[Any], Source]]] = [
    (frozenset, _write_frozenset),
    (list, _write_list),
    (set, _write_set),
    (tuple, _write_tuple),
    (dict, _write_dict),
    (enum.Enum, _write_enum),
    (dt.datetime, _write_datetime),
    ((dt.date, dt.timedelta, dt.time), _write_date_like),
    (bool, _write_repr),
    (float, _write_float),
    ((int, type(None)), _write_repr),
    (bytes, _write_bytes),
    (str, _write_str),
    (decimal.Decimal, _write_decimal),
    ((functools.partial, functools.partialmethod), _write_partial),
    ((types.FunctionType, types.BuiltinFunctionType, types.MethodType), _write_function),
    (collections.abc.Iterable, _write_iterable),
    ((COMPILED_REGEX_TYPE, RegexObject), _write_regex),
    (uuid.UUID, _write_uuid),
    (pathlib.PurePath, _write_pure_path),
    (os.PathLike, _write_path_like),
    (zoneinfo.ZoneInfo, _write_zoneinfo),
]


class Serializer:
    """The registry of serializers by type; the first match (in order) wins."""

    _registry: dict[type | tuple, type[BaseSerializer]] = {
        kind: _serializer_for(write, f"Serializer{write.__name__}")
        for kind, write in _BUILTIN_WRITERS
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
    special = _special_serializer(value)
    if special is not None:
        return special(value)
    for kind, serializer in Serializer._registry.items():
        if isinstance(value, kind):
            return serializer(value)
    raise ValueError(
        f"Cannot serialize: {value!r}\nThere are some values reinhardt cannot serialize into "
        "migration files. Give the class a deconstruct() method returning "
        "(import path, args, kwargs), or register a serializer with "
        "MigrationWriter.register_serializer()."
    )


def _special_serializer(value) -> type[BaseSerializer] | None:
    """Kinds that take precedence over the registry: ORM objects, operations, classes,
    and anything with a deconstruct() method."""
    from reinhardt.orm.migrations.operations.base import Operation

    for owner, serializer in (
        (_models_attr("Choices"), ChoicesSerializer),
        (_models_attr("Field"), ModelFieldSerializer),
        (_models_attr("manager", "BaseManager"), ModelManagerSerializer),
        (Operation, OperationSerializer),
        (type, TypeSerializer),
    ):
        if owner is not None and isinstance(value, owner):
            return serializer
    if hasattr(value, "deconstruct"):
        return DeconstructableSerializer
    return None


def _models_module():
    module = sys.modules.get(MODELS_MODULE)
    if module is None:
        try:
            module = importlib.import_module(MODELS_MODULE)
        except ImportError:
            return None
    return module


def _models_attr(*path: str):
    """An attribute of reinhardt.orm.models, or None if the ORM does not provide it."""
    found = _models_module()
    for name in path:
        found = getattr(found, name, None)
    return found

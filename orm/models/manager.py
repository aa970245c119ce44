"""Managers: ``Model.objects`` and friends, the entry point to a model's QuerySets.

A manager class is made from a QuerySet class (``Manager.from_queryset(MyQuerySet)`` or
``MyQuerySet.as_manager()``): it gets one method per public QuerySet method, each starting
from a fresh ``get_queryset()``. Managers remember their constructor arguments so that
migrations can write them out again (``deconstruct``).
"""

from __future__ import annotations

import copy
import inspect
from functools import wraps
from importlib import import_module
from itertools import count

from reinhardt.orm import router
from reinhardt.orm.models.query import QuerySet

# Managers sort by creation order: the first one declared on a model is its default.
_creation_order = count()


def _proxy(name: str, original):
    """A manager method that runs QuerySet method ``name`` on a new queryset."""

    @wraps(original)
    def method(self, *args, **kwargs):
        return getattr(self.get_queryset(), name)(*args, **kwargs)

    return method


def _copied_to_managers(name: str, function) -> bool:
    """Public QuerySet methods are, unless marked ``queryset_only = True``; private ones
    only when marked ``queryset_only = False``."""
    marked = getattr(function, "queryset_only", None)
    if marked is None:
        return not name.startswith("_")
    return not marked


class BaseManager:
    creation_counter = 0
    auto_created = False  # True for the "objects" manager a model gets when it declares none
    use_in_migrations = False  # when True, migrations (and so RunPython) have this manager

    def __new__(cls, *args, **kwargs):
        manager = super().__new__(cls)
        # Kept for deconstruct(): migrations recreate the manager from them.
        manager._constructor_args = (args, kwargs)
        return manager

    def __init__(self):
        super().__init__()
        self.creation_counter = next(_creation_order)
        self.model = None
        self.name = None
        self._db = None
        self._hints = {}

    def _set_creation_counter(self):
        self.creation_counter = next(_creation_order)

    def __str__(self):
        return f"{self.model._meta.label}.{self.name}"

    def __class_getitem__(cls, *args, **kwargs):
        return cls  # Manager["Model"] in type hints

    def __eq__(self, other):
        return isinstance(other, type(self)) and self._constructor_args == other._constructor_args

    def __hash__(self):
        return id(self)

    def check(self, **kwargs):
        return []

    def deconstruct(self):
        """(as_manager, manager class path, queryset class path, args, kwargs)."""
        if getattr(self, "_built_with_as_manager", False):
            queryset_class = self._queryset_class
            return True, None, f"{queryset_class.__module__}.{queryset_class.__name__}", None, None
        module, name = type(self).__module__, type(self).__name__
        if not hasattr(import_module(module), name):
            raise ValueError(
                f"Could not find manager {name} in {module}.\n"
                "Please note that you need to inherit from managers you dynamically generated "
                "with 'from_queryset()'."
            )
        args, kwargs = self._constructor_args
        return False, f"{module}.{name}", None, args, kwargs

    @classmethod
    def _get_queryset_methods(cls, queryset_class) -> dict:
        """Proxies for the QuerySet methods this manager class does not define itself."""
        return {
            name: _proxy(name, function)
            for name, function in inspect.getmembers(queryset_class, inspect.isfunction)
            if not hasattr(cls, name) and _copied_to_managers(name, function)
        }

    @classmethod
    def from_queryset(cls, queryset_class, class_name=None):
        """A subclass of this manager with the public methods of ``queryset_class``."""
        attributes = {"_queryset_class": queryset_class}
        attributes.update(cls._get_queryset_methods(queryset_class))
        name = class_name or f"{cls.__name__}From{queryset_class.__name__}"
        return type(name, (cls,), attributes)

    def contribute_to_class(self, cls, name):
        self.name = self.name or name
        self.model = cls
        setattr(cls, name, ManagerDescriptor(self))
        cls._meta.add_manager(self)

    def db_manager(self, using=None, hints=None):
        """A copy of this manager bound to database ``using``."""
        bound = copy.copy(self)
        bound._db = using or self._db
        bound._hints = hints or self._hints
        return bound

    @property
    def db(self):
        return self._db or router.db_for_read(self.model, **self._hints)

    def get_queryset(self):
        """A new QuerySet over this manager's model; override to customise it."""
        return self._queryset_class(model=self.model, using=self._db, hints=self._hints)

    def all(self):
        # The queryset itself, not a clone of it: a related manager's get_queryset() may
        # hold prefetched results that all() must hand over.
        return self.get_queryset()


class Manager(BaseManager.from_queryset(QuerySet)):
    pass


class ManagerDescriptor:
    """``Model.objects``: the manager on the class; an error on instances, abstract models
    and swapped-out models."""

    def __init__(self, manager):
        self.manager = manager

    def __get__(self, instance, cls=None):
        if instance is not None:
            raise AttributeError(f"Manager isn't accessible via {cls.__name__} instances")
        meta = cls._meta
        if meta.abstract:
            raise AttributeError(f"Manager isn't available; {meta.object_name} is abstract")
        if meta.swapped:
            raise AttributeError(
                f"Manager isn't available; '{meta.label}' has been swapped for '{meta.swapped}'"
            )
        return meta.managers_map[self.manager.name]


class EmptyManager(Manager):
    """A manager whose querysets are always empty (for models that have no table)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def get_queryset(self):
        return super().get_queryset().none()

"""The Operation base class: one change to the models' state and to the database schema."""

from __future__ import annotations

import enum
from typing import Any


class OperationCategory(enum.StrEnum):
    """The symbol shown before an operation in makemigrations/sqlmigrate output."""

    ADDITION = "+"
    REMOVAL = "-"
    ALTERATION = "~"
    PYTHON = "p"
    SQL = "s"
    MIXED = "?"


class Operation:
    """A change, applied twice: to the in-memory project state (``state_forwards``) and to
    the database (``database_forwards``/``database_backwards``).

    An operation is written into migration files through ``deconstruct()``, which returns
    the arguments it was built with, so operations must keep them (``__new__`` records them).
    """

    # Can database_backwards undo it?
    reversible = True
    # Can it be shown as SQL (sqlmigrate)? RunPython cannot.
    reduces_to_sql = True
    # Should it run in a transaction of its own even in a non-atomic migration?
    atomic = False
    # May squashmigrations drop it?
    elidable = False
    # Arguments the writer puts one item a line.
    serialization_expand_args: list[str] = []
    category: OperationCategory | None = None

    def __new__(cls, *args: Any, **kwargs: Any):
        self = object.__new__(cls)
        self._constructor_args = (args, kwargs)
        return self

    def deconstruct(self) -> tuple[str, tuple, dict]:
        """``(class name, args, kwargs)``: how to write this operation in a migration file."""
        return (
            self.__class__.__name__,
            self._constructor_args[0],
            self._constructor_args[1],
        )

    def state_forwards(self, app_label: str, state) -> None:
        raise NotImplementedError(
            "subclasses of Operation must provide a state_forwards() method"
        )

    def database_forwards(self, app_label: str, schema_editor, from_state, to_state) -> None:
        raise NotImplementedError(
            "subclasses of Operation must provide a database_forwards() method"
        )

    def database_backwards(self, app_label: str, schema_editor, from_state, to_state) -> None:
        raise NotImplementedError(
            "subclasses of Operation must provide a database_backwards() method"
        )

    def describe(self) -> str:
        """A one-line human description, e.g. "Create model Question"."""
        return f"Operation {self.__class__.__name__}: {self._constructor_args}"

    def formatted_description(self) -> str:
        """The description with its category symbol, as makemigrations prints it."""
        category = self.category or OperationCategory.MIXED
        return f"{category.value} {self.describe()}"

    @property
    def migration_name_fragment(self) -> str | None:
        """A part of a migration name, e.g. "question_pub_date"; None when there is none."""
        return None

    def references_model(self, name: str, app_label: str) -> bool:
        """Could this operation touch model ``name``? (True when unsure, for the optimizer.)"""
        return True

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return self.references_model(model_name, app_label)

    def allow_migrate_model(self, connection_alias: str, model) -> bool:
        """Whether the database routers let this operation change ``model``'s table."""
        from reinhardt.orm import router

        if not model._meta.can_migrate(connection_alias):
            return False
        return router.allow_migrate_model(connection_alias, model)

    def routed_model(self, state, app_label: str, model_name: str, schema_editor):
        """Model ``model_name`` as ``state`` renders it, or None when it must be left alone
        on this database (unmanaged, proxy, or refused by the routers)."""
        model = state.apps.get_model(app_label, model_name)
        return model if self.allow_migrate_model(schema_editor.connection.alias, model) else None

    def written_kwargs(self, *names: str, **optional) -> dict:
        """The keyword arguments ``deconstruct()`` writes: ``names`` always, each of
        ``optional`` (name=value) only when it differs from the constructor's default."""
        kwargs = {name: getattr(self, name) for name in names}
        for name, default in optional.items():
            value = getattr(self, name)
            if value != default:
                kwargs[name] = value
        return kwargs

    def reduce(self, operation: Operation, app_label: str):
        """Combine with a later ``operation``: a list of operations that replaces both,
        True if ``operation`` may be moved past this one, or False."""
        if self.elidable:
            return [operation]
        if operation.elidable:
            return [self]
        return False

    def __repr__(self) -> str:
        args, kwargs = self._constructor_args
        return "<{} {}{}>".format(
            self.__class__.__name__,
            ", ".join(map(repr, args)),
            ",".join(f" {key}={value!r}" for key, value in kwargs.items()),
        )

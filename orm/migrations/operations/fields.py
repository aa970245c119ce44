"""Operations on one field: AddField, RemoveField, AlterField, RenameField.

The three column changes (add, drop, alter) each have one implementation on
``FieldOperation``; an operation's forwards and backwards are those with the two states in
the right roles (RemoveField backwards is an add, RenameField is an alter between names).
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property

from reinhardt.orm.migrations.operations.base import Operation, OperationCategory
from reinhardt.orm.migrations.utils import field_references


class FieldOperation(Operation):
    """An operation on field ``name`` of model ``model_name``."""

    # Only AddField and AlterField can carry a one-off default.
    preserve_default = True

    def __init__(self, model_name: str, name: str, field=None):
        self.model_name, self.name, self.field = model_name, name, field

    @cached_property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    @cached_property
    def name_lower(self) -> str:
        return self.name.lower()

    def is_same_model_operation(self, operation) -> bool:
        return operation.model_name_lower == self.model_name_lower

    def is_same_field_operation(self, operation) -> bool:
        return (operation.model_name_lower, operation.name_lower) == (
            self.model_name_lower, self.name_lower)

    def _same_field(self, operation) -> bool:
        """Is ``operation`` a field operation on the same field as this one?"""
        return isinstance(operation, FieldOperation) and self.is_same_field_operation(operation)

    def references_model(self, name, app_label):
        target = name.lower()
        if target == self.model_name_lower:
            return True
        if not self.field:
            return False
        return bool(field_references((app_label, self.model_name_lower), self.field,
                                     (app_label, target)))

    def references_field(self, model_name, name, app_label):
        target_model = model_name.lower()
        if target_model == self.model_name_lower and (
            name == self.name or name in (getattr(self.field, "from_fields", None) or ())
        ):
            return True
        if self.field is None:
            return False
        return bool(field_references((app_label, self.model_name_lower), self.field,
                                     (app_label, target_model), name))

    def reduce(self, operation, app_label):
        merged = Operation.reduce(self, operation, app_label)
        if merged:
            return merged
        return not operation.references_field(self.model_name, self.name, app_label)

    # -- the schema changes, shared by the subclasses -------------------------------

    @contextmanager
    def _one_off_default(self, field):
        """With ``preserve_default=False`` the default fills existing rows only: the
        rendered field gets it for the schema change and loses it afterwards."""
        if self.preserve_default:
            yield field
            return
        from reinhardt.orm.models.fields import NOT_PROVIDED

        field.default = self.field.default
        try:
            yield field
        finally:
            field.default = NOT_PROVIDED

    def _add_column(self, app_label, schema_editor, without, with_field):
        """Add the field as state ``with_field`` has it to the table of ``without``."""
        target = self.routed_model(with_field, app_label, self.model_name, schema_editor)
        if target is None:
            return
        source = without.apps.get_model(app_label, self.model_name)
        with self._one_off_default(target._meta.get_field(self.name)) as field:
            schema_editor.add_field(source, field)

    def _drop_column(self, app_label, schema_editor, with_field):
        model = self.routed_model(with_field, app_label, self.model_name, schema_editor)
        if model is not None:
            schema_editor.remove_field(model, model._meta.get_field(self.name))

    def _alter_column(self, app_label, schema_editor, old_state, new_state, old_name, new_name):
        target = self.routed_model(new_state, app_label, self.model_name, schema_editor)
        if target is None:
            return
        source = old_state.apps.get_model(app_label, self.model_name)
        with self._one_off_default(target._meta.get_field(new_name)) as field:
            schema_editor.alter_field(source, source._meta.get_field(old_name), field)


class AddField(FieldOperation):
    """Add a field to a model (a column, or a many-to-many table).

    ``preserve_default=False`` means the default only fills existing rows: the model
    keeps no default (what makemigrations writes after asking for a one-off default).
    """

    def __init__(self, model_name: str, name: str, field, preserve_default: bool = True):
        super().__init__(model_name, name, field)
        self.preserve_default = preserve_default

    category = OperationCategory.ADDITION

    def deconstruct(self):
        kwargs = self.written_kwargs("model_name", "name", "field", preserve_default=True)
        return type(self).__name__, [], kwargs

    def state_forwards(self, app_label, state):
        state.add_field(app_label, self.model_name_lower, self.name, self.field,
                        self.preserve_default)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._add_column(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._drop_column(app_label, schema_editor, from_state)

    def describe(self):
        return f"Add field {self.name} to {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.name_lower}"

    def reduce(self, operation, app_label):
        if not self._same_field(operation):
            return super().reduce(operation, app_label)
        if isinstance(operation, RemoveField):
            return []  # added, then dropped: nothing happened
        if isinstance(operation, AlterField):
            return [AddField(model_name=self.model_name, name=operation.name,
                             field=operation.field)]
        if isinstance(operation, RenameField):
            return [AddField(model_name=self.model_name, name=operation.new_name,
                             field=self.field)]
        return super().reduce(operation, app_label)


class RemoveField(FieldOperation):
    """Drop a field (and its column's data) from a model."""

    def deconstruct(self):
        return type(self).__name__, [], self.written_kwargs("model_name", "name")

    category = OperationCategory.REMOVAL

    def state_forwards(self, app_label, state):
        state.remove_field(app_label, self.model_name_lower, self.name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._drop_column(app_label, schema_editor, from_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._add_column(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Remove field {self.name} from {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"remove_{self.model_name_lower}_{self.name_lower}"

    def reduce(self, operation, app_label):
        from reinhardt.orm.migrations.operations.models import DeleteModel

        # Dropping the whole table drops the column too.
        drops_model = (isinstance(operation, DeleteModel)
                       and operation.name_lower == self.model_name_lower)
        return [operation] if drops_model else super().reduce(operation, app_label)


class AlterField(FieldOperation):
    """Change a field's definition (type, null, default, max_length, ...), keeping data."""

    def __init__(self, model_name: str, name: str, field, preserve_default: bool = True):
        super().__init__(model_name, name, field)
        self.preserve_default = preserve_default

    category = OperationCategory.ALTERATION

    def deconstruct(self):
        kwargs = self.written_kwargs("model_name", "name", "field", preserve_default=True)
        return type(self).__name__, [], kwargs

    def state_forwards(self, app_label, state):
        state.alter_field(app_label, self.model_name_lower, self.name, self.field,
                          self.preserve_default)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._alter_column(app_label, schema_editor, from_state, to_state, self.name, self.name)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._alter_column(app_label, schema_editor, from_state, to_state, self.name, self.name)

    def describe(self):
        return f"Alter field {self.name} on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.model_name_lower}_{self.name_lower}"

    def reduce(self, operation, app_label):
        if not self._same_field(operation):
            return super().reduce(operation, app_label)
        if isinstance(operation, (AlterField, RemoveField)):
            return [operation]  # the later definition (or the drop) wins
        # A renamed field keeps this definition, unless the column name is fixed.
        if isinstance(operation, RenameField) and self.field.db_column is None:
            renamed = AlterField(model_name=self.model_name, name=operation.new_name,
                                 field=self.field)
            return [operation, renamed]
        return super().reduce(operation, app_label)


class RenameField(FieldOperation):
    """Rename a field; its column is renamed in place, so the data stays."""

    def __init__(self, model_name: str, old_name: str, new_name: str):
        super().__init__(model_name, old_name)
        self.old_name, self.new_name = old_name, new_name

    category = OperationCategory.ALTERATION

    @cached_property
    def old_name_lower(self) -> str:
        return self.old_name.lower()

    @cached_property
    def new_name_lower(self) -> str:
        return self.new_name.lower()

    def deconstruct(self):
        return type(self).__name__, [], self.written_kwargs("model_name", "old_name",
                                                            "new_name")

    def state_forwards(self, app_label, state):
        state.rename_field(app_label, self.model_name_lower, self.old_name, self.new_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._alter_column(app_label, schema_editor, from_state, to_state,
                           self.old_name, self.new_name)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._alter_column(app_label, schema_editor, from_state, to_state,
                           self.new_name, self.old_name)

    def describe(self):
        return f"Rename field {self.old_name} on {self.model_name} to {self.new_name}"

    @property
    def migration_name_fragment(self):
        return f"rename_{self.old_name_lower}_{self.model_name_lower}_{self.new_name_lower}"

    def references_field(self, model_name, name, app_label):
        if not self.references_model(model_name, app_label):
            return False
        return name.lower() in {self.old_name_lower, self.new_name_lower}

    def reduce(self, operation, app_label):
        chained = (isinstance(operation, RenameField)
                   and self.is_same_model_operation(operation)
                   and operation.old_name_lower == self.new_name_lower)
        if chained:  # a -> b, then b -> c: a -> c
            return [RenameField(self.model_name, self.old_name, operation.new_name)]
        # A later operation may use either name; FieldOperation.reduce checks one only.
        merged = Operation.reduce(self, operation, app_label)
        if merged:
            return merged
        return not any(operation.references_field(self.model_name, field_name, app_label)
                       for field_name in (self.old_name, self.new_name))

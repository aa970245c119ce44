"""Operations on one field: AddField, RemoveField, AlterField, RenameField."""

from __future__ import annotations

from functools import cached_property

from reinhardt.orm.migrations.operations.base import Operation, OperationCategory
from reinhardt.orm.migrations.utils import field_references


def _not_provided():
    from reinhardt.orm.models.fields import NOT_PROVIDED

    return NOT_PROVIDED


class FieldOperation(Operation):
    """An operation on field ``name`` of model ``model_name``."""

    def __init__(self, model_name: str, name: str, field=None):
        self.model_name = model_name
        self.name = name
        self.field = field

    @cached_property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    @cached_property
    def name_lower(self) -> str:
        return self.name.lower()

    def is_same_model_operation(self, operation) -> bool:
        return self.model_name_lower == operation.model_name_lower

    def is_same_field_operation(self, operation) -> bool:
        return self.is_same_model_operation(operation) and self.name_lower == operation.name_lower

    def references_model(self, name, app_label):
        name_lower = name.lower()
        if name_lower == self.model_name_lower:
            return True
        if self.field:
            return bool(
                field_references((app_label, self.model_name_lower), self.field,
                                 (app_label, name_lower))
            )
        return False

    def references_field(self, model_name, name, app_label):
        model_name_lower = model_name.lower()
        if model_name_lower == self.model_name_lower:
            if name == self.name:
                return True
            if self.field and name in (getattr(self.field, "from_fields", None) or ()):
                return True
        if self.field is None:
            return False
        return bool(
            field_references((app_label, self.model_name_lower), self.field,
                             (app_label, model_name_lower), name)
        )

    def reduce(self, operation, app_label):
        return super().reduce(operation, app_label) or not operation.references_field(
            self.model_name, self.name, app_label
        )


class AddField(FieldOperation):
    """Add a field to a model (a column, or a many-to-many table).

    ``preserve_default=False`` means the default only fills existing rows: the model
    keeps no default (what makemigrations writes after asking for a one-off default).
    """

    category = OperationCategory.ADDITION

    def __init__(self, model_name: str, name: str, field, preserve_default: bool = True):
        self.preserve_default = preserve_default
        super().__init__(model_name, name, field)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "name": self.name, "field": self.field}
        if self.preserve_default is not True:
            kwargs["preserve_default"] = self.preserve_default
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label, state):
        state.add_field(app_label, self.model_name_lower, self.name, self.field,
                        self.preserve_default)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, to_model):
            return
        from_model = from_state.apps.get_model(app_label, self.model_name)
        field = to_model._meta.get_field(self.name)
        if not self.preserve_default:
            field.default = self.field.default
        schema_editor.add_field(from_model, field)
        if not self.preserve_default:
            field.default = _not_provided()

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        from_model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, from_model):
            schema_editor.remove_field(from_model, from_model._meta.get_field(self.name))

    def describe(self):
        return f"Add field {self.name} to {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.name_lower}"

    def reduce(self, operation, app_label):
        if isinstance(operation, FieldOperation) and self.is_same_field_operation(operation):
            if isinstance(operation, AlterField):
                return [AddField(model_name=self.model_name, name=operation.name,
                                 field=operation.field)]
            if isinstance(operation, RemoveField):
                return []
            if isinstance(operation, RenameField):
                return [AddField(model_name=self.model_name, name=operation.new_name,
                                 field=self.field)]
        return super().reduce(operation, app_label)


class RemoveField(FieldOperation):
    """Drop a field (and its column's data) from a model."""

    category = OperationCategory.REMOVAL

    def deconstruct(self):
        return self.__class__.__name__, [], {"model_name": self.model_name, "name": self.name}

    def state_forwards(self, app_label, state):
        state.remove_field(app_label, self.model_name_lower, self.name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        from_model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, from_model):
            schema_editor.remove_field(from_model, from_model._meta.get_field(self.name))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, to_model):
            from_model = from_state.apps.get_model(app_label, self.model_name)
            schema_editor.add_field(from_model, to_model._meta.get_field(self.name))

    def describe(self):
        return f"Remove field {self.name} from {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"remove_{self.model_name_lower}_{self.name_lower}"

    def reduce(self, operation, app_label):
        from reinhardt.orm.migrations.operations.models import DeleteModel

        if isinstance(operation, DeleteModel) and operation.name_lower == self.model_name_lower:
            return [operation]
        return super().reduce(operation, app_label)


class AlterField(FieldOperation):
    """Change a field's definition (type, null, default, max_length, ...), keeping data."""

    category = OperationCategory.ALTERATION

    def __init__(self, model_name: str, name: str, field, preserve_default: bool = True):
        self.preserve_default = preserve_default
        super().__init__(model_name, name, field)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "name": self.name, "field": self.field}
        if self.preserve_default is not True:
            kwargs["preserve_default"] = self.preserve_default
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label, state):
        state.alter_field(app_label, self.model_name_lower, self.name, self.field,
                          self.preserve_default)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, to_model):
            return
        from_model = from_state.apps.get_model(app_label, self.model_name)
        from_field = from_model._meta.get_field(self.name)
        to_field = to_model._meta.get_field(self.name)
        if not self.preserve_default:
            to_field.default = self.field.default
        schema_editor.alter_field(from_model, from_field, to_field)
        if not self.preserve_default:
            to_field.default = _not_provided()

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Alter field {self.name} on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.model_name_lower}_{self.name_lower}"

    def reduce(self, operation, app_label):
        if isinstance(operation, (AlterField, RemoveField)) and self.is_same_field_operation(
            operation
        ):
            return [operation]
        if (
            isinstance(operation, RenameField)
            and self.is_same_field_operation(operation)
            and self.field.db_column is None
        ):
            return [operation, AlterField(model_name=self.model_name, name=operation.new_name,
                                          field=self.field)]
        return super().reduce(operation, app_label)


class RenameField(FieldOperation):
    """Rename a field; its column is renamed in place, so the data stays."""

    category = OperationCategory.ALTERATION

    def __init__(self, model_name: str, old_name: str, new_name: str):
        self.old_name = old_name
        self.new_name = new_name
        super().__init__(model_name, old_name)

    @cached_property
    def old_name_lower(self) -> str:
        return self.old_name.lower()

    @cached_property
    def new_name_lower(self) -> str:
        return self.new_name.lower()

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "old_name": self.old_name,
                  "new_name": self.new_name}
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label, state):
        state.rename_field(app_label, self.model_name_lower, self.old_name, self.new_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, to_model):
            from_model = from_state.apps.get_model(app_label, self.model_name)
            schema_editor.alter_field(
                from_model,
                from_model._meta.get_field(self.old_name),
                to_model._meta.get_field(self.new_name),
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, to_model):
            from_model = from_state.apps.get_model(app_label, self.model_name)
            schema_editor.alter_field(
                from_model,
                from_model._meta.get_field(self.new_name),
                to_model._meta.get_field(self.old_name),
            )

    def describe(self):
        return f"Rename field {self.old_name} on {self.model_name} to {self.new_name}"

    @property
    def migration_name_fragment(self):
        return f"rename_{self.old_name_lower}_{self.model_name_lower}_{self.new_name_lower}"

    def references_field(self, model_name, name, app_label):
        return self.references_model(model_name, app_label) and name.lower() in (
            self.old_name_lower,
            self.new_name_lower,
        )

    def reduce(self, operation, app_label):
        if (
            isinstance(operation, RenameField)
            and self.is_same_model_operation(operation)
            and self.new_name_lower == operation.old_name_lower
        ):
            return [RenameField(self.model_name, self.old_name, operation.new_name)]
        # FieldOperation.reduce would check references to self.name (the old name) only.
        return Operation.reduce(self, operation, app_label) or not (
            operation.references_field(self.model_name, self.old_name, app_label)
            or operation.references_field(self.model_name, self.new_name, app_label)
        )

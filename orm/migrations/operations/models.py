"""Operations on whole models: create, delete, rename, table and Meta options, indexes and
constraints."""

from __future__ import annotations

from functools import cached_property

from reinhardt.orm import models
from reinhardt.orm.migrations.operations.base import Operation, OperationCategory
from reinhardt.orm.migrations.operations.fields import (
    AddField,
    AlterField,
    FieldOperation,
    RemoveField,
    RenameField,
)
from reinhardt.orm.migrations.utils import field_references, resolve_relation


def _models():
    return models


def _check_for_duplicates(arg_name: str, objs) -> None:
    used_vals = set()
    for val in objs:
        if val in used_vals:
            raise ValueError(f"Found duplicate value {val} in CreateModel {arg_name} argument.")
        used_vals.add(val)


class ModelOperation(Operation):
    """An operation on the model ``name``."""

    def __init__(self, name: str):
        self.name = name

    @cached_property
    def name_lower(self) -> str:
        return self.name.lower()

    def references_model(self, name, app_label):
        return name.lower() == self.name_lower

    def reduce(self, operation, app_label):
        return super().reduce(operation, app_label) or self.can_reduce_through(
            operation, app_label
        )

    def can_reduce_through(self, operation, app_label) -> bool:
        return not operation.references_model(self.name, app_label)


class CreateModel(ModelOperation):
    """Create a model's table (and its many-to-many tables)."""

    category = OperationCategory.ADDITION
    serialization_expand_args = ["fields", "options", "managers"]

    def __init__(self, name: str, fields, options: dict | None = None, bases=None,
                 managers=None):
        self.fields = fields
        self.options = options or {}
        self.bases = bases or (_models().Model,)
        self.managers = managers or []
        super().__init__(name)
        _check_for_duplicates("fields", (name for name, _ in self.fields))
        _check_for_duplicates(
            "bases",
            (
                base._meta.label_lower
                if hasattr(base, "_meta")
                else base.lower() if isinstance(base, str) else base
                for base in self.bases
            ),
        )
        _check_for_duplicates("managers", (name for name, _ in self.managers))

    def deconstruct(self):
        models = _models()
        kwargs = {"name": self.name, "fields": self.fields}
        if self.options:
            kwargs["options"] = self.options
        if self.bases and self.bases != (models.Model,):
            kwargs["bases"] = self.bases
        if self.managers and self.managers != [("objects", models.Manager())]:
            kwargs["managers"] = self.managers
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        from reinhardt.orm.migrations.state import ModelState

        state.add_model(
            ModelState(app_label, self.name, list(self.fields), dict(self.options),
                       tuple(self.bases), list(self.managers))
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.create_model(model)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.delete_model(model)

    def describe(self):
        proxy = "proxy " if self.options.get("proxy", False) else ""
        return f"Create {proxy}model {self.name}"

    @property
    def migration_name_fragment(self):
        return self.name_lower

    def references_model(self, name, app_label):
        name_lower = name.lower()
        if name_lower == self.name_lower:
            return True
        models = _models()
        reference_model_tuple = (app_label, name_lower)
        for base in self.bases:
            if (
                base is not models.Model
                and (isinstance(base, str) or hasattr(base, "_meta"))
                and resolve_relation(base, app_label) == reference_model_tuple
            ):
                return True
        for _name, field in self.fields:
            if field_references((app_label, self.name_lower), field, reference_model_tuple):
                return True
        return False

    def reduce(self, operation, app_label):
        if (
            isinstance(operation, DeleteModel)
            and self.name_lower == operation.name_lower
            and not self.options.get("proxy", False)
        ):
            return []
        if isinstance(operation, RenameModel) and self.name_lower == operation.old_name_lower:
            return [self._with(name=operation.new_name)]
        if isinstance(operation, AlterModelOptions) and self.name_lower == operation.name_lower:
            options = {**self.options, **operation.options}
            for key in operation.ALTER_OPTION_KEYS:
                if key not in operation.options:
                    options.pop(key, None)
            return [self._with(options=options)]
        if isinstance(operation, AlterModelManagers) and self.name_lower == operation.name_lower:
            return [self._with(managers=operation.managers)]
        if isinstance(operation, AlterModelTable) and self.name_lower == operation.name_lower:
            return [self._with(options={**self.options, "db_table": operation.table})]
        if (
            isinstance(operation, AlterModelTableComment)
            and self.name_lower == operation.name_lower
        ):
            return [self._with(options={**self.options,
                                        "db_table_comment": operation.table_comment})]
        if (
            isinstance(operation, AlterTogetherOptionOperation)
            and self.name_lower == operation.name_lower
        ):
            return [self._with(options={**self.options,
                                        operation.option_name: operation.option_value})]
        if (
            isinstance(operation, AlterOrderWithRespectTo)
            and self.name_lower == operation.name_lower
        ):
            return [self._with(options={**self.options, "order_with_respect_to":
                                        operation.order_with_respect_to})]
        if (
            isinstance(operation, FieldOperation)
            and self.name_lower == operation.model_name_lower
        ):
            return self._reduce_field_operation(operation)
        if (
            isinstance(operation, IndexOperation)
            and self.name_lower == operation.model_name_lower
        ):
            reduced = self._reduce_index_operation(operation)
            if reduced:
                return reduced
        return super().reduce(operation, app_label)

    def _reduce_index_operation(self, operation):
        """Indexes and constraints of a new model go into its CreateModel options."""
        indexes = self.options.get("indexes", [])
        constraints = self.options.get("constraints", [])
        if isinstance(operation, AddIndex):
            return [self._with(options={**self.options,
                                        "indexes": [*indexes, operation.index]})]
        if isinstance(operation, RemoveIndex):
            return [self._with(options={
                **self.options,
                "indexes": [i for i in indexes if i.name != operation.name],
            })]
        if isinstance(operation, AddConstraint):
            return [self._with(options={**self.options,
                                        "constraints": [*constraints, operation.constraint]})]
        if isinstance(operation, RemoveConstraint):
            return [self._with(options={
                **self.options,
                "constraints": [c for c in constraints if c.name != operation.name],
            })]
        return False

    def _with(self, **changes) -> CreateModel:
        arguments = {"name": self.name, "fields": self.fields, "options": self.options,
                     "bases": self.bases, "managers": self.managers, **changes}
        return CreateModel(**arguments)

    def _reduce_field_operation(self, operation):
        if isinstance(operation, AddField):
            return [self._with(fields=[*self.fields, (operation.name, operation.field)])]
        if isinstance(operation, AlterField):
            return [self._with(fields=[
                (name, operation.field if name == operation.name else field)
                for name, field in self.fields
            ])]
        if isinstance(operation, RemoveField):
            options = self.options.copy()
            for option_name in ("unique_together", "index_together"):
                option = options.pop(option_name, None)
                if option:
                    option = {
                        tuple(f for f in fields if f != operation.name_lower)
                        for fields in option
                    }
                    option = {fields for fields in option if fields}
                    if option:
                        options[option_name] = option
            if options.get("order_with_respect_to", "").lower() == operation.name_lower:
                del options["order_with_respect_to"]
            return [self._with(
                fields=[(n, v) for n, v in self.fields if n.lower() != operation.name_lower],
                options=options,
            )]
        if isinstance(operation, RenameField):
            options = self.options.copy()
            for option_name in ("unique_together", "index_together"):
                option = options.get(option_name)
                if option:
                    options[option_name] = {
                        tuple(operation.new_name if f == operation.old_name else f
                              for f in fields)
                        for fields in option
                    }
            if options.get("order_with_respect_to") == operation.old_name:
                options["order_with_respect_to"] = operation.new_name
            return [self._with(
                fields=[
                    (operation.new_name if n == operation.old_name else n, v)
                    for n, v in self.fields
                ],
                options=options,
            )]
        return False


class DeleteModel(ModelOperation):
    """Drop a model's table and its data."""

    category = OperationCategory.REMOVAL

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"name": self.name}

    def state_forwards(self, app_label, state):
        state.remove_model(app_label, self.name_lower)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.delete_model(model)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.create_model(model)

    def references_model(self, name, app_label):
        # Other models may point at this one: assume it references everything.
        return True

    def describe(self):
        return f"Delete model {self.name}"

    @property
    def migration_name_fragment(self):
        return f"delete_{self.name_lower}"


class RenameModel(ModelOperation):
    """Rename a model: its table (unless db_table is fixed), relations to it, and the
    many-to-many tables named after it; rows are kept."""

    category = OperationCategory.ALTERATION

    def __init__(self, old_name: str, new_name: str):
        self.old_name = old_name
        self.new_name = new_name
        super().__init__(old_name)

    @cached_property
    def old_name_lower(self) -> str:
        return self.old_name.lower()

    @cached_property
    def new_name_lower(self) -> str:
        return self.new_name.lower()

    def deconstruct(self):
        kwargs = {"old_name": self.old_name, "new_name": self.new_name}
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        state.rename_model(app_label, self.old_name, self.new_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        new_model = to_state.apps.get_model(app_label, self.new_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, new_model):
            return
        old_model = from_state.apps.get_model(app_label, self.old_name)
        if old_model._meta.db_table == new_model._meta.db_table:
            return
        schema_editor.alter_db_table(new_model, old_model._meta.db_table,
                                     new_model._meta.db_table)
        # Foreign keys pointing at the model now point at the renamed table.
        for related_object in old_model._meta.related_objects:
            if related_object.related_model == old_model:
                model = new_model
                related_key = (app_label, self.new_name_lower)
            else:
                model = related_object.related_model
                related_key = (related_object.related_model._meta.app_label,
                               related_object.related_model._meta.model_name)
            to_field = to_state.apps.get_model(*related_key)._meta.get_field(
                related_object.field.name
            )
            schema_editor.alter_field(model, related_object.field, to_field)
        # Auto-created many-to-many tables and columns are named after the model.
        for old_field, new_field in zip(old_model._meta.local_many_to_many,
                                        new_model._meta.local_many_to_many, strict=False):
            if (
                new_field.model == new_field.related_model
                or not new_field.remote_field.through._meta.auto_created
            ):
                continue
            schema_editor._alter_many_to_many(new_model, old_field, new_field, strict=False)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._swap_names()
        try:
            self.database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            self._swap_names()

    def _swap_names(self) -> None:
        self.new_name_lower, self.old_name_lower = self.old_name_lower, self.new_name_lower
        self.new_name, self.old_name = self.old_name, self.new_name

    def references_model(self, name, app_label):
        return name.lower() in (self.old_name_lower, self.new_name_lower)

    def describe(self):
        return f"Rename model {self.old_name} to {self.new_name}"

    @property
    def migration_name_fragment(self):
        return f"rename_{self.old_name_lower}_{self.new_name_lower}"

    def reduce(self, operation, app_label):
        if isinstance(operation, RenameModel) and self.new_name_lower == operation.old_name_lower:
            return [RenameModel(self.old_name, operation.new_name)]
        # Later operations use the new name: check references against it.
        return Operation.reduce(self, operation, app_label) or not operation.references_model(
            self.new_name, app_label
        )


class ModelOptionOperation(ModelOperation):
    """A change to Meta options: a later one of the same kind supersedes it."""

    category = OperationCategory.ALTERATION

    def reduce(self, operation, app_label):
        if (
            isinstance(operation, (self.__class__, DeleteModel))
            and self.name_lower == operation.name_lower
        ):
            return [operation]
        return super().reduce(operation, app_label)


class AlterModelTable(ModelOptionOperation):
    """Rename a model's table (Meta.db_table)."""

    def __init__(self, name: str, table: str | None):
        self.table = table
        super().__init__(name)

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"name": self.name, "table": self.table}

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower, {"db_table": self.table})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        new_model = to_state.apps.get_model(app_label, self.name)
        if not self.allow_migrate_model(schema_editor.connection.alias, new_model):
            return
        old_model = from_state.apps.get_model(app_label, self.name)
        schema_editor.alter_db_table(new_model, old_model._meta.db_table,
                                     new_model._meta.db_table)
        for old_field, new_field in zip(old_model._meta.local_many_to_many,
                                        new_model._meta.local_many_to_many, strict=False):
            if new_field.remote_field.through._meta.auto_created:
                schema_editor.alter_db_table(
                    new_field.remote_field.through,
                    old_field.remote_field.through._meta.db_table,
                    new_field.remote_field.through._meta.db_table,
                )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        return self.database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        table = self.table if self.table is not None else "(default)"
        return f"Rename table for {self.name} to {table}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_table"


class AlterModelTableComment(ModelOptionOperation):
    """Change Meta.db_table_comment."""

    def __init__(self, name: str, table_comment: str | None):
        self.table_comment = table_comment
        super().__init__(name)

    def deconstruct(self):
        kwargs = {"name": self.name, "table_comment": self.table_comment}
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower,
                                  {"db_table_comment": self.table_comment})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        new_model = to_state.apps.get_model(app_label, self.name)
        if self.allow_migrate_model(schema_editor.connection.alias, new_model):
            old_model = from_state.apps.get_model(app_label, self.name)
            schema_editor.alter_db_table_comment(
                new_model, old_model._meta.db_table_comment, new_model._meta.db_table_comment
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        return self.database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Alter {self.name} table comment"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_table_comment"


class AlterTogetherOptionOperation(ModelOptionOperation):
    """Set unique_together (or the legacy index_together) to ``option_value``."""

    option_name: str

    def __init__(self, name: str, option_value):
        if option_value:
            from reinhardt.orm.models.options import normalize_together

            option_value = set(normalize_together(option_value))
        setattr(self, self.option_name, option_value)
        super().__init__(name)

    @cached_property
    def option_value(self):
        return getattr(self, self.option_name)

    def deconstruct(self):
        kwargs = {"name": self.name, self.option_name: self.option_value}
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower,
                                  {self.option_name: self.option_value})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        new_model = to_state.apps.get_model(app_label, self.name)
        if self.allow_migrate_model(schema_editor.connection.alias, new_model):
            old_model = from_state.apps.get_model(app_label, self.name)
            alter_together = getattr(schema_editor, f"alter_{self.option_name}")
            alter_together(
                new_model,
                getattr(old_model._meta, self.option_name, set()),
                getattr(new_model._meta, self.option_name, set()),
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        return self.database_forwards(app_label, schema_editor, from_state, to_state)

    def references_field(self, model_name, name, app_label):
        return self.references_model(model_name, app_label) and (
            not self.option_value or any((name in fields) for fields in self.option_value)
        )

    def describe(self):
        return (
            f"Alter {self.option_name} for {self.name} "
            f"({len(self.option_value or '')} constraint(s))"
        )

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_{self.option_name}"

    def can_reduce_through(self, operation, app_label):
        return super().can_reduce_through(operation, app_label) or (
            isinstance(operation, AlterTogetherOptionOperation)
            and type(operation) is not type(self)
        )


class AlterUniqueTogether(AlterTogetherOptionOperation):
    """Set Meta.unique_together: a set of tuples of field names."""

    option_name = "unique_together"

    def __init__(self, name: str, unique_together):
        super().__init__(name, unique_together)


class AlterIndexTogether(AlterTogetherOptionOperation):
    """Set the legacy Meta.index_together (kept to run old migrations; use indexes)."""

    option_name = "index_together"

    def __init__(self, name: str, index_together):
        super().__init__(name, index_together)


class AlterOrderWithRespectTo(ModelOptionOperation):
    """Set Meta.order_with_respect_to, adding or removing the ``_order`` column."""

    option_name = "order_with_respect_to"

    def __init__(self, name: str, order_with_respect_to: str | None):
        self.order_with_respect_to = order_with_respect_to
        super().__init__(name)

    def deconstruct(self):
        kwargs = {"name": self.name, "order_with_respect_to": self.order_with_respect_to}
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower,
                                  {self.option_name: self.order_with_respect_to})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        to_model = to_state.apps.get_model(app_label, self.name)
        if not self.allow_migrate_model(schema_editor.connection.alias, to_model):
            return
        from_model = from_state.apps.get_model(app_label, self.name)
        if from_model._meta.order_with_respect_to and not to_model._meta.order_with_respect_to:
            schema_editor.remove_field(from_model, from_model._meta.get_field("_order"))
        elif to_model._meta.order_with_respect_to and not from_model._meta.order_with_respect_to:
            field = to_model._meta.get_field("_order")
            if not field.has_default():
                field.default = 0
            schema_editor.add_field(from_model, field)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def references_field(self, model_name, name, app_label):
        return self.references_model(model_name, app_label) and (
            self.order_with_respect_to is None or name == self.order_with_respect_to
        )

    def describe(self):
        return f"Set order_with_respect_to on {self.name} to {self.order_with_respect_to}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_order_with_respect_to"


class AlterModelOptions(ModelOptionOperation):
    """Change Meta options that need no schema change (ordering, verbose_name, ...)."""

    # Options this operation sets or, when absent, removes.
    ALTER_OPTION_KEYS = [
        "base_manager_name", "default_manager_name", "default_related_name",
        "get_latest_by", "managed", "ordering", "permissions", "default_permissions",
        "select_on_save", "verbose_name", "verbose_name_plural",
    ]

    def __init__(self, name: str, options: dict):
        self.options = options
        super().__init__(name)

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"name": self.name, "options": self.options}

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower, self.options,
                                  self.ALTER_OPTION_KEYS)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Change Meta options on {self.name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_options"


class AlterModelManagers(ModelOptionOperation):
    """Change the managers available to migrations (``use_in_migrations = True``)."""

    serialization_expand_args = ["managers"]

    def __init__(self, name: str, managers):
        self.managers = managers
        super().__init__(name)

    def deconstruct(self):
        return self.__class__.__qualname__, [self.name, self.managers], {}

    def state_forwards(self, app_label, state):
        state.alter_model_managers(app_label, self.name_lower, self.managers)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Change managers on {self.name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_managers"


class IndexOperation(Operation):
    option_name = "indexes"

    @cached_property
    def model_name_lower(self) -> str:
        return self.model_name.lower()


class AddIndex(IndexOperation):
    """Create a named index (Meta.indexes)."""

    category = OperationCategory.ADDITION

    def __init__(self, model_name: str, index):
        self.model_name = model_name
        if not index.name:
            raise ValueError(
                "Indexes passed to AddIndex operations require a name argument. "
                f"{index!r} doesn't have one."
            )
        self.index = index

    def state_forwards(self, app_label, state):
        state.add_index(app_label, self.model_name_lower, self.index)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "index": self.index}
        return self.__class__.__qualname__, [], kwargs

    def describe(self):
        if getattr(self.index, "expressions", None):
            expressions = ", ".join(str(expression) for expression in self.index.expressions)
            return f"Create index {self.index.name} on {expressions} on model {self.model_name}"
        return (
            f"Create index {self.index.name} on field(s) {', '.join(self.index.fields)} of "
            f"model {self.model_name}"
        )

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.index.name.lower()}"

    def references_model(self, name, app_label):
        return name.lower() == self.model_name_lower

    def reduce(self, operation, app_label):
        if isinstance(operation, RemoveIndex) and self.index.name == operation.name:
            return []
        if isinstance(operation, RenameIndex) and self.index.name == operation.old_name:
            index = self.index.clone()
            index.name = operation.new_name
            return [self.__class__(model_name=self.model_name, index=index)]
        return super().reduce(operation, app_label)


class _RemoveNamed(IndexOperation):
    """Drop the index or constraint called ``name`` from a model; subclasses name the
    state method, the model-state lookup and the schema-editor methods."""

    category = OperationCategory.REMOVAL
    remove_from_state = add_to_db = remove_from_db = lookup = ""

    def __init__(self, model_name: str, name: str):
        self.model_name = model_name
        self.name = name

    def state_forwards(self, app_label, state):
        getattr(state, self.remove_from_state)(app_label, self.model_name_lower, self.name)

    def _model_for_forwards(self, from_state, to_state, app_label):
        return to_state.apps.get_model(app_label, self.model_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = self._model_for_forwards(from_state, to_state, app_label)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            model_state = from_state.models[app_label, self.model_name_lower]
            named = getattr(model_state, self.lookup)(self.name)
            getattr(schema_editor, self.remove_from_db)(model, named)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            model_state = to_state.models[app_label, self.model_name_lower]
            named = getattr(model_state, self.lookup)(self.name)
            getattr(schema_editor, self.add_to_db)(model, named)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "name": self.name}
        return self.__class__.__qualname__, [], kwargs

    @property
    def migration_name_fragment(self):
        return f"remove_{self.model_name_lower}_{self.name.lower()}"

    def references_model(self, name, app_label):
        return name.lower() == self.model_name_lower


class RemoveIndex(_RemoveNamed):
    """Drop a named index."""

    remove_from_state, lookup = "remove_index", "get_index_by_name"
    add_to_db, remove_from_db = "add_index", "remove_index"

    def _model_for_forwards(self, from_state, to_state, app_label):
        return from_state.apps.get_model(app_label, self.model_name)

    def describe(self):
        return f"Remove index {self.name} from {self.model_name}"


class RenameIndex(IndexOperation):
    """Rename an index, by its old name or (for an index_together one) its fields."""

    category = OperationCategory.ALTERATION

    def __init__(self, model_name: str, new_name: str, old_name: str | None = None,
                 old_fields=None):
        if not old_name and not old_fields:
            raise ValueError(
                "RenameIndex requires one of old_name and old_fields arguments to be set."
            )
        if old_name and old_fields:
            raise ValueError("RenameIndex.old_name and old_fields are mutually exclusive.")
        self.model_name = model_name
        self.new_name = new_name
        self.old_name = old_name
        self.old_fields = old_fields

    @cached_property
    def old_name_lower(self) -> str:
        return self.old_name.lower()

    @cached_property
    def new_name_lower(self) -> str:
        return self.new_name.lower()

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "new_name": self.new_name}
        if self.old_name:
            kwargs["old_name"] = self.old_name
        if self.old_fields:
            kwargs["old_fields"] = self.old_fields
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        if self.old_fields:
            state.add_index(app_label, self.model_name_lower,
                            _models().Index(fields=self.old_fields, name=self.new_name))
            state.remove_model_options(app_label, self.model_name_lower, "index_together",
                                       self.old_fields)
        else:
            state.rename_index(app_label, self.model_name_lower, self.old_name, self.new_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if self.old_fields:
            from_model = from_state.apps.get_model(app_label, self.model_name)
            columns = [from_model._meta.get_field(field).column for field in self.old_fields]
            matching = schema_editor._constraint_names(from_model, column_names=columns,
                                                       index=True)
            if len(matching) != 1:
                raise ValueError(
                    f"Found wrong number ({len(matching)}) of indexes for "
                    f"{from_model._meta.db_table}({', '.join(columns)})."
                )
            old_index = _models().Index(fields=self.old_fields, name=matching[0])
        else:
            model_state = from_state.models[app_label, self.model_name_lower]
            old_index = model_state.get_index_by_name(self.old_name)
        if old_index.name == self.new_name:
            return
        new_index = to_state.models[app_label, self.model_name_lower].get_index_by_name(
            self.new_name
        )
        schema_editor.rename_index(model, old_index, new_index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self.old_fields:
            # The unnamed index it came from cannot be recreated by name: nothing to do.
            return
        self.new_name, self.old_name = self.old_name, self.new_name
        self.__dict__.pop("old_name_lower", None)
        self.__dict__.pop("new_name_lower", None)
        try:
            self.database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            self.new_name, self.old_name = self.old_name, self.new_name
            self.__dict__.pop("old_name_lower", None)
            self.__dict__.pop("new_name_lower", None)

    def describe(self):
        if self.old_name:
            return f"Rename index {self.old_name} on {self.model_name} to {self.new_name}"
        return (
            f"Rename unnamed index for {self.old_fields} on {self.model_name} to "
            f"{self.new_name}"
        )

    @property
    def migration_name_fragment(self):
        if self.old_name:
            return f"rename_{self.old_name_lower}_{self.new_name_lower}"
        return f"rename_{self.model_name_lower}_{'_'.join(self.old_fields)}_{self.new_name_lower}"

    def references_model(self, name, app_label):
        return name.lower() == self.model_name_lower

    def reduce(self, operation, app_label):
        if (
            isinstance(operation, RenameIndex)
            and self.model_name_lower == operation.model_name_lower
            and operation.old_name
            and self.new_name_lower == operation.old_name_lower
        ):
            return [RenameIndex(self.model_name, new_name=operation.new_name,
                                old_name=self.old_name, old_fields=self.old_fields)]
        return super().reduce(operation, app_label)


class AddConstraint(IndexOperation):
    """Create a named constraint (Meta.constraints)."""

    category = OperationCategory.ADDITION
    option_name = "constraints"

    def __init__(self, model_name: str, constraint):
        self.model_name = model_name
        self.constraint = constraint

    def state_forwards(self, app_label, state):
        state.add_constraint(app_label, self.model_name_lower, self.constraint)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_constraint(model, self.constraint)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_constraint(model, self.constraint)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "constraint": self.constraint}
        return self.__class__.__name__, [], kwargs

    def describe(self):
        return f"Create constraint {self.constraint.name} on model {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.constraint.name.lower()}"

    def references_model(self, name, app_label):
        return name.lower() == self.model_name_lower

    def reduce(self, operation, app_label):
        if (
            isinstance(operation, RemoveConstraint)
            and self.model_name_lower == operation.model_name_lower
            and self.constraint.name == operation.name
        ):
            return []
        return super().reduce(operation, app_label)


class RemoveConstraint(_RemoveNamed):
    """Drop a named constraint."""

    option_name = "constraints"
    remove_from_state, lookup = "remove_constraint", "get_constraint_by_name"
    add_to_db, remove_from_db = "add_constraint", "remove_constraint"

    def describe(self):
        return f"Remove constraint {self.name} from model {self.model_name}"


class AlterConstraint(IndexOperation):
    """Change a constraint's attributes that live only in Python (such as
    violation_error_message); the database is not touched."""

    category = OperationCategory.ALTERATION
    option_name = "constraints"

    def __init__(self, model_name: str, name: str, constraint):
        self.model_name = model_name
        self.name = name
        self.constraint = constraint

    def state_forwards(self, app_label, state):
        state.alter_constraint(app_label, self.model_name_lower, self.name, self.constraint)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "name": self.name,
                  "constraint": self.constraint}
        return self.__class__.__name__, [], kwargs

    def describe(self):
        return f"Alter constraint {self.name} on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.model_name_lower}_{self.constraint.name.lower()}"

    def references_model(self, name, app_label):
        return name.lower() == self.model_name_lower

    def reduce(self, operation, app_label):
        if (
            isinstance(operation, (AlterConstraint, RemoveConstraint))
            and self.model_name_lower == operation.model_name_lower
            and self.name == operation.name
        ):
            return [operation]
        return super().reduce(operation, app_label)

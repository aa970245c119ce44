"""Operations on whole models: create, delete, rename, table and Meta options, indexes and
constraints."""

from __future__ import annotations

from functools import cached_property

from reinhardt.orm import models
from reinhardt.orm.migrations.operations.base import Operation, OperationCategory
from reinhardt.orm.migrations.operations.fields import (
    AddField,
    AlterField,
    RemoveField,
    RenameField,
)
from reinhardt.orm.migrations.utils import field_references, resolve_relation

# The Meta options that hold groups of field names and so follow field renames/removals.
TOGETHER_OPTIONS = ("unique_together", "index_together")


def _reject_duplicates(argument: str, keys) -> None:
    seen: set = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"Found duplicate value {key} in CreateModel {argument} argument.")
        seen.add(key)


def _base_key(base):
    """How two entries of ``bases`` are compared for duplicates."""
    if hasattr(base, "_meta"):
        return base._meta.label_lower
    return base.lower() if isinstance(base, str) else base


def _target_model(operation) -> str | None:
    """The lower-case name of the model a later operation works on."""
    name = getattr(operation, "model_name_lower", None)
    return name if name is not None else getattr(operation, "name_lower", None)


def _rename_auto_m2m_tables(schema_editor, old_model, new_model) -> None:
    """Auto-created many-to-many tables are named after their model's table."""
    pairs = zip(old_model._meta.local_many_to_many, new_model._meta.local_many_to_many,
                strict=False)
    for before, after in pairs:
        through_after = after.remote_field.through
        if through_after._meta.auto_created:
            schema_editor.alter_db_table(through_after,
                                         before.remote_field.through._meta.db_table,
                                         through_after._meta.db_table)


def _swap_names(operation) -> None:
    """Backwards of a rename is the forwards of the opposite rename."""
    operation.old_name, operation.new_name = operation.new_name, operation.old_name
    for cached in ("old_name_lower", "new_name_lower", "name_lower"):
        operation.__dict__.pop(cached, None)


class _SameBothWays:
    """For operations whose backwards is their forwards with the states swapped (the
    schema editor compares the two models)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self.database_forwards(app_label, schema_editor, from_state, to_state)


class _StateOnly:
    """For operations that change only the migration state, never the database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        return None

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        return None


class ModelOperation(Operation):
    """An operation on the model ``name``."""

    def __init__(self, name: str):
        self.name = name

    @cached_property
    def name_lower(self) -> str:
        return self.name.lower()

    def references_model(self, name, app_label):
        return self.name_lower == name.lower()

    def reduce(self, operation, app_label):
        merged = Operation.reduce(self, operation, app_label)
        return merged or self.can_reduce_through(operation, app_label)

    def can_reduce_through(self, operation, app_label) -> bool:
        """May ``operation`` be moved before this one? Yes unless it touches the model."""
        return not operation.references_model(self.name, app_label)


class CreateModel(ModelOperation):
    """Create a model's table (and its many-to-many tables).

    Later operations on the new model fold into it when migrations are squashed: the
    ``_fold_*`` methods return the merged CreateModel (as a one-item list), or None.
    """

    serialization_expand_args = ["fields", "options", "managers"]
    category = OperationCategory.ADDITION

    def __init__(self, name: str, fields, options: dict | None = None, bases=None,
                 managers=None):
        super().__init__(name)
        self.fields = fields
        self.options = options or {}
        self.bases = bases or (models.Model,)
        self.managers = managers or []
        _reject_duplicates("fields", (field_name for field_name, _ in fields))
        _reject_duplicates("bases", map(_base_key, self.bases))
        _reject_duplicates("managers", (manager_name for manager_name, _ in self.managers))

    def deconstruct(self):
        kwargs = self.written_kwargs("name", "fields")
        if self.options:
            kwargs["options"] = self.options
        if self.bases != (models.Model,):
            kwargs["bases"] = self.bases
        if self.managers and self.managers != [("objects", models.Manager())]:
            kwargs["managers"] = self.managers
        return type(self).__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        from reinhardt.orm.migrations.state import ModelState

        state.add_model(ModelState(app_label, self.name, list(self.fields),
                                   dict(self.options), tuple(self.bases),
                                   list(self.managers)))

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        created = self.routed_model(to_state, app_label, self.name, schema_editor)
        if created is not None:
            schema_editor.create_model(created)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        created = self.routed_model(from_state, app_label, self.name, schema_editor)
        if created is not None:
            schema_editor.delete_model(created)

    def describe(self):
        kind = "proxy model" if self.options.get("proxy", False) else "model"
        return f"Create {kind} {self.name}"

    @property
    def migration_name_fragment(self):
        return self.name_lower

    def references_model(self, name, app_label):
        target = (app_label, name.lower())
        if target[1] == self.name_lower:
            return True
        for base in self.bases:
            if base is models.Model or not (isinstance(base, str) or hasattr(base, "_meta")):
                continue
            if resolve_relation(base, app_label) == target:
                return True
        me = (app_label, self.name_lower)
        return any(field_references(me, field, target) for _, field in self.fields)

    # -- squashing -------------------------------------------------------------------

    def reduce(self, operation, app_label):
        if _target_model(operation) == self.name_lower:
            for kind, fold in self._FOLDS:
                if isinstance(operation, kind):
                    folded = fold(self, operation)
                    if folded is not None:
                        return folded
                    break
        return super().reduce(operation, app_label)

    # (operation class, fold method); filled in at the end of the module, once all the
    # operation classes exist. The first matching class decides.
    _FOLDS: tuple = ()

    def _fold_rename(self, operation):
        return self._with(name=operation.new_name)

    def _fold_managers(self, operation):
        return self._with(managers=operation.managers)

    def _fold_table(self, operation):
        return self._with_option("db_table", operation.table)

    def _fold_table_comment(self, operation):
        return self._with_option("db_table_comment", operation.table_comment)

    def _fold_together(self, operation):
        return self._with_option(operation.option_name, operation.option_value)

    def _fold_order(self, operation):
        return self._with_option("order_with_respect_to", operation.order_with_respect_to)

    def _fold_add_field(self, operation):
        return self._with(fields=[*self.fields, (operation.name, operation.field)])

    def _fold_add_index(self, operation):
        return self._with_option("indexes", [*self._option_list("indexes"), operation.index])

    def _fold_remove_index(self, operation):
        return self._without_named("indexes", operation.name)

    def _fold_add_constraint(self, operation):
        return self._with_option("constraints",
                                 [*self._option_list("constraints"), operation.constraint])

    def _fold_remove_constraint(self, operation):
        return self._without_named("constraints", operation.name)

    def _with(self, **changes) -> list[CreateModel]:
        current = {"name": self.name, "fields": self.fields, "options": self.options,
                   "bases": self.bases, "managers": self.managers}
        return [CreateModel(**{**current, **changes})]

    def _with_option(self, key, value) -> list[CreateModel]:
        return self._with(options={**self.options, key: value})

    def _option_list(self, key) -> list:
        return self.options.get(key, [])

    def _without_named(self, key, name) -> list[CreateModel]:
        return self._with_option(key, [obj for obj in self._option_list(key) if obj.name != name])

    def _fold_delete(self, operation):
        # A proxy has no table: deleting it still needs its own operation.
        return None if self.options.get("proxy", False) else []

    def _fold_options(self, operation):
        # AlterModelOptions sets all the keys it manages: absent ones are removed.
        merged = {**self.options, **operation.options}
        managed = operation.ALTER_OPTION_KEYS
        return self._with(options={key: value for key, value in merged.items()
                                   if key in operation.options or key not in managed})

    def _fold_alter_field(self, operation):
        fields = [(name, operation.field if name == operation.name else field)
                  for name, field in self.fields]
        return self._with(fields=fields)

    def _fold_remove_field(self, operation):
        gone = operation.name_lower
        options = dict(self.options)
        for key in TOGETHER_OPTIONS:
            groups = options.pop(key, None) or ()
            trimmed = {tuple(n for n in group if n != gone) for group in groups}
            trimmed.discard(())
            if trimmed:
                options[key] = trimmed
        if options.get("order_with_respect_to", "").lower() == gone:
            options.pop("order_with_respect_to")
        fields = [(name, field) for name, field in self.fields if name.lower() != gone]
        return self._with(fields=fields, options=options)

    def _fold_rename_field(self, operation):
        old, new = operation.old_name, operation.new_name

        def renamed(name):
            return new if name == old else name

        options = dict(self.options)
        for key in TOGETHER_OPTIONS:
            if options.get(key):
                options[key] = {tuple(map(renamed, group)) for group in options[key]}
        if options.get("order_with_respect_to") == old:
            options["order_with_respect_to"] = new
        fields = [(renamed(name), field) for name, field in self.fields]
        return self._with(fields=fields, options=options)


class DeleteModel(ModelOperation):
    """Drop a model's table and its data."""

    def deconstruct(self):
        return type(self).__qualname__, [], self.written_kwargs("name")

    category = OperationCategory.REMOVAL

    def state_forwards(self, app_label, state):
        state.remove_model(app_label, self.name_lower)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        doomed = self.routed_model(from_state, app_label, self.name, schema_editor)
        if doomed is not None:
            schema_editor.delete_model(doomed)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        restored = self.routed_model(to_state, app_label, self.name, schema_editor)
        if restored is not None:
            schema_editor.create_model(restored)

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

    def __init__(self, old_name: str, new_name: str):
        super().__init__(old_name)
        self.old_name, self.new_name = old_name, new_name

    category = OperationCategory.ALTERATION

    @cached_property
    def old_name_lower(self) -> str:
        return self.old_name.lower()

    @cached_property
    def new_name_lower(self) -> str:
        return self.new_name.lower()

    def deconstruct(self):
        return type(self).__qualname__, [], self.written_kwargs("old_name", "new_name")

    def state_forwards(self, app_label, state):
        state.rename_model(app_label, self.old_name, self.new_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        renamed = self.routed_model(to_state, app_label, self.new_name, schema_editor)
        if renamed is None:
            return
        original = from_state.apps.get_model(app_label, self.old_name)
        old_table, new_table = original._meta.db_table, renamed._meta.db_table
        if old_table == new_table:
            return
        schema_editor.alter_db_table(renamed, old_table, new_table)
        self._repoint_foreign_keys(app_label, schema_editor, original, renamed, to_state)
        self._rename_m2m_tables(schema_editor, original, renamed)

    def _repoint_foreign_keys(self, app_label, schema_editor, original, renamed, to_state):
        """Foreign keys pointing at the model now point at the renamed table."""
        for relation in original._meta.related_objects:
            if relation.related_model == original:  # the model points at itself
                owner, owner_key = renamed, (app_label, self.new_name_lower)
            else:
                owner = relation.related_model
                owner_key = (owner._meta.app_label, owner._meta.model_name)
            new_field = to_state.apps.get_model(*owner_key)._meta.get_field(relation.field.name)
            schema_editor.alter_field(owner, relation.field, new_field)

    @staticmethod
    def _rename_m2m_tables(schema_editor, original, renamed):
        """Auto-created many-to-many tables and their columns are named after the model
        (a self-referencing one keeps its columns' names)."""
        pairs = zip(original._meta.local_many_to_many, renamed._meta.local_many_to_many,
                    strict=False)
        for before, after in pairs:
            if after.model != after.related_model and after.remote_field.through._meta.auto_created:
                schema_editor._alter_many_to_many(renamed, before, after, strict=False)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        _swap_names(self)
        try:
            self.database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            _swap_names(self)

    def references_model(self, name, app_label):
        return name.lower() in {self.old_name_lower, self.new_name_lower}

    def describe(self):
        return f"Rename model {self.old_name} to {self.new_name}"

    @property
    def migration_name_fragment(self):
        return f"rename_{self.old_name_lower}_{self.new_name_lower}"

    def reduce(self, operation, app_label):
        if isinstance(operation, RenameModel) and operation.old_name_lower == self.new_name_lower:
            return [RenameModel(self.old_name, operation.new_name)]
        # Later operations use the new name: check references against it.
        merged = Operation.reduce(self, operation, app_label)
        return merged or not operation.references_model(self.new_name, app_label)


class ModelOptionOperation(ModelOperation):
    """A change to Meta options: a later one of the same kind supersedes it."""

    category = OperationCategory.ALTERATION

    def reduce(self, operation, app_label):
        superseded = (isinstance(operation, (type(self), DeleteModel))
                      and operation.name_lower == self.name_lower)
        return [operation] if superseded else super().reduce(operation, app_label)


class AlterModelTable(_SameBothWays, ModelOptionOperation):
    """Rename a model's table (Meta.db_table)."""

    def __init__(self, name: str, table: str | None):
        super().__init__(name)
        self.table = table

    def deconstruct(self):
        return type(self).__qualname__, [], self.written_kwargs("name", "table")

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower, {"db_table": self.table})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        after = self.routed_model(to_state, app_label, self.name, schema_editor)
        if after is None:
            return
        before = from_state.apps.get_model(app_label, self.name)
        schema_editor.alter_db_table(after, before._meta.db_table, after._meta.db_table)
        _rename_auto_m2m_tables(schema_editor, before, after)

    def describe(self):
        table = "(default)" if self.table is None else self.table
        return f"Rename table for {self.name} to {table}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_table"


class AlterModelTableComment(_SameBothWays, ModelOptionOperation):
    """Change Meta.db_table_comment."""

    def __init__(self, name: str, table_comment: str | None):
        super().__init__(name)
        self.table_comment = table_comment

    def deconstruct(self):
        return type(self).__qualname__, [], self.written_kwargs("name", "table_comment")

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower,
                                  {"db_table_comment": self.table_comment})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        after = self.routed_model(to_state, app_label, self.name, schema_editor)
        if after is not None:
            before = from_state.apps.get_model(app_label, self.name)
            schema_editor.alter_db_table_comment(after, before._meta.db_table_comment,
                                                 after._meta.db_table_comment)

    def describe(self):
        return f"Alter {self.name} table comment"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_table_comment"


class AlterTogetherOptionOperation(_SameBothWays, ModelOptionOperation):
    """Set unique_together (or the legacy index_together) to ``option_value``; the value
    is kept under the option's own name, the keyword the migration file uses."""

    option_name: str

    def __init__(self, name: str, option_value):
        super().__init__(name)
        if option_value:
            from reinhardt.orm.models.options import normalize_together

            option_value = set(normalize_together(option_value))
        self.__dict__[self.option_name] = option_value

    @property
    def option_value(self):
        return self.__dict__[self.option_name]

    def deconstruct(self):
        return type(self).__qualname__, [], self.written_kwargs("name", self.option_name)

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower,
                                  {self.option_name: self.option_value})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        after = self.routed_model(to_state, app_label, self.name, schema_editor)
        if after is None:
            return
        before = from_state.apps.get_model(app_label, self.name)
        change = getattr(schema_editor, f"alter_{self.option_name}")
        change(after, getattr(before._meta, self.option_name, set()),
               getattr(after._meta, self.option_name, set()))

    def references_field(self, model_name, name, app_label):
        if not self.references_model(model_name, app_label):
            return False
        # Clearing the option touches every field.
        return not self.option_value or any(name in group for group in self.option_value)

    def describe(self):
        count = len(self.option_value or "")
        return f"Alter {self.option_name} for {self.name} ({count} constraint(s))"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_{self.option_name}"

    def can_reduce_through(self, operation, app_label):
        # unique_together and index_together are independent of each other.
        if isinstance(operation, AlterTogetherOptionOperation) and (
            type(operation) is not type(self)
        ):
            return True
        return super().can_reduce_through(operation, app_label)


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


class AlterOrderWithRespectTo(_SameBothWays, ModelOptionOperation):
    """Set Meta.order_with_respect_to, adding or removing the ``_order`` column."""

    option_name = "order_with_respect_to"

    def __init__(self, name: str, order_with_respect_to: str | None):
        super().__init__(name)
        self.order_with_respect_to = order_with_respect_to

    def deconstruct(self):
        kwargs = self.written_kwargs("name", "order_with_respect_to")
        return type(self).__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower,
                                  {"order_with_respect_to": self.order_with_respect_to})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        after = self.routed_model(to_state, app_label, self.name, schema_editor)
        if after is None:
            return
        before = from_state.apps.get_model(app_label, self.name)
        ordered_before = bool(before._meta.order_with_respect_to)
        ordered_after = bool(after._meta.order_with_respect_to)
        if ordered_before and not ordered_after:
            schema_editor.remove_field(before, before._meta.get_field("_order"))
        elif ordered_after and not ordered_before:
            order_column = after._meta.get_field("_order")
            if not order_column.has_default():
                order_column.default = 0  # existing rows start at 0
            schema_editor.add_field(before, order_column)

    def references_field(self, model_name, name, app_label):
        if not self.references_model(model_name, app_label):
            return False
        return self.order_with_respect_to in (None, name)

    def describe(self):
        return f"Set order_with_respect_to on {self.name} to {self.order_with_respect_to}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_order_with_respect_to"


class AlterModelOptions(_StateOnly, ModelOptionOperation):
    """Change Meta options that need no schema change (ordering, verbose_name, ...)."""

    # Options this operation sets or, when absent, removes.
    ALTER_OPTION_KEYS = [
        "base_manager_name", "default_manager_name", "default_related_name",
        "get_latest_by", "managed", "ordering", "permissions", "default_permissions",
        "select_on_save", "verbose_name", "verbose_name_plural",
    ]

    def __init__(self, name: str, options: dict):
        super().__init__(name)
        self.options = options

    def deconstruct(self):
        return type(self).__qualname__, [], self.written_kwargs("name", "options")

    def state_forwards(self, app_label, state):
        state.alter_model_options(app_label, self.name_lower, self.options,
                                  self.ALTER_OPTION_KEYS)

    def describe(self):
        return f"Change Meta options on {self.name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_options"


class AlterModelManagers(_StateOnly, ModelOptionOperation):
    """Change the managers available to migrations (``use_in_migrations = True``)."""

    serialization_expand_args = ["managers"]

    def __init__(self, name: str, managers):
        super().__init__(name)
        self.managers = managers

    def deconstruct(self):
        # Written positionally, as Django's files have it.
        return type(self).__qualname__, [self.name, self.managers], {}

    def state_forwards(self, app_label, state):
        state.alter_model_managers(app_label, self.name_lower, self.managers)

    def describe(self):
        return f"Change managers on {self.name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.name_lower}_managers"


class IndexOperation(Operation):
    """An operation on an index or constraint of model ``model_name``."""

    option_name = "indexes"

    @cached_property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    def references_model(self, name, app_label):
        return self.model_name_lower == name.lower()

    def _same_model(self, operation) -> bool:
        return getattr(operation, "model_name_lower", None) == self.model_name_lower


class AddIndex(IndexOperation):
    """Create a named index (Meta.indexes)."""

    def __init__(self, model_name: str, index):
        if not index.name:
            raise ValueError(
                "Indexes passed to AddIndex operations require a name argument. "
                f"{index!r} doesn't have one."
            )
        self.model_name, self.index = model_name, index

    category = OperationCategory.ADDITION

    def deconstruct(self):
        return type(self).__qualname__, [], self.written_kwargs("model_name", "index")

    def state_forwards(self, app_label, state):
        state.add_index(app_label, self.model_name_lower, self.index)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = self.routed_model(to_state, app_label, self.model_name, schema_editor)
        if model is not None:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = self.routed_model(from_state, app_label, self.model_name, schema_editor)
        if model is not None:
            schema_editor.remove_index(model, self.index)

    def describe(self):
        expressions = getattr(self.index, "expressions", None)
        if expressions:
            shown = ", ".join(map(str, expressions))
            return f"Create index {self.index.name} on {shown} on model {self.model_name}"
        fields = ", ".join(self.index.fields)
        return f"Create index {self.index.name} on field(s) {fields} of model {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.index.name.lower()}"

    def reduce(self, operation, app_label):
        if isinstance(operation, RemoveIndex) and operation.name == self.index.name:
            return []
        if isinstance(operation, RenameIndex) and operation.old_name == self.index.name:
            renamed = self.index.clone()
            renamed.name = operation.new_name
            return [type(self)(model_name=self.model_name, index=renamed)]
        return super().reduce(operation, app_label)


class _RemoveNamed(IndexOperation):
    """Drop the index or constraint called ``name`` from a model. Subclasses say which:
    ``kind`` is "index" or "constraint", naming the state and schema-editor methods
    (remove_<kind>, add_<kind>) and the model-state lookup (get_<kind>_by_name)."""

    category = OperationCategory.REMOVAL
    kind = ""
    # The state whose rendered model the forwards removal is applied to.
    forwards_model_from = "to_state"

    def __init__(self, model_name: str, name: str):
        self.model_name, self.name = model_name, name

    def deconstruct(self):
        return type(self).__qualname__, [], self.written_kwargs("model_name", "name")

    def state_forwards(self, app_label, state):
        getattr(state, f"remove_{self.kind}")(app_label, self.model_name_lower, self.name)

    def _named(self, state, app_label):
        """The index or constraint as ``state`` defines it."""
        model_state = state.models[app_label, self.model_name_lower]
        return getattr(model_state, f"get_{self.kind}_by_name")(self.name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        states = {"from_state": from_state, "to_state": to_state}
        model = self.routed_model(states[self.forwards_model_from], app_label,
                                  self.model_name, schema_editor)
        if model is not None:
            getattr(schema_editor, f"remove_{self.kind}")(model,
                                                          self._named(from_state, app_label))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = self.routed_model(to_state, app_label, self.model_name, schema_editor)
        if model is not None:
            getattr(schema_editor, f"add_{self.kind}")(model, self._named(to_state, app_label))

    @property
    def migration_name_fragment(self):
        return f"remove_{self.model_name_lower}_{self.name.lower()}"


class RemoveIndex(_RemoveNamed):
    """Drop a named index."""

    kind = "index"
    forwards_model_from = "from_state"

    def describe(self):
        return f"Remove index {self.name} from {self.model_name}"


class RenameIndex(IndexOperation):
    """Rename an index, by its old name or (for an index_together one) its fields."""

    category = OperationCategory.ALTERATION

    def __init__(self, model_name: str, new_name: str, old_name: str | None = None,
                 old_fields=None):
        if not (old_name or old_fields):
            raise ValueError(
                "RenameIndex requires one of old_name and old_fields arguments to be set."
            )
        if old_name and old_fields:
            raise ValueError("RenameIndex.old_name and old_fields are mutually exclusive.")
        self.model_name, self.new_name = model_name, new_name
        self.old_name, self.old_fields = old_name, old_fields

    @cached_property
    def old_name_lower(self) -> str:
        return self.old_name.lower()

    @cached_property
    def new_name_lower(self) -> str:
        return self.new_name.lower()

    def deconstruct(self):
        kwargs = self.written_kwargs("model_name", "new_name")
        kwargs.update((key, getattr(self, key)) for key in ("old_name", "old_fields")
                      if getattr(self, key))
        return type(self).__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        if not self.old_fields:
            state.rename_index(app_label, self.model_name_lower, self.old_name, self.new_name)
            return
        # An index_together entry becomes a named index.
        state.add_index(app_label, self.model_name_lower,
                        models.Index(fields=self.old_fields, name=self.new_name))
        state.remove_model_options(app_label, self.model_name_lower, "index_together",
                                   self.old_fields)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = self.routed_model(to_state, app_label, self.model_name, schema_editor)
        if model is None:
            return
        if self.old_fields:
            current = self._unnamed_index(app_label, schema_editor, from_state)
        else:
            current = from_state.models[app_label, self.model_name_lower].get_index_by_name(
                self.old_name)
        if current.name != self.new_name:
            wanted = to_state.models[app_label, self.model_name_lower].get_index_by_name(
                self.new_name)
            schema_editor.rename_index(model, current, wanted)

    def _unnamed_index(self, app_label, schema_editor, from_state):
        """The index the database made for ``old_fields`` (its name was generated)."""
        model = from_state.apps.get_model(app_label, self.model_name)
        columns = [model._meta.get_field(name).column for name in self.old_fields]
        found = schema_editor._constraint_names(model, column_names=columns, index=True)
        if len(found) != 1:
            raise ValueError(
                f"Found wrong number ({len(found)}) of indexes for "
                f"{model._meta.db_table}({', '.join(columns)})."
            )
        return models.Index(fields=self.old_fields, name=found[0])

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self.old_fields:
            # The unnamed index it came from cannot be recreated by name: nothing to do.
            return
        _swap_names(self)
        try:
            self.database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            _swap_names(self)

    def describe(self):
        if not self.old_name:
            return (f"Rename unnamed index for {self.old_fields} on {self.model_name} to "
                    f"{self.new_name}")
        return f"Rename index {self.old_name} on {self.model_name} to {self.new_name}"

    @property
    def migration_name_fragment(self):
        if not self.old_name:
            fields = "_".join(self.old_fields)
            return f"rename_{self.model_name_lower}_{fields}_{self.new_name_lower}"
        return f"rename_{self.old_name_lower}_{self.new_name_lower}"

    def reduce(self, operation, app_label):
        chained = (isinstance(operation, RenameIndex) and self._same_model(operation)
                   and operation.old_name
                   and operation.old_name_lower == self.new_name_lower)
        if chained:
            return [RenameIndex(self.model_name, new_name=operation.new_name,
                                old_name=self.old_name, old_fields=self.old_fields)]
        return super().reduce(operation, app_label)


class AddConstraint(IndexOperation):
    """Create a named constraint (Meta.constraints)."""

    def __init__(self, model_name: str, constraint):
        self.model_name, self.constraint = model_name, constraint

    option_name = "constraints"
    category = OperationCategory.ADDITION

    def deconstruct(self):
        return type(self).__name__, [], self.written_kwargs("model_name", "constraint")

    def state_forwards(self, app_label, state):
        state.add_constraint(app_label, self.model_name_lower, self.constraint)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = self.routed_model(to_state, app_label, self.model_name, schema_editor)
        if model is not None:
            schema_editor.add_constraint(model, self.constraint)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = self.routed_model(to_state, app_label, self.model_name, schema_editor)
        if model is not None:
            schema_editor.remove_constraint(model, self.constraint)

    def describe(self):
        return f"Create constraint {self.constraint.name} on model {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.constraint.name.lower()}"

    def reduce(self, operation, app_label):
        dropped = (isinstance(operation, RemoveConstraint) and self._same_model(operation)
                   and operation.name == self.constraint.name)
        return [] if dropped else super().reduce(operation, app_label)


class RemoveConstraint(_RemoveNamed):
    """Drop a named constraint."""

    kind = "constraint"
    option_name = "constraints"

    def describe(self):
        return f"Remove constraint {self.name} from model {self.model_name}"


class AlterConstraint(_StateOnly, IndexOperation):
    """Change a constraint's attributes that live only in Python (such as
    violation_error_message); the database is not touched."""

    def __init__(self, model_name: str, name: str, constraint):
        self.model_name, self.name, self.constraint = model_name, name, constraint

    option_name = "constraints"
    category = OperationCategory.ALTERATION

    def deconstruct(self):
        kwargs = self.written_kwargs("model_name", "name", "constraint")
        return type(self).__name__, [], kwargs

    def state_forwards(self, app_label, state):
        state.alter_constraint(app_label, self.model_name_lower, self.name, self.constraint)

    def describe(self):
        return f"Alter constraint {self.name} on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.model_name_lower}_{self.constraint.name.lower()}"

    def reduce(self, operation, app_label):
        superseded = (isinstance(operation, (AlterConstraint, RemoveConstraint))
                      and self._same_model(operation) and operation.name == self.name)
        return [operation] if superseded else super().reduce(operation, app_label)


CreateModel._FOLDS = (
    (DeleteModel, CreateModel._fold_delete),
    (RenameModel, CreateModel._fold_rename),
    (AlterModelOptions, CreateModel._fold_options),
    (AlterModelManagers, CreateModel._fold_managers),
    (AlterModelTable, CreateModel._fold_table),
    (AlterModelTableComment, CreateModel._fold_table_comment),
    (AlterTogetherOptionOperation, CreateModel._fold_together),
    (AlterOrderWithRespectTo, CreateModel._fold_order),
    (AddField, CreateModel._fold_add_field),
    (AlterField, CreateModel._fold_alter_field),
    (RemoveField, CreateModel._fold_remove_field),
    (RenameField, CreateModel._fold_rename_field),
    (AddIndex, CreateModel._fold_add_index),
    (RemoveIndex, CreateModel._fold_remove_index),
    (AddConstraint, CreateModel._fold_add_constraint),
    (RemoveConstraint, CreateModel._fold_remove_constraint),
)

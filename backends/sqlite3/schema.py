"""SQLite's schema editor (table creation; in-place changes SQLite cannot make rebuild the
table, which the migrations layer adds)."""

import datetime
import decimal

from reinhardt.backends.sql.schema import SQLSchemaEditor
from reinhardt.backends.utils import strip_quotes
from reinhardt.orm.errors import NotSupportedError
from reinhardt.orm.models.expressions import Value
from reinhardt.orm.models.fields import NOT_PROVIDED

_DEFERRED_REFERENCE = "REFERENCES %(to_table)s (%(to_column)s) DEFERRABLE INITIALLY DEFERRED"

_FK_CHECKS_STILL_ON = (
    "SQLite schema editor cannot be used while foreign key constraint checks are "
    "enabled. Make sure to disable them before entering a transaction.atomic() "
    "context because SQLite does not support disabling them in the middle of a "
    "multi-statement transaction."
)


def _sql_literal(value):
    """``value`` as an SQLite literal, for DDL where parameters cannot be used."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (bytes, bytearray, memoryview)):
        # Blob literal syntax: X'<hex digits>'.
        return "X'" + bytes(value).hex() + "'"
    if isinstance(value, datetime.datetime):
        return "'" + value.isoformat(" ") + "'"
    if isinstance(value, (datetime.date, datetime.time)):
        return "'" + value.isoformat() + "'"
    raise ValueError(f"Cannot quote parameter value {value!r} of type {type(value)}")


class DatabaseSchemaEditor(SQLSchemaEditor):
    # Foreign keys are written inline in CREATE TABLE only (no ALTER TABLE ADD CONSTRAINT).
    sql_create_fk = None
    sql_create_inline_fk = sql_create_column_inline_fk = _DEFERRED_REFERENCE
    sql_delete_table, sql_delete_column = (
        "DROP TABLE %(table)s", "ALTER TABLE %(table)s DROP COLUMN %(column)s"
    )
    # Unique constraints are unique indexes.
    sql_delete_unique = "DROP INDEX %(name)s"
    sql_create_unique = "CREATE UNIQUE INDEX %(name)s ON %(table)s (%(columns)s)"

    def __enter__(self):
        # Table rebuilds drop and recreate tables that others reference, so foreign key
        # checks must be off while the editor is open; they are verified on exit.
        checks_off = self.connection.disable_constraint_checking()
        if not checks_off:
            raise NotSupportedError(_FK_CHECKS_STILL_ON)
        return super().__enter__()

    def __exit__(self, exc_type, exc_value, traceback):
        connection = self.connection
        connection.check_constraints()
        super().__exit__(exc_type, exc_value, traceback)
        connection.enable_constraint_checking()

    def quote_value(self, value):
        return _sql_literal(value)

    def prepare_default(self, value):
        return _sql_literal(value)

    # ----- changes SQLite cannot make in place: rebuild the table ------------------------------
    #
    # SQLite's ALTER TABLE can rename tables and columns, add plain nullable columns and drop
    # plain columns. Anything else (type, NULL, default, unique, primary key, foreign key and
    # check changes) rebuilds the table: create the new definition under a temporary name,
    # copy every row across (converting values to the new column types), drop the old table,
    # rename the new one into place and recreate its indexes, all inside the schema editor's
    # transaction, so a failure leaves the old table as it was.

    def _auto_through(self, field):
        """The auto-created intermediate model of a many-to-many ``field``, else None."""
        if not field.many_to_many:
            return None
        through = field.remote_field.through
        return through if through._meta.auto_created else None

    def add_field(self, model, field):
        through = self._auto_through(field)
        if through is not None:
            return self.create_model(through)
        # ADD COLUMN can only add a plain nullable column without a lasting default.
        plain_column = not (
            field.primary_key
            or field.unique
            or not field.null
            or self.effective_default(field) is not None
            or (field.db_default is not NOT_PROVIDED
                and not isinstance(field.db_default, Value))
            or (field.remote_field and field.db_constraint)
        )
        if not plain_column:
            return self._remake_table(model, create_field=field)
        return super().add_field(model, field)

    def _field_in_constraints(self, model, field):
        """Whether an index, constraint or unique_together of ``model`` names ``field``.

        An index or constraint given by expressions counts as using it, as which columns
        it reads is not known here.
        """
        def names_it(item):
            listed = getattr(item, "fields", None)
            if not listed:
                return True
            return field.name in {name.lstrip("-") for name in listed}

        meta = model._meta
        return (
            any(map(names_it, meta.constraints))
            or any(map(names_it, meta.indexes))
            or any(field.name in group for group in meta.unique_together)
        )

    def remove_field(self, model, field):
        if field.many_to_many:
            through = self._auto_through(field)
            if through is not None:
                self.delete_model(through)
            return
        if field.db_parameters(connection=self.connection)["type"] is None:
            return
        # DROP COLUMN refuses a column that an index, a key or a constraint uses.
        droppable = not any((
            field.primary_key,
            field.unique,
            field.db_index,
            bool(field.remote_field and field.db_constraint),
            self._field_in_constraints(model, field),
        ))
        if droppable:
            super().remove_field(model, field)
        else:
            self._remake_table(model, delete_field=field)

    def _alter_field(self, model, old_field, new_field, old_type, new_type, old_db_params,
                     new_db_params, strict=False):
        has_fk = lambda f: bool(f.remote_field and f.db_constraint)  # noqa: E731
        if (
            old_field.column != new_field.column
            and self.column_sql(model, old_field) == self.column_sql(model, new_field)
            and not has_fk(old_field)
            and not has_fk(new_field)
        ):
            # Only the column name changed: SQLite renames a column in place.
            sql = self._rename_field_sql(model._meta.db_table, old_field, new_field, new_type)
            self.execute(sql)
            return
        self._remake_table(model, alter_fields=[(old_field, new_field)])
        collation_changed = old_db_params.get("collation") != new_db_params.get("collation")
        if new_field.unique and (old_type != new_type or collation_changed):
            # Columns elsewhere that point at this one must take its new type too.
            for dependent in self._models_referencing(model, new_field):
                self._remake_table(dependent)

    @staticmethod
    def _models_referencing(model, target_field):
        """Other models whose tables hold a copy of ``target_field``'s column type."""
        meta = target_field.model._meta
        found = set()
        is_pk = target_field.primary_key
        for rel in meta.related_objects:
            if rel.related_model == model:
                continue
            if rel.many_to_many:
                if is_pk and rel.through._meta.auto_created:
                    found.add(rel.through)
            elif rel.field_name == target_field.name:
                found.add(rel.related_model)
        if is_pk:
            for m2m in meta.many_to_many:
                through = m2m.remote_field.through
                if m2m.related_model != model and through._meta.auto_created:
                    found.add(through)
        return found

    def _alter_many_to_many(self, model, old_field, new_field, strict):
        old_through = old_field.remote_field.through
        new_through = new_field.remote_field.through
        if old_through._meta.db_table == new_through._meta.db_table:
            # Same table, changed columns (the other side was renamed): rebuild it.
            self._remake_table(old_through, alter_fields=[
                (old_through._meta.get_field(old_field.m2m_reverse_field_name()),
                 new_through._meta.get_field(new_field.m2m_reverse_field_name())),
                (old_through._meta.get_field(old_field.m2m_field_name()),
                 new_through._meta.get_field(new_field.m2m_field_name())),
            ])
            return
        # A new through table, with the rows copied across.
        self.create_model(new_through)
        columns = ["id", new_field.m2m_column_name(), new_field.m2m_reverse_name()]
        old_columns = ["id", old_field.m2m_column_name(), old_field.m2m_reverse_name()]
        self._copy_rows(
            old_through._meta.db_table, new_through._meta.db_table,
            dict(zip(columns, (self.quote_name(c) for c in old_columns), strict=True)),
        )
        self.delete_model(old_through)

    def add_constraint(self, model, constraint):
        if not self._needs_index_for(constraint):
            return self._remake_table(model)
        return super().add_constraint(model, constraint)

    def remove_constraint(self, model, constraint):
        if not self._needs_index_for(constraint):
            return self._remake_table(model)
        return super().remove_constraint(model, constraint)

    @staticmethod
    def _needs_index_for(constraint) -> bool:
        """Unique constraints with a condition, expressions or INCLUDE are unique indexes;
        every other constraint lives in the table definition."""
        from reinhardt.orm.models.constraints import UniqueConstraint

        return isinstance(constraint, UniqueConstraint) and bool(
            constraint.condition
            or getattr(constraint, "contains_expressions", False)
            or constraint.include
            or constraint.deferrable
        )

    def _remake_table(self, model, create_field=None, delete_field=None, alter_fields=()):
        """Rebuild ``model``'s table with a field added, removed or altered, keeping rows."""
        table = model._meta.db_table
        temporary = f"new__{strip_quotes(table)}"
        fields = {field.name: field for field in model._meta.local_concrete_fields}
        # Target column -> SQL expression that fills it from the old table.
        mapping = {
            field.column: self.quote_name(field.column)
            for field in model._meta.local_concrete_fields
            if not field.generated
        }
        renames = {}
        demoted_pk = None
        altered_names = {new.name for _, new in alter_fields}
        # A new or altered primary key takes over from the current one.
        pk_replaced = bool(getattr(create_field, "primary_key", False)) or any(
            getattr(new, "primary_key", False) for _, new in alter_fields
        )
        if pk_replaced:
            for name, current in list(fields.items()):
                if not current.primary_key or name in altered_names:
                    continue
                current.primary_key, demoted_pk = False, current
                if current.auto_created:
                    # An implicit id column just goes away.
                    fields.pop(name)
                    mapping.pop(current.column)
        if create_field is not None:
            fields[create_field.name] = create_field
            fills_from_default = (
                create_field.concrete
                and create_field.db_default is NOT_PROVIDED
                and not (create_field.many_to_many or create_field.generated)
            )
            if fills_from_default:
                value = self.effective_default(create_field)
                mapping[create_field.column] = self.prepare_default(value)
        for before, after in alter_fields:
            fields.pop(before.name, None)
            mapping.pop(before.column, None)
            fields[after.name] = after
            renames[before.name] = after.name
            if not after.generated:
                mapping[after.column] = self._copy_expression(before, after)
        if delete_field is not None:
            fields.pop(delete_field.name, None)
            mapping.pop(delete_field.column, None)
            if delete_field.many_to_many and delete_field.remote_field.through._meta.auto_created:
                return self.delete_model(delete_field.remote_field.through)

        new_model = self._model_for_rebuild(model, fields, renames, delete_field)
        # The table definition and its indexes, as for a new table of the final name.
        saved_deferred, self.deferred_sql = self.deferred_sql, []
        create_sql, params = self.table_sql(new_model)
        after_rename = self.deferred_sql + self._model_indexes_sql(new_model)
        self.deferred_sql = saved_deferred
        prefix = self.sql_create_table.split("%(table)s")[0]
        create_sql = create_sql.replace(
            prefix + self.quote_name(table), prefix + self.quote_name(temporary), 1
        )
        self.execute(create_sql, params or None)
        self._copy_rows(table, temporary, mapping)
        self.execute(self.sql_delete_table % {"table": self.quote_name(table)})
        # Statements still deferred for the old table (say, the unique index of a
        # CreateModel earlier in the same migration) are in after_rename already, built
        # from the current definition; running both would create the index twice.
        quoted = self.quote_name(table)
        self.deferred_sql = [sql for sql in self.deferred_sql if quoted not in str(sql)]
        self.execute(self.sql_rename_table % {
            "old_table": self.quote_name(temporary), "new_table": self.quote_name(table),
        })
        for sql in after_rename:
            self.execute(sql)
        if demoted_pk is not None:
            demoted_pk.primary_key = True

    def _copy_expression(self, before, after):
        """SQL reading ``before``'s column for the rebuilt ``after`` column."""
        source = self.quote_name(before.column)
        if not before.null or after.null:
            return source
        # Becoming NOT NULL: rows holding NULL take the new default instead of failing.
        if after.db_default is NOT_PROVIDED:
            fallback = self.prepare_default(self.effective_default(after))
        else:
            fallback = self.db_default_sql(after)[0]
        return f"coalesce({source}, {fallback})"

    def _copy_rows(self, from_table: str, to_table: str, mapping: dict[str, str]) -> None:
        """INSERT INTO to_table (columns) SELECT expressions FROM from_table."""
        columns = ", ".join(self.quote_name(column) for column in mapping)
        expressions = ", ".join(mapping.values())
        self.execute(
            f"INSERT INTO {self.quote_name(to_table)} ({columns}) "
            f"SELECT {expressions} FROM {self.quote_name(from_table)}"
        )

    def _model_for_rebuild(self, model, fields, renames, delete_field):
        """A throwaway model class with the rebuilt table's fields and options."""
        import copy

        from reinhardt.apps.registry import Apps

        unique_together = [
            [renames.get(name, name) for name in together]
            for together in model._meta.unique_together
        ]
        indexes = model._meta.indexes
        if delete_field is not None:
            indexes = [index for index in indexes if delete_field.name not in index.fields]
        meta = model._meta
        options = dict(
            app_label=meta.app_label,
            db_table=meta.db_table,
            unique_together=unique_together,
            indexes=indexes,
            constraints=list(meta.constraints),
            apps=Apps(),
        )
        body = copy.deepcopy(fields)
        body.update(Meta=type("Meta", (), options), __module__=model.__module__)
        return type(model._meta.object_name, model.__bases__, body)

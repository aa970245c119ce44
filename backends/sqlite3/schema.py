"""SQLite's schema editor (table creation; in-place changes SQLite cannot make rebuild the
table, which the migrations layer adds)."""

import datetime
import decimal

from reinhardt.backends.sql.schema import SQLSchemaEditor
from reinhardt.backends.utils import strip_quotes
from reinhardt.orm.errors import NotSupportedError
from reinhardt.orm.models.expressions import Value
from reinhardt.orm.models.fields import NOT_PROVIDED


class DatabaseSchemaEditor(SQLSchemaEditor):
    sql_delete_table = "DROP TABLE %(table)s"
    sql_create_fk = None
    sql_create_inline_fk = (
        "REFERENCES %(to_table)s (%(to_column)s) DEFERRABLE INITIALLY DEFERRED"
    )
    sql_create_column_inline_fk = sql_create_inline_fk
    sql_delete_column = "ALTER TABLE %(table)s DROP COLUMN %(column)s"
    sql_create_unique = "CREATE UNIQUE INDEX %(name)s ON %(table)s (%(columns)s)"
    sql_delete_unique = "DROP INDEX %(name)s"

    def __enter__(self):
        # Table rebuilds drop and recreate tables that others reference, so foreign key
        # checks must be off while the editor is open; they are verified on exit.
        if not self.connection.disable_constraint_checking():
            raise NotSupportedError(
                "SQLite schema editor cannot be used while foreign key constraint checks are "
                "enabled. Make sure to disable them before entering a transaction.atomic() "
                "context because SQLite does not support disabling them in the middle of a "
                "multi-statement transaction."
            )
        return super().__enter__()

    def __exit__(self, exc_type, exc_value, traceback):
        self.connection.check_constraints()
        super().__exit__(exc_type, exc_value, traceback)
        self.connection.enable_constraint_checking()

    def quote_value(self, value):
        # Renders a literal for DDL (defaults in table rebuilds, collected SQL), where
        # parameters cannot be used.
        if isinstance(value, bool):
            return str(int(value))
        elif isinstance(value, (decimal.Decimal, float, int)):
            return str(value)
        elif isinstance(value, str):
            return "'%s'" % value.replace("'", "''")
        elif value is None:
            return "NULL"
        elif isinstance(value, (bytes, bytearray, memoryview)):
            # SQLite's blob literal syntax: X'<hex digits>'.
            return "X'%s'" % bytes(value).hex()
        elif isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
            return "'%s'" % value.isoformat(" ") if isinstance(value, datetime.datetime) \
                else "'%s'" % value.isoformat()
        else:
            raise ValueError(
                "Cannot quote parameter value %r of type %s" % (value, type(value))
            )

    def prepare_default(self, value):
        return self.quote_value(value)

    # ----- changes SQLite cannot make in place: rebuild the table ------------------------------
    #
    # SQLite's ALTER TABLE can rename tables and columns, add plain nullable columns and drop
    # plain columns. Anything else (type, NULL, default, unique, primary key, foreign key and
    # check changes) rebuilds the table: create the new definition under a temporary name,
    # copy every row across (converting values to the new column types), drop the old table,
    # rename the new one into place and recreate its indexes, all inside the schema editor's
    # transaction, so a failure leaves the old table as it was.

    def add_field(self, model, field):
        if field.many_to_many and field.remote_field.through._meta.auto_created:
            return self.create_model(field.remote_field.through)
        needs_rebuild = (
            field.primary_key
            or field.unique
            or not field.null
            # ADD COLUMN cannot take a default that is dropped afterwards.
            or self.effective_default(field) is not None
            or (field.db_default is not NOT_PROVIDED
                and not isinstance(field.db_default, Value))
            or (field.remote_field and field.db_constraint)
        )
        if needs_rebuild:
            self._remake_table(model, create_field=field)
        else:
            super().add_field(model, field)

    def remove_field(self, model, field):
        if field.many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.delete_model(field.remote_field.through)
            return
        if field.db_parameters(connection=self.connection)["type"] is None:
            return
        # DROP COLUMN refuses columns used by an index or constraint (and which columns a
        # check constraint or an expression uses is not known): rebuild the table then.
        def uses_field(constraint) -> bool:
            fields = getattr(constraint, "fields", None)
            return field.name in [name.lstrip("-") for name in fields] if fields else True

        in_constraint = (
            any(uses_field(constraint) for constraint in model._meta.constraints)
            or any(uses_field(index) for index in model._meta.indexes)
            or any(field.name in together for together in model._meta.unique_together)
        )
        if (
            not field.primary_key
            and not field.unique
            and not field.db_index
            and not (field.remote_field and field.db_constraint)
            and not in_constraint
        ):
            super().remove_field(model, field)
        else:
            self._remake_table(model, delete_field=field)

    def _alter_field(self, model, old_field, new_field, old_type, new_type, old_db_params,
                     new_db_params, strict=False):
        only_renamed = (
            old_field.column != new_field.column
            and self.column_sql(model, old_field) == self.column_sql(model, new_field)
            and not (old_field.remote_field and old_field.db_constraint)
            and not (new_field.remote_field and new_field.db_constraint)
        )
        if only_renamed:
            self.execute(self._rename_field_sql(model._meta.db_table, old_field, new_field,
                                                new_type))
            return
        self._remake_table(model, alter_fields=[(old_field, new_field)])
        # Tables whose foreign keys point at a unique column whose type changed are rebuilt
        # too, so their columns take the new type.
        if new_field.unique and (
            old_type != new_type or old_db_params.get("collation")
            != new_db_params.get("collation")
        ):
            related_models = set()
            opts = new_field.model._meta
            for remote_field in opts.related_objects:
                if remote_field.related_model == model:
                    continue
                if not remote_field.many_to_many:
                    if remote_field.field_name == new_field.name:
                        related_models.add(remote_field.related_model)
                elif new_field.primary_key and remote_field.through._meta.auto_created:
                    related_models.add(remote_field.through)
            if new_field.primary_key:
                for many_to_many in opts.many_to_many:
                    if many_to_many.related_model == model:
                        continue
                    if many_to_many.remote_field.through._meta.auto_created:
                        related_models.add(many_to_many.remote_field.through)
            for related_model in related_models:
                self._remake_table(related_model)

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
        if self._needs_index_for(constraint):
            super().add_constraint(model, constraint)
        else:
            self._remake_table(model)

    def remove_constraint(self, model, constraint):
        if self._needs_index_for(constraint):
            super().remove_constraint(model, constraint)
        else:
            self._remake_table(model)

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
        restore_pk_field = None
        # A new or altered primary key replaces the old one.
        if getattr(create_field, "primary_key", False) or any(
            getattr(new, "primary_key", False) for _, new in alter_fields
        ):
            for name, field in list(fields.items()):
                if field.primary_key and not any(name == new.name for _, new in alter_fields):
                    field.primary_key = False
                    restore_pk_field = field
                    if field.auto_created:
                        del fields[name]
                        del mapping[field.column]
        if create_field is not None:
            fields[create_field.name] = create_field
            if (
                create_field.db_default is NOT_PROVIDED
                and not create_field.many_to_many
                and not create_field.generated
                and create_field.concrete
            ):
                mapping[create_field.column] = self.prepare_default(
                    self.effective_default(create_field)
                )
        for old_field, new_field in alter_fields:
            fields.pop(old_field.name, None)
            mapping.pop(old_field.column, None)
            fields[new_field.name] = new_field
            renames[old_field.name] = new_field.name
            if new_field.generated:
                continue
            if old_field.null and not new_field.null:
                # Rows holding NULL take the new default instead of failing NOT NULL.
                if new_field.db_default is NOT_PROVIDED:
                    default = self.prepare_default(self.effective_default(new_field))
                else:
                    default, _ = self.db_default_sql(new_field)
                mapping[new_field.column] = (
                    f"coalesce({self.quote_name(old_field.column)}, {default})"
                )
            else:
                mapping[new_field.column] = self.quote_name(old_field.column)
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
        if restore_pk_field is not None:
            restore_pk_field.primary_key = True

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
        body = copy.deepcopy(fields)
        body["Meta"] = type("Meta", (), {
            "app_label": model._meta.app_label,
            "db_table": model._meta.db_table,
            "unique_together": unique_together,
            "indexes": indexes,
            "constraints": list(model._meta.constraints),
            "apps": Apps(),
        })
        body["__module__"] = model.__module__
        return type(model._meta.object_name, model.__bases__, body)

"""MySQL/MariaDB's schema editor.

Tables are created in utf8mb4 with the binary, no-pad collation (case-sensitive comparisons,
code point order, as on PostgreSQL and SQLite). DDL is not transactional here. A unique
constraint with a condition (or over expressions, on MariaDB) is emulated exactly: invisible
generated columns hold the constrained values where the condition holds and NULL elsewhere,
and a unique index covers them (NULLs never clash).
"""

from __future__ import annotations

from reinhardt.backends.sql.schema import SQLSchemaEditor
from reinhardt.backends.utils import names_digest
from reinhardt.orm.models.fields import NOT_PROVIDED

# Column types that can't take a literal DEFAULT (before MySQL 8.0.13) or a plain index.
_LOB_TYPES = ("tinyblob", "blob", "mediumblob", "longblob", "tinytext", "text", "mediumtext",
              "longtext", "json")


class DatabaseSchemaEditor(SQLSchemaEditor):
    sql_rename_table = "RENAME TABLE %(old_table)s TO %(new_table)s"
    sql_delete_table = "DROP TABLE %(table)s CASCADE"

    # MODIFY restates the whole column: whatever it leaves out (NULL, DEFAULT, COLLATE) is
    # reset, so _modify_sql() always spells all of them out.
    sql_alter_column_null = "MODIFY %(column)s %(type)s NULL"
    sql_alter_column_not_null = "MODIFY %(column)s %(type)s NOT NULL"
    sql_alter_column_type = "MODIFY %(column)s %(type)s%(collation)s"
    sql_alter_column_no_default_null = "ALTER COLUMN %(column)s SET DEFAULT NULL"
    sql_delete_column = "ALTER TABLE %(table)s DROP COLUMN %(column)s"

    sql_delete_unique = "ALTER TABLE %(table)s DROP INDEX %(name)s"
    sql_create_column_inline_fk = (
        ", ADD CONSTRAINT %(name)s FOREIGN KEY (%(column)s) "
        "REFERENCES %(to_table)s(%(to_column)s)"
    )
    sql_delete_fk = "ALTER TABLE %(table)s DROP FOREIGN KEY %(name)s"

    sql_create_index = "CREATE INDEX %(name)s ON %(table)s (%(columns)s)%(extra)s"
    sql_create_unique_index = "CREATE UNIQUE INDEX %(name)s ON %(table)s (%(columns)s)"
    sql_delete_index = "DROP INDEX %(name)s ON %(table)s"
    sql_rename_index = "ALTER TABLE %(table)s RENAME INDEX %(old_name)s TO %(new_name)s"

    sql_create_pk = "ALTER TABLE %(table)s ADD CONSTRAINT %(name)s PRIMARY KEY (%(columns)s)"
    sql_delete_pk = "ALTER TABLE %(table)s DROP PRIMARY KEY"

    # ----- values in DDL -----------------------------------------------------------------

    def quote_value(self, value):
        """A SQL literal for ``value``, escaped by the driver for this connection."""
        self.connection.ensure_connection()
        if isinstance(value, bool):
            return "1" if value else "0"
        quoted = self.connection.connection.literal(value)
        if isinstance(quoted, (bytes, bytearray)):
            quoted = quoted.decode()
        return quoted

    def prepare_default(self, value):
        return self.quote_value(value)

    def skip_default(self, field):
        db_type = field.db_type(self.connection)
        return db_type is not None and db_type.lower() in _LOB_TYPES

    # ----- altering columns ----------------------------------------------------------------

    def _modify_sql(self, field, db_type, collation, null, default_field):
        """``MODIFY column type [COLLATE c] [NOT] NULL [DEFAULT d]``: the column as it must
        be after the statement, with ``default_field``'s db_default."""
        parts = [f"MODIFY {self.quote_name(field.column)} {db_type}"]
        if collation:
            parts.append(self._collate_sql(collation))
        parts.append("NULL" if null else "NOT NULL")
        if default_field.db_default is not NOT_PROVIDED:
            default_sql, _ = self.db_default_sql(default_field)
            parts.append(f"DEFAULT {default_sql}")
        return " ".join(parts)

    def _alter_column_type_sql(self, model, old_field, new_field, new_type, old_collation,
                               new_collation):
        # The new type and collation; NULL and the database default stay what they are now
        # (the NULL and default steps of the alteration change them next).
        fragment = self._modify_sql(new_field, new_type, new_collation, old_field.null,
                                    old_field)
        if "AUTO_INCREMENT" in new_type.upper():
            # The counter may have passed the new type's range (rows since deleted): start
            # it again after the largest id (InnoDB never sets it lower than that).
            fragment = f"AUTO_INCREMENT = 1, {fragment}"
        return (fragment, []), []

    def _alter_column_null_sql(self, model, old_field, new_field):
        new_db_params = new_field.db_parameters(connection=self.connection)
        fragment = self._modify_sql(new_field, new_db_params["type"],
                                    new_db_params.get("collation"), new_field.null,
                                    new_field)
        return (fragment, [])

    def _alter_field(self, model, old_field, new_field, old_type, new_type, old_db_params,
                     new_db_params, strict=False):
        # TEXT/BLOB columns get no plain index (it would need a prefix length): a db_index
        # field becoming one loses its index, and one leaving them gets it, as CREATE TABLE
        # would do.
        def lob(db_type):
            return db_type is not None and db_type.lower() in _LOB_TYPES

        def plain_index(field):
            return field.db_index and not field.unique

        both_indexed = plain_index(old_field) and plain_index(new_field)
        if both_indexed and lob(new_type) and not lob(old_type):
            meta_indexes = {index.name for index in model._meta.indexes}
            for name in self._constraint_names(model, [old_field.column], index=True,
                                               unique=False, type_="idx",
                                               exclude=meta_indexes):
                self.execute(self._delete_index_sql(model, name))
        super()._alter_field(model, old_field, new_field, old_type, new_type, old_db_params,
                             new_db_params, strict)
        if both_indexed and lob(old_type) and not lob(new_type):
            self.execute(self._create_index_sql(model, fields=[new_field]))

    def add_field(self, model, field):
        super().add_field(model, field)
        # A TEXT/BLOB/JSON column got no DEFAULT, so the existing rows hold the type's
        # implicit value ('' or NULL): give them the field's default, as elsewhere.
        if (
            self.skip_default(field)
            and field.db_default is NOT_PROVIDED
            and not (field.many_to_many and field.remote_field.through._meta.auto_created)
        ):
            default = self.effective_default(field)
            if default is not None:
                self.execute(
                    f"UPDATE {self.quote_name(model._meta.db_table)} "
                    f"SET {self.quote_name(field.column)} = %s",
                    [default],
                )

    # ----- tables ------------------------------------------------------------------------

    def _table_options(self) -> str:
        collation = self.connection.features.binary_collation
        return f" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation}"

    def table_sql(self, model):
        sql, params = super().table_sql(model)
        return sql + self._table_options(), params

    # ----- indexes -----------------------------------------------------------------------

    def _field_should_be_indexed(self, model, field):
        if not super()._field_should_be_indexed(model, field):
            return False
        db_type = field.db_type(self.connection)
        if db_type is not None and db_type.lower() in _LOB_TYPES:
            return False  # needs a prefix length; the index would only speed things up
        # InnoDB indexes a foreign key's column itself when the constraint is added.
        if field.get_internal_type() == "ForeignKey" and field.db_constraint:
            return False
        return True

    def _index_condition_sql(self, condition):
        # No partial indexes: a plain index is a superset of the partial one (it serves
        # the same queries). Unique constraints with a condition are emulated below.
        return ""

    def _index_include_sql(self, model, columns):
        return ""

    # ----- unique constraints (with conditions / expressions emulated) -------------------

    def _unique_supported(self, condition=None, deferrable=None, include=None,
                          expressions=None, nulls_distinct=None):
        # Conditions and expressions are emulated with generated columns; INCLUDE columns
        # only serve index-only scans, so uniqueness over the fields is the same without
        # them. The rest is as for every SQL database.
        return super()._unique_supported(
            condition=None, deferrable=deferrable, include=None,
            expressions=None, nulls_distinct=nulls_distinct,
        )

    def _index_columns(self, table, columns, col_suffixes, opclasses):
        # Operator classes are PostgreSQL's; MySQL has none to name.
        return super()._index_columns(table, columns, col_suffixes, ())

    def _generated_column_name(self, name: str, position: int) -> str:
        return f"_uq{names_digest(name, length=8)}_{position}"

    def _generated_columns(self, model, name, fields, expressions, condition):
        """(column name, type, expression SQL) of each generated column of an emulated
        unique constraint."""
        from reinhardt.orm.query import Query

        qn = self.quote_name
        columns = []
        sources = []
        for field in fields:
            sources.append((qn(field.column), field.db_type(self.connection)))
        if expressions:
            query = Query(model, alias_cols=False)
            compiler = query.get_compiler(connection=self.connection)
            for expression in expressions:
                resolved = expression.resolve_expression(query, allow_joins=False)
                sql, params = compiler.compile(resolved)
                if params:
                    sql = sql % tuple(self.quote_value(p) for p in params)
                output = resolved.output_field
                db_type = output.db_type(self.connection) or "varchar(255)"
                if db_type.lower() in _LOB_TYPES:
                    db_type = "varchar(255)"
                sources.append((f"({sql})", db_type.replace(" AUTO_INCREMENT", "")))
        for position, (source_sql, db_type) in enumerate(sources):
            db_type = db_type.replace(" AUTO_INCREMENT", "")
            value = f"CASE WHEN {condition} THEN {source_sql} END" if condition else source_sql
            columns.append((self._generated_column_name(name, position), db_type, value))
        return columns

    def _invisible(self) -> str:
        features = self.connection.features
        if features.is_mariadb or features.version >= (8, 0, 23):
            return " INVISIBLE"
        return ""

    def _create_unique_sql(self, model, fields, name=None, condition=None, deferrable=None,
                           include=None, opclasses=None, expressions=None,
                           nulls_distinct=None):
        if not (condition or expressions):
            return super()._create_unique_sql(
                model, fields, name=name, deferrable=deferrable, include=include,
                opclasses=opclasses, nulls_distinct=nulls_distinct,
            )
        if not self._unique_supported(deferrable=deferrable, include=include,
                                      nulls_distinct=nulls_distinct):
            return None
        table = model._meta.db_table
        if name is None:
            name = self._create_index_name(table, [f.column for f in fields], suffix="_uniq")
        columns = self._generated_columns(model, name, fields, expressions, condition)
        qn = self.quote_name
        parts = [
            f"ADD COLUMN {qn(column)} {db_type} AS ({value}) VIRTUAL{self._invisible()}"
            for column, db_type, value in columns
        ]
        parts.append(
            f"ADD CONSTRAINT {qn(name)} UNIQUE ("
            + ", ".join(qn(column) for column, _, _ in columns) + ")"
        )
        return f"ALTER TABLE {qn(table)} " + ", ".join(parts)

    def _delete_unique_sql(self, model, name, condition=None, deferrable=None, include=None,
                           opclasses=None, expressions=None, nulls_distinct=None):
        if not (condition or expressions):
            return super()._delete_unique_sql(
                model, name, deferrable=deferrable, include=include, opclasses=opclasses,
                nulls_distinct=nulls_distinct,
            )
        qn = self.quote_name
        count = len(expressions or ()) + self._count_constraint_fields(model, name)
        parts = [f"DROP INDEX {qn(name)}"] + [
            f"DROP COLUMN {qn(self._generated_column_name(name, position))}"
            for position in range(count)
        ]
        return f"ALTER TABLE {qn(model._meta.db_table)} " + ", ".join(parts)

    @staticmethod
    def _count_constraint_fields(model, name):
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return len(getattr(constraint, "fields", ()))
        return 0

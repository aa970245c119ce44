"""The schema editor shared by SQL backends: CREATE/DROP TABLE, columns, indexes, constraints.

Dialects override the ``sql_*`` templates and small methods. Index and constraint names follow
Django's scheme (table, columns and a hash), so databases created by Django migrate cleanly.
"""

from __future__ import annotations

import logging

from reinhardt.backends.base.schema import BaseDatabaseSchemaEditor
from reinhardt.backends.sql.alterations import AlterationsMixin
from reinhardt.backends.utils import names_digest, split_identifier, strip_quotes
from reinhardt.orm.models.fields import NOT_PROVIDED
from reinhardt.orm.transaction import TransactionManagementError

logger = logging.getLogger("reinhardt.orm.backends.schema")


class SQLSchemaEditor(AlterationsMixin, BaseDatabaseSchemaEditor):
    # Overrideable SQL templates
    sql_create_table = "CREATE TABLE %(table)s (%(definition)s)"
    sql_rename_table = "ALTER TABLE %(old_table)s RENAME TO %(new_table)s"
    sql_retablespace_table = "ALTER TABLE %(table)s SET TABLESPACE %(new_tablespace)s"
    sql_delete_table = "DROP TABLE %(table)s CASCADE"

    sql_create_column = "ALTER TABLE %(table)s ADD COLUMN %(column)s %(definition)s"
    sql_alter_column = "ALTER TABLE %(table)s %(changes)s"
    sql_alter_column_type = "ALTER COLUMN %(column)s TYPE %(type)s%(collation)s"
    sql_alter_column_null = "ALTER COLUMN %(column)s DROP NOT NULL"
    sql_alter_column_not_null = "ALTER COLUMN %(column)s SET NOT NULL"
    sql_alter_column_default = "ALTER COLUMN %(column)s SET DEFAULT %(default)s"
    sql_alter_column_no_default = "ALTER COLUMN %(column)s DROP DEFAULT"
    sql_delete_column = "ALTER TABLE %(table)s DROP COLUMN %(column)s CASCADE"
    sql_rename_column = "ALTER TABLE %(table)s RENAME COLUMN %(old_column)s TO %(new_column)s"
    sql_update_with_default = (
        "UPDATE %(table)s SET %(column)s = %(default)s WHERE %(column)s IS NULL"
    )

    sql_unique_constraint = "UNIQUE (%(columns)s)%(deferrable)s"
    sql_check_constraint = "CHECK (%(check)s)"
    sql_delete_constraint = "ALTER TABLE %(table)s DROP CONSTRAINT %(name)s"
    sql_constraint = "CONSTRAINT %(name)s %(constraint)s"

    sql_create_check = "ALTER TABLE %(table)s ADD CONSTRAINT %(name)s CHECK (%(check)s)"
    sql_delete_check = sql_delete_constraint

    sql_create_unique = (
        "ALTER TABLE %(table)s ADD CONSTRAINT %(name)s UNIQUE (%(columns)s)%(deferrable)s"
    )
    sql_delete_unique = sql_delete_constraint

    sql_create_fk = (
        "ALTER TABLE %(table)s ADD CONSTRAINT %(name)s FOREIGN KEY (%(column)s) "
        "REFERENCES %(to_table)s (%(to_column)s)%(deferrable)s"
    )
    sql_create_inline_fk = None
    sql_create_column_inline_fk = None
    sql_delete_fk = sql_delete_constraint

    sql_create_index = (
        "CREATE INDEX %(name)s ON %(table)s (%(columns)s)%(include)s%(extra)s%(condition)s"
    )
    sql_create_unique_index = (
        "CREATE UNIQUE INDEX %(name)s ON %(table)s (%(columns)s)%(include)s%(condition)s"
    )
    sql_rename_index = "ALTER INDEX %(old_name)s RENAME TO %(new_name)s"
    sql_delete_index = "DROP INDEX %(name)s"

    sql_create_pk = "ALTER TABLE %(table)s ADD CONSTRAINT %(name)s PRIMARY KEY (%(columns)s)"
    sql_delete_pk = sql_delete_constraint

    sql_delete_procedure = "DROP PROCEDURE %(procedure)s"

    # ----- running statements -----------------------------------------------------------------

    def execute(self, sql, params=()):
        """Run (or collect, for sqlmigrate) one DDL statement."""
        # Collected SQL is never run, so transactional DDL does not matter.
        if (
            not self.collect_sql
            and self.connection.in_atomic_block
            and not self.connection.features.can_rollback_ddl
        ):
            raise TransactionManagementError(
                "Executing DDL statements while in a transaction on databases that can't "
                "perform a rollback is prohibited."
            )
        sql = str(sql)
        logger.debug("%s; (params %r)", sql, params, extra={"params": params, "sql": sql})
        if self.collect_sql:
            ending = "" if sql.rstrip().endswith(";") else ";"
            if params:
                self.collected_sql.append(
                    (sql % tuple(map(self.quote_value, params))) + ending
                )
            else:
                self.collected_sql.append(sql + ending)
        else:
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params if params else None)

    def quote_name(self, name):
        return self.connection.ops.quote_name(name)

    def quote_value(self, value):
        """A literal for ``value`` in DDL (where parameters can't be used)."""
        raise NotImplementedError()

    # ----- tables -----------------------------------------------------------------------------

    def table_sql(self, model):
        """(CREATE TABLE statement, params) for ``model``; indexes and FKs are deferred."""
        # unique_together goes into deferred SQL: it may name columns added after CREATE
        # TABLE.
        for field_names in model._meta.unique_together:
            fields = [model._meta.get_field(field) for field in field_names]
            self.deferred_sql.append(self._create_unique_sql(model, fields))
        # Create column SQL, add FK deferreds if needed.
        column_sqls = []
        params = []
        for field in model._meta.local_fields:
            # SQL.
            definition, extra_params = self.column_sql(model, field)
            if definition is None:
                continue
            # The column definition may carry an inline CHECK.
            db_params = field.db_parameters(connection=self.connection)
            if db_params["check"]:
                definition += " " + self.sql_check_constraint % db_params
            # Autoincrement SQL (for backends with inline variant).
            col_type_suffix = field.db_type_suffix(connection=self.connection)
            if col_type_suffix:
                definition += " %s" % col_type_suffix
            params.extend(extra_params)
            # FK.
            if field.remote_field and field.db_constraint:
                to_table = field.remote_field.model._meta.db_table
                to_column = field.remote_field.model._meta.get_field(
                    field.remote_field.field_name
                ).column
                if self.sql_create_inline_fk:
                    definition += " " + self.sql_create_inline_fk % {
                        "to_table": self.quote_name(to_table),
                        "to_column": self.quote_name(to_column),
                    }
                elif self.connection.features.supports_foreign_keys:
                    self.deferred_sql.append(
                        self._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
                    )
            # Add the SQL to our big list.
            column_sqls.append("%s %s" % (self.quote_name(field.column), definition))
            # Backends that create autoincrement sequences after the table (Oracle-style).
            if field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
                autoinc_sql = self.autoinc_sql(model._meta.db_table, field.column)
                if autoinc_sql:
                    self.deferred_sql.extend(autoinc_sql)
        constraints = [
            constraint.constraint_sql(model, self) for constraint in model._meta.constraints
        ]
        sql = self.sql_create_table % {
            "table": self.quote_name(model._meta.db_table),
            "definition": ", ".join(
                str(constraint) for constraint in (*column_sqls, *constraints) if constraint
            ),
        }
        return sql, params

    def autoinc_sql(self, table, column):
        """Statements creating an auto-increment sequence, where columns lack one."""
        return None

    def create_model(self, model):
        """Create the table of ``model``, its indexes and its many-to-many tables."""
        sql, params = self.table_sql(model)
        # None instead of an empty list, so that a literal % in DDL is left alone by drivers
        # that do not parameterise DDL.
        self.execute(sql, params or None)
        # Indexes are created afterwards (deferred SQL), which SQLite's table rebuild relies
        # on.
        self.deferred_sql.extend(self._model_indexes_sql(model))
        # Make M2M tables
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.create_model(field.remote_field.through)

    def delete_model(self, model):
        """Drop the table of ``model`` and its auto-created many-to-many tables."""
        # Handle auto-created intermediary models
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.delete_model(field.remote_field.through)
        # Delete the table
        self.execute(self.sql_delete_table % {"table": self.quote_name(model._meta.db_table)})
        # Remove all deferred statements referencing the deleted table.
        quoted = self.quote_name(model._meta.db_table)
        self.deferred_sql = [sql for sql in self.deferred_sql if quoted not in str(sql)]

    # ----- columns ----------------------------------------------------------------------------

    def column_sql(self, model, field, include_default=False):
        """(column definition, params) of ``field``; (None, None) when it has no column."""
        field_db_params = field.db_parameters(connection=self.connection)
        column_db_type = field_db_params["type"]
        # Fields without a column (many-to-many) add nothing.
        if column_db_type is None:
            return None, None
        params = []
        return (
            " ".join(
                self._iter_column_sql(column_db_type, params, model, field, field_db_params,
                                      include_default)
            ),
            params,
        )

    def _iter_column_sql(self, column_db_type, params, model, field, field_db_params,
                         include_default):
        yield column_db_type
        if collation := field_db_params.get("collation"):
            yield self._collate_sql(collation)
        # Work out nullability.
        null = field.null
        # Add database default.
        if field.db_default is not NOT_PROVIDED:
            default_sql, default_params = self.db_default_sql(field)
            yield f"DEFAULT {default_sql}"
            params.extend(default_params)
            include_default = False
        # Include a default value, if requested.
        include_default = include_default and not self.skip_default(field)
        if include_default:
            default_value = self.effective_default(field)
            if default_value is not None:
                column_default = "DEFAULT " + self._column_default_sql(field)
                if getattr(self.connection.features, "requires_literal_defaults", False):
                    # Inline the literal for backends that cannot parameterise a DEFAULT.
                    yield column_default % self.prepare_default(default_value)
                else:
                    yield column_default
                    params.append(default_value)
        # On backends where '' is stored as NULL, a field that may hold '' must allow NULL.
        if (
            field.empty_strings_allowed
            and not field.primary_key
            and self.connection.features.interprets_empty_strings_as_nulls
        ):
            null = True
        if not null:
            yield "NOT NULL"
        elif not getattr(self.connection.features, "implied_column_null", False):
            yield "NULL"
        if field.primary_key:
            yield "PRIMARY KEY"
        elif field.unique:
            yield "UNIQUE"

    def skip_default(self, field):
        """Whether the database cannot take a default for this column (e.g. MySQL BLOB)."""
        return False

    def prepare_default(self, value):
        """A literal default, for databases that need literals in DDL."""
        return self.quote_value(value)

    def _column_default_sql(self, field):
        return "%s"

    def db_default_sql(self, field):
        """The SQL of a column's db_default (a literal or an expression)."""
        from reinhardt.orm.models.expressions import Value
        from reinhardt.orm.query import Query

        db_default = field.db_default
        if isinstance(db_default, Value):
            value = field.get_db_prep_save(db_default.value, self.connection)
            return self.quote_value(value), ()
        query = Query(model=field.model, alias_cols=False)
        compiler = query.get_compiler(connection=self.connection)
        default_sql, params = compiler.compile(db_default.resolve_expression(query))
        if params:
            default_sql = default_sql % tuple(self.quote_value(p) for p in params)
        # An expression default is parenthesised: SQLite and MySQL accept only literals
        # and a few keywords unparenthesised; PostgreSQL takes both.
        return f"({default_sql})", ()

    def _collate_sql(self, collation, old_collation=None, table_name=None):
        return "COLLATE " + self.quote_name(collation)

    # ----- indexes and constraints ------------------------------------------------------------

    def _create_index_name(self, table_name, column_names, suffix=""):
        """A unique, deterministic name for an index or constraint (Django's scheme)."""
        _, table_name = split_identifier(table_name)
        hash_suffix_part = "%s%s" % (
            names_digest(table_name, *column_names, length=8),
            suffix,
        )
        max_length = self.connection.ops.max_name_length() or 200
        # If everything fits into max_length, use that name.
        index_name = "%s_%s_%s" % (table_name, "_".join(column_names), hash_suffix_part)
        if len(index_name) <= max_length:
            return index_name
        # Shorten a long suffix.
        if len(hash_suffix_part) > max_length / 3:
            hash_suffix_part = hash_suffix_part[: max_length // 3]
        other_length = (max_length - len(hash_suffix_part)) // 2 - 1
        index_name = "%s_%s_%s" % (
            table_name[:other_length],
            "_".join(column_names)[:other_length],
            hash_suffix_part,
        )
        # Identifiers must not start with _ or a digit on some backends: prefix a letter.
        if index_name[0] == "_" or index_name[0].isdigit():
            index_name = "D%s" % index_name[:-1]
        return index_name

    def _get_index_tablespace_sql(self, model, fields, db_tablespace=None):
        return ""

    def _index_condition_sql(self, condition):
        if condition:
            return " WHERE " + condition
        return ""

    def _index_include_sql(self, model, columns):
        if not columns or not getattr(self.connection.features,
                                      "supports_covering_indexes", False):
            return ""
        return " INCLUDE (%s)" % ", ".join(self.quote_name(c) for c in columns)

    def _index_columns(self, table, columns, col_suffixes, opclasses):
        parts = []
        for idx, column in enumerate(columns):
            part = self.quote_name(column)
            try:
                suffix = col_suffixes[idx]
            except IndexError:
                suffix = ""
            if suffix:
                part = f"{part} {suffix}"
            try:
                opclass = opclasses[idx]
            except IndexError:
                opclass = ""
            if opclass:
                part = f"{part} {opclass}"
            parts.append(part)
        return ", ".join(parts)

    def _index_expressions(self, model, expressions):
        from reinhardt.orm.models.expressions import OrderBy
        from reinhardt.orm.query import Query

        query = Query(model, alias_cols=False)
        compiler = query.get_compiler(connection=self.connection)
        parts = []
        for expression in expressions:
            resolved = expression.resolve_expression(query, allow_joins=False)
            suffix = ""
            if isinstance(resolved, OrderBy):
                suffix = " DESC" if resolved.descending else ""
                resolved = resolved.expression
            sql, params = compiler.compile(resolved)
            if params:
                sql = sql % tuple(self.quote_value(p) for p in params)
            parts.append(f"({sql}){suffix}")
        return ", ".join(parts)

    def _create_index_sql(self, model, *, fields=None, name=None, suffix="", using="",
                          db_tablespace=None, col_suffixes=(), sql=None, opclasses=(),
                          condition=None, include=None, expressions=None):
        """CREATE INDEX for ``fields`` (or ``expressions``), named by Django's scheme."""
        fields = fields or []
        table = model._meta.db_table
        columns = [field.column for field in fields]
        if name is None:
            name = self._create_index_name(table, columns, suffix=suffix)
        sql_create_index = sql or self.sql_create_index
        if columns:
            columns_sql = self._index_columns(table, columns, col_suffixes, opclasses)
        else:
            columns_sql = self._index_expressions(model, expressions or [])
        return sql_create_index % {
            "table": self.quote_name(table),
            "name": self.quote_name(name),
            "using": using,
            "columns": columns_sql,
            "extra": self._get_index_tablespace_sql(model, fields, db_tablespace),
            "condition": self._index_condition_sql(condition),
            "include": self._index_include_sql(model, include),
        }

    def _delete_index_sql(self, model, name, sql=None):
        return (sql or self.sql_delete_index) % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(name),
        }

    def _model_indexes_sql(self, model):
        """The CREATE INDEX statements for ``model`` (db_index fields and Meta.indexes)."""
        if not model._meta.managed or model._meta.proxy:
            return []
        output = []
        for field in model._meta.local_fields:
            output.extend(self._field_indexes_sql(model, field))
        for index in model._meta.indexes:
            if (
                not index.contains_expressions
                or getattr(self.connection.features, "supports_expression_indexes", True)
            ):
                output.append(index.create_sql(model, self))
        return output

    def _field_indexes_sql(self, model, field):
        output = []
        if self._field_should_be_indexed(model, field):
            output.append(self._create_index_sql(model, fields=[field]))
        return output

    def _field_should_be_indexed(self, model, field):
        return field.db_index and not field.unique

    def add_index(self, model, index):
        """Add an index on a model."""
        if index.contains_expressions and not getattr(
            self.connection.features, "supports_expression_indexes", True
        ):
            return None
        self.execute(index.create_sql(model, self), params=None)

    def remove_index(self, model, index):
        """Remove an index from a model."""
        if index.contains_expressions and not getattr(
            self.connection.features, "supports_expression_indexes", True
        ):
            return None
        self.execute(index.remove_sql(model, self))

    def add_constraint(self, model, constraint):
        """Add a constraint to a model."""
        sql = constraint.create_sql(model, self)
        if sql:
            # The constraint SQL is already complete; params=None keeps % signs in it
            # untouched.
            self.execute(sql, params=None)

    def remove_constraint(self, model, constraint):
        """Remove a constraint from a model."""
        sql = constraint.remove_sql(model, self)
        if sql:
            self.execute(sql)

    def _deferrable_constraint_sql(self, deferrable):
        from reinhardt.orm.models.constraints import Deferrable

        if deferrable is None:
            return ""
        if deferrable == Deferrable.DEFERRED:
            return " DEFERRABLE INITIALLY DEFERRED"
        if deferrable == Deferrable.IMMEDIATE:
            return " DEFERRABLE INITIALLY IMMEDIATE"

    def _unique_supported(self, condition=None, deferrable=None, include=None,
                          expressions=None, nulls_distinct=None):
        features = self.connection.features
        return (
            (not condition or features.supports_partial_indexes)
            and (not deferrable or features.supports_deferrable_unique_constraints)
            and (not include or getattr(features, "supports_covering_indexes", False))
            and (not expressions or getattr(features, "supports_expression_indexes", True))
            and (nulls_distinct is None
                 or getattr(features, "supports_nulls_distinct_unique_constraints", False))
        )

    def _unique_sql(self, model, fields, name, condition=None, deferrable=None, include=None,
                    opclasses=None, expressions=None, nulls_distinct=None):
        """The inline UNIQUE constraint of CREATE TABLE (or a deferred unique index)."""
        if not self._unique_supported(condition=condition, deferrable=deferrable,
                                      include=include, expressions=expressions,
                                      nulls_distinct=nulls_distinct):
            return None
        if condition or include or opclasses or expressions or nulls_distinct is not None:
            # Conditions, INCLUDE, expressions and NULLS NOT DISTINCT are only possible on a
            # unique index, not a table constraint.
            sql = self._create_unique_sql(
                model, fields, name=name, condition=condition, include=include,
                opclasses=opclasses, expressions=expressions, nulls_distinct=nulls_distinct,
            )
            if sql:
                self.deferred_sql.append(sql)
            return None
        constraint = self.sql_unique_constraint % {
            "columns": ", ".join([self.quote_name(field.column) for field in fields]),
            "deferrable": self._deferrable_constraint_sql(deferrable),
        }
        return self.sql_constraint % {
            "name": self.quote_name(name),
            "constraint": constraint,
        }

    def _create_unique_sql(self, model, fields, name=None, condition=None, deferrable=None,
                           include=None, opclasses=None, expressions=None,
                           nulls_distinct=None):
        """A statement adding a unique constraint (or unique index) to an existing table."""
        if not self._unique_supported(condition=condition, deferrable=deferrable,
                                      include=include, expressions=expressions,
                                      nulls_distinct=nulls_distinct):
            return None
        table = model._meta.db_table
        columns = [field.column for field in fields]
        if name is None:
            name = self._create_index_name(table, columns, suffix="_uniq")
        if condition or include or opclasses or expressions:
            sql = self.sql_create_unique_index
        else:
            sql = self.sql_create_unique
        if columns:
            columns_sql = self._index_columns(table, columns, (), opclasses or ())
        else:
            columns_sql = self._index_expressions(model, expressions)
        return sql % {
            "table": self.quote_name(table),
            "name": self.quote_name(name),
            "columns": columns_sql,
            "condition": self._index_condition_sql(condition),
            "deferrable": self._deferrable_constraint_sql(deferrable),
            "include": self._index_include_sql(model, include),
            "nulls_distinct": "",
        }

    def _delete_unique_sql(self, model, name, condition=None, deferrable=None, include=None,
                           opclasses=None, expressions=None, nulls_distinct=None):
        if not self._unique_supported(condition=condition, deferrable=deferrable,
                                      include=include, expressions=expressions,
                                      nulls_distinct=nulls_distinct):
            return None
        if condition or include or opclasses or expressions:
            sql = self.sql_delete_index
        else:
            sql = self.sql_delete_unique
        return sql % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(name),
        }

    def _check_sql(self, name, check):
        return self.sql_constraint % {
            "name": self.quote_name(name),
            "constraint": self.sql_check_constraint % {"check": check},
        }

    def _create_check_sql(self, model, name, check):
        return self.sql_create_check % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(name),
            "check": check,
        }

    def _delete_check_sql(self, model, name):
        return self.sql_delete_check % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(name),
        }

    def _fk_constraint_name(self, model, field, suffix):
        def create_fk_name(*args, **kwargs):
            return self.quote_name(self._create_index_name(*args, **kwargs))

        to_table = field.target_field.model._meta.db_table
        to_column = field.target_field.column
        return self._create_index_name(
            model._meta.db_table, [field.column],
            suffix % {"to_table": split_identifier(to_table)[1], "to_column": to_column},
        )

    def _create_fk_sql(self, model, field, suffix):
        deferrable = getattr(self.connection.ops, "deferrable_sql", lambda: "")()
        return self.sql_create_fk % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(self._fk_constraint_name(model, field, suffix)),
            "column": self.quote_name(field.column),
            "to_table": self.quote_name(field.target_field.model._meta.db_table),
            "to_column": self.quote_name(field.target_field.column),
            "deferrable": deferrable,
        }

    def _delete_fk_sql(self, model, name):
        return self.sql_delete_fk % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(name),
        }


__all__ = ["SQLSchemaEditor", "strip_quotes"]

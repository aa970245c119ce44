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

_AUTO_FIELD_TYPES = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})


# Statement templates are assembled from these pieces so that each dialect can override a
# single template and the rest stays consistent.
_ALTER = "ALTER TABLE %(table)s "
_ADD_NAMED = _ALTER + "ADD CONSTRAINT %(name)s "
_COLUMN = "ALTER COLUMN %(column)s "
_ON_COLUMNS = "ON %(table)s (%(columns)s)%(include)s"


class SQLSchemaEditor(AlterationsMixin, BaseDatabaseSchemaEditor):
    # -- tables
    sql_delete_table = "DROP TABLE %(table)s CASCADE"
    sql_create_table = "CREATE TABLE %(table)s (%(definition)s)"
    sql_rename_table = "ALTER TABLE %(old_table)s RENAME TO %(new_table)s"
    sql_retablespace_table = _ALTER + "SET TABLESPACE %(new_tablespace)s"

    # -- columns (the sql_alter_column_* pieces fill %(changes)s of sql_alter_column)
    sql_alter_column = _ALTER + "%(changes)s"
    sql_create_column = _ALTER + "ADD COLUMN %(column)s %(definition)s"
    sql_delete_column = _ALTER + "DROP COLUMN %(column)s CASCADE"
    sql_rename_column = _ALTER + "RENAME COLUMN %(old_column)s TO %(new_column)s"
    sql_alter_column_type = _COLUMN + "TYPE %(type)s%(collation)s"
    sql_alter_column_not_null, sql_alter_column_null = (
        _COLUMN + "SET NOT NULL", _COLUMN + "DROP NOT NULL"
    )
    sql_alter_column_default, sql_alter_column_no_default = (
        _COLUMN + "SET DEFAULT %(default)s", _COLUMN + "DROP DEFAULT"
    )
    sql_update_with_default = (
        "UPDATE %(table)s SET %(column)s = %(default)s WHERE %(column)s IS NULL"
    )

    # -- constraints: the inline forms used inside CREATE TABLE ...
    sql_constraint = "CONSTRAINT %(name)s %(constraint)s"
    sql_check_constraint = "CHECK (%(check)s)"
    sql_unique_constraint = "UNIQUE (%(columns)s)%(deferrable)s"
    # ... and the statements adding or dropping them on an existing table.
    sql_delete_constraint = _ALTER + "DROP CONSTRAINT %(name)s"
    sql_delete_check = sql_delete_unique = sql_delete_fk = sql_delete_pk = (
        sql_delete_constraint
    )
    sql_create_check = _ADD_NAMED + "CHECK (%(check)s)"
    sql_create_unique = _ADD_NAMED + "UNIQUE (%(columns)s)%(deferrable)s"
    sql_create_pk = _ADD_NAMED + "PRIMARY KEY (%(columns)s)"
    sql_create_fk = (
        _ADD_NAMED + "FOREIGN KEY (%(column)s) "
        "REFERENCES %(to_table)s (%(to_column)s)%(deferrable)s"
    )
    # Dialects that declare foreign keys inside the column definition set these.
    sql_create_inline_fk = sql_create_column_inline_fk = None

    # -- indexes
    sql_create_index = "CREATE INDEX %(name)s " + _ON_COLUMNS + "%(extra)s%(condition)s"
    sql_create_unique_index = "CREATE UNIQUE INDEX %(name)s " + _ON_COLUMNS + "%(condition)s"
    sql_delete_index = "DROP INDEX %(name)s"
    sql_rename_index = "ALTER INDEX %(old_name)s RENAME TO %(new_name)s"

    sql_delete_procedure = "DROP PROCEDURE %(procedure)s"

    # ----- running statements -----------------------------------------------------------------

    def execute(self, sql, params=()):
        """Run (or collect, for sqlmigrate) one DDL statement."""
        collecting = self.collect_sql
        connection = self.connection
        # Collected SQL is never run, so whether DDL can be rolled back does not matter.
        if not collecting and connection.in_atomic_block and not (
            connection.features.can_rollback_ddl
        ):
            raise TransactionManagementError(
                "Executing DDL statements while in a transaction on databases that can't "
                "perform a rollback is prohibited."
            )
        statement = str(sql)
        logger.debug(
            "%s; (params %r)", statement, params, extra={"params": params, "sql": statement}
        )
        if not collecting:
            with connection.cursor() as cursor:
                cursor.execute(statement, params or None)
            return
        terminator = ";" if not statement.rstrip().endswith(";") else ""
        if params:
            statement = statement % tuple(self.quote_value(value) for value in params)
        self.collected_sql.append(statement + terminator)

    def quote_name(self, name):
        return self.connection.ops.quote_name(name)

    def quote_value(self, value):
        """A literal for ``value`` in DDL (where parameters can't be used)."""
        raise NotImplementedError()

    # ----- tables -----------------------------------------------------------------------------

    def table_sql(self, model):
        """(CREATE TABLE statement, params) for ``model``; indexes and FKs are deferred."""
        meta = model._meta
        # unique_together is deferred: it may name columns added after CREATE TABLE.
        self.deferred_sql.extend(
            self._create_unique_sql(model, [meta.get_field(name) for name in together])
            for together in meta.unique_together
        )
        params = []
        parts = []
        for field in meta.local_fields:
            column = self._table_column_sql(model, field, params)
            if column is not None:
                parts.append(column)
        parts.extend(constraint.constraint_sql(model, self) for constraint in meta.constraints)
        definition = ", ".join(str(part) for part in parts if part)
        table = self.quote_name(meta.db_table)
        return self.sql_create_table % {"table": table, "definition": definition}, params

    def _table_column_sql(self, model, field, params):
        """One column of CREATE TABLE, or None; queues the FK and sequence statements."""
        definition, column_params = self.column_sql(model, field)
        if definition is None:
            return None
        connection = self.connection
        words = [definition]
        db_params = field.db_parameters(connection=connection)
        if db_params["check"]:
            words.append(self.sql_check_constraint % db_params)
        # Dialects with an inline auto-increment keyword put it after the type.
        type_suffix = field.db_type_suffix(connection=connection)
        if type_suffix:
            words.append(str(type_suffix))
        params.extend(column_params)
        if field.remote_field and field.db_constraint:
            target = field.remote_field.model._meta
            target_column = target.get_field(field.remote_field.field_name).column
            if self.sql_create_inline_fk:
                words.append(self.sql_create_inline_fk % {
                    "to_table": self.quote_name(target.db_table),
                    "to_column": self.quote_name(target_column),
                })
            elif connection.features.supports_foreign_keys:
                fk_suffix = "_fk_%(to_table)s_%(to_column)s"
                self.deferred_sql.append(self._create_fk_sql(model, field, fk_suffix))
        # Dialects without auto-increment columns create a sequence afterwards.
        if field.get_internal_type() in _AUTO_FIELD_TYPES:
            sequence_sql = self.autoinc_sql(model._meta.db_table, field.column)
            if sequence_sql:
                self.deferred_sql.extend(sequence_sql)
        return self.quote_name(field.column) + " " + " ".join(words)

    def autoinc_sql(self, table, column):
        """Statements creating an auto-increment sequence, where columns lack one."""
        return None

    def _auto_created_throughs(self, model):
        return [
            field.remote_field.through
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        ]

    def create_model(self, model):
        """Create the table of ``model``, its indexes and its many-to-many tables."""
        statement, params = self.table_sql(model)
        # None rather than [] keeps a literal % in the DDL away from driver interpolation.
        self.execute(statement, params or None)
        # Indexes come afterwards as deferred SQL (SQLite's table rebuild relies on it).
        self.deferred_sql.extend(self._model_indexes_sql(model))
        for through in self._auto_created_throughs(model):
            self.create_model(through)

    def delete_model(self, model):
        """Drop the table of ``model`` and its auto-created many-to-many tables."""
        for through in self._auto_created_throughs(model):
            self.delete_model(through)
        table = self.quote_name(model._meta.db_table)
        self.execute(self.sql_delete_table % {"table": table})
        # Statements still queued for the dropped table would fail: forget them.
        self.deferred_sql = [pending for pending in self.deferred_sql
                             if table not in str(pending)]

    # ----- columns ----------------------------------------------------------------------------

    def column_sql(self, model, field, include_default=False):
        """(column definition, params) of ``field``; (None, None) when it has no column."""
        db_params = field.db_parameters(connection=self.connection)
        db_type = db_params["type"]
        if db_type is None:
            return None, None  # no column of its own (many-to-many)
        features = self.connection.features
        params = []
        words = [db_type]
        if db_params.get("collation"):
            words.append(self._collate_sql(db_params["collation"]))
        if field.db_default is not NOT_PROVIDED:
            expression_sql, expression_params = self.db_default_sql(field)
            words.append("DEFAULT " + expression_sql)
            params.extend(expression_params)
            include_default = False  # db_default wins over the Python-side default
        if include_default and not self.skip_default(field):
            value = self.effective_default(field)
            if value is not None:
                placeholder = "DEFAULT " + self._column_default_sql(field)
                if getattr(features, "requires_literal_defaults", False):
                    words.append(placeholder % self.prepare_default(value))
                else:
                    words.append(placeholder)
                    params.append(value)
        nullable = field.null or (
            # Where '' is stored as NULL, a column that may hold '' must accept NULL.
            field.empty_strings_allowed
            and not field.primary_key
            and features.interprets_empty_strings_as_nulls
        )
        if not nullable:
            words.append("NOT NULL")
        elif not getattr(features, "implied_column_null", False):
            words.append("NULL")
        if field.primary_key:
            words.append("PRIMARY KEY")
        elif field.unique:
            words.append("UNIQUE")
        return " ".join(words), params

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

        db_default = field.db_default
        if isinstance(db_default, Value):
            stored = field.get_db_prep_save(db_default.value, self.connection)
            return self.quote_value(stored), ()
        # An expression default is parenthesised: SQLite and MySQL accept only literals
        # and a few keywords unparenthesised; PostgreSQL takes both.
        return "(" + self._inline_expression_sql(field.model, db_default) + ")", ()

    def _inline_expression_sql(self, model, expression):
        """Compile ``expression`` against ``model`` with its parameters inlined as literals."""
        from reinhardt.orm.query import Query

        query = Query(model=model, alias_cols=False)
        resolved = expression.resolve_expression(query)
        sql, params = query.get_compiler(connection=self.connection).compile(resolved)
        return sql % tuple(map(self.quote_value, params)) if params else sql

    def _collate_sql(self, collation, old_collation=None, table_name=None):
        return "COLLATE " + self.quote_name(collation)

    # ----- indexes and constraints ------------------------------------------------------------

    def _create_index_name(self, table_name, column_names, suffix=""):
        """A unique, deterministic name for an index or constraint.

        ``<table>_<columns>_<8-char digest><suffix>``, the same scheme as Django's so that
        databases created by Django migrate cleanly. Over the backend's identifier limit,
        table and column parts are cut to share what the digest and suffix leave.
        """
        bare_table = split_identifier(table_name)[1]
        joined = "_".join(column_names)
        tail = names_digest(bare_table, *column_names, length=8) + suffix
        limit = self.connection.ops.max_name_length() or 200
        full = f"{bare_table}_{joined}_{tail}"
        if len(full) <= limit:
            return full
        if len(tail) > limit / 3:
            tail = tail[: limit // 3]
        share = (limit - len(tail)) // 2 - 1
        shortened = f"{bare_table[:share]}_{joined[:share]}_{tail}"
        # Some databases reject identifiers starting with "_" or a digit.
        if shortened[:1] == "_" or shortened[:1].isdigit():
            shortened = "D" + shortened[:-1]
        return shortened

    def _get_index_tablespace_sql(self, model, fields, db_tablespace=None):
        return ""

    def _index_condition_sql(self, condition):
        return " WHERE " + condition if condition else ""

    def _index_include_sql(self, model, columns):
        supported = getattr(self.connection.features, "supports_covering_indexes", False)
        if not (columns and supported):
            return ""
        return " INCLUDE (%s)" % ", ".join(map(self.quote_name, columns))

    def _index_columns(self, table, columns, col_suffixes, opclasses):
        rendered = []
        for position, column in enumerate(columns):
            words = [self.quote_name(column)]
            for extras in (col_suffixes, opclasses):
                extra = extras[position] if position < len(extras) else ""
                if extra:
                    words.append(extra)
            rendered.append(" ".join(words))
        return ", ".join(rendered)

    def _index_expressions(self, model, expressions):
        from reinhardt.orm.models.expressions import OrderBy
        from reinhardt.orm.query import Query

        query = Query(model, alias_cols=False)
        compile_node = query.get_compiler(connection=self.connection).compile
        rendered = []
        for expression in expressions:
            node = expression.resolve_expression(query, allow_joins=False)
            direction = ""
            if isinstance(node, OrderBy):
                # The direction goes after the parenthesised expression.
                direction = " DESC" if node.descending else ""
                node = node.expression
            sql, params = compile_node(node)
            if params:
                sql = sql % tuple(map(self.quote_value, params))
            rendered.append(f"({sql}){direction}")
        return ", ".join(rendered)

    def _create_index_sql(self, model, *, fields=None, name=None, suffix="", using="",
                          db_tablespace=None, col_suffixes=(), sql=None, opclasses=(),
                          condition=None, include=None, expressions=None):
        """CREATE INDEX for ``fields`` (or ``expressions``), named by Django's scheme."""
        fields = fields or []
        table = model._meta.db_table
        columns = [field.column for field in fields]
        if columns:
            columns_sql = self._index_columns(table, columns, col_suffixes, opclasses)
        else:
            columns_sql = self._index_expressions(model, expressions or [])
        template = sql or self.sql_create_index
        return template % {
            "table": self.quote_name(table),
            "name": self.quote_name(
                self._create_index_name(table, columns, suffix=suffix) if name is None
                else name
            ),
            "using": using,
            "columns": columns_sql,
            "extra": self._get_index_tablespace_sql(model, fields, db_tablespace),
            "condition": self._index_condition_sql(condition),
            "include": self._index_include_sql(model, include),
        }

    def _table_and_name(self, model, name):
        return {"table": self.quote_name(model._meta.db_table), "name": self.quote_name(name)}

    def _delete_index_sql(self, model, name, sql=None):
        return (sql or self.sql_delete_index) % self._table_and_name(model, name)

    def _expression_indexes_ok(self):
        return getattr(self.connection.features, "supports_expression_indexes", True)

    def _model_indexes_sql(self, model):
        """The CREATE INDEX statements for ``model`` (db_index fields and Meta.indexes)."""
        meta = model._meta
        if meta.proxy or not meta.managed:
            return []
        statements = [
            statement
            for field in meta.local_fields
            for statement in self._field_indexes_sql(model, field)
        ]
        expression_ok = self._expression_indexes_ok()
        statements.extend(
            index.create_sql(model, self)
            for index in meta.indexes
            if expression_ok or not index.contains_expressions
        )
        return statements

    def _field_indexes_sql(self, model, field):
        if not self._field_should_be_indexed(model, field):
            return []
        return [self._create_index_sql(model, fields=[field])]

    def _field_should_be_indexed(self, model, field):
        return field.db_index and not field.unique

    def add_index(self, model, index):
        """Add an index on a model (expression indexes only where supported)."""
        if self._expression_indexes_ok() or not index.contains_expressions:
            self.execute(index.create_sql(model, self), params=None)

    def remove_index(self, model, index):
        """Remove an index from a model (expression indexes only where supported)."""
        if self._expression_indexes_ok() or not index.contains_expressions:
            self.execute(index.remove_sql(model, self))

    def add_constraint(self, model, constraint):
        """Add a constraint to a model."""
        statement = constraint.create_sql(model, self)
        # The statement is complete; params=None leaves any % in it alone.
        if statement:
            self.execute(statement, params=None)

    def remove_constraint(self, model, constraint):
        """Remove a constraint from a model."""
        statement = constraint.remove_sql(model, self)
        if statement:
            self.execute(statement)

    def _deferrable_constraint_sql(self, deferrable):
        from reinhardt.orm.models.constraints import Deferrable

        timing = {Deferrable.DEFERRED: "DEFERRED", Deferrable.IMMEDIATE: "IMMEDIATE"}
        if deferrable is None:
            return ""
        if deferrable in timing:
            return " DEFERRABLE INITIALLY " + timing[deferrable]
        return None

    def _unique_supported(self, condition=None, deferrable=None, include=None,
                          expressions=None, nulls_distinct=None):
        features = self.connection.features
        wanted = (
            (condition, features.supports_partial_indexes),
            (deferrable, features.supports_deferrable_unique_constraints),
            (include, getattr(features, "supports_covering_indexes", False)),
            (expressions, getattr(features, "supports_expression_indexes", True)),
            (nulls_distinct is not None,
             getattr(features, "supports_nulls_distinct_unique_constraints", False)),
        )
        return all(supported for option, supported in wanted if option)

    @staticmethod
    def _needs_unique_index(condition, include, opclasses, expressions):
        """Conditions, INCLUDE, opclasses and expressions exist only on unique indexes."""
        return bool(condition or include or opclasses or expressions)

    def _unique_sql(self, model, fields, name, condition=None, deferrable=None, include=None,
                    opclasses=None, expressions=None, nulls_distinct=None):
        """The inline UNIQUE constraint of CREATE TABLE (or a deferred unique index)."""
        options = dict(condition=condition, include=include, expressions=expressions)
        if not self._unique_supported(deferrable=deferrable, nulls_distinct=nulls_distinct,
                                      **options):
            return None
        if nulls_distinct is not None or self._needs_unique_index(
            condition, include, opclasses, expressions
        ):
            # Not expressible as a table constraint: a unique index after CREATE TABLE.
            index_sql = self._create_unique_sql(
                model, fields, name=name, opclasses=opclasses,
                nulls_distinct=nulls_distinct, **options,
            )
            if index_sql:
                self.deferred_sql.append(index_sql)
            return None
        column_list = ", ".join(self.quote_name(field.column) for field in fields)
        body = self.sql_unique_constraint % {
            "columns": column_list,
            "deferrable": self._deferrable_constraint_sql(deferrable),
        }
        return self.sql_constraint % {"name": self.quote_name(name), "constraint": body}

    def _create_unique_sql(self, model, fields, name=None, condition=None, deferrable=None,
                           include=None, opclasses=None, expressions=None,
                           nulls_distinct=None):
        """A statement adding a unique constraint (or unique index) to an existing table."""
        if not self._unique_supported(condition=condition, deferrable=deferrable,
                                      include=include, expressions=expressions,
                                      nulls_distinct=nulls_distinct):
            return None
        table = model._meta.db_table
        column_names = [field.column for field in fields]
        as_index = self._needs_unique_index(condition, include, opclasses, expressions)
        if column_names:
            column_list = self._index_columns(table, column_names, (), opclasses or ())
        else:
            column_list = self._index_expressions(model, expressions)
        if name is None:
            name = self._create_index_name(table, column_names, suffix="_uniq")
        template = self.sql_create_unique_index if as_index else self.sql_create_unique
        return template % {
            **self._table_and_name(model, name),
            "columns": column_list,
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
        as_index = self._needs_unique_index(condition, include, opclasses, expressions)
        template = self.sql_delete_index if as_index else self.sql_delete_unique
        return template % self._table_and_name(model, name)

    def _check_sql(self, name, check):
        body = self.sql_check_constraint % {"check": check}
        return self.sql_constraint % {"name": self.quote_name(name), "constraint": body}

    def _create_check_sql(self, model, name, check):
        return self.sql_create_check % {**self._table_and_name(model, name), "check": check}

    def _delete_check_sql(self, model, name):
        return self.sql_delete_check % self._table_and_name(model, name)

    def _fk_constraint_name(self, model, field, suffix):
        target = field.target_field
        filled = suffix % {
            "to_table": split_identifier(target.model._meta.db_table)[1],
            "to_column": target.column,
        }
        return self._create_index_name(model._meta.db_table, [field.column], filled)

    def _create_fk_sql(self, model, field, suffix):
        target = field.target_field
        deferrable_sql = getattr(self.connection.ops, "deferrable_sql", None)
        return self.sql_create_fk % {
            **self._table_and_name(model, self._fk_constraint_name(model, field, suffix)),
            "column": self.quote_name(field.column),
            "to_table": self.quote_name(target.model._meta.db_table),
            "to_column": self.quote_name(target.column),
            "deferrable": deferrable_sql() if deferrable_sql is not None else "",
        }

    def _delete_fk_sql(self, model, name):
        return self.sql_delete_fk % self._table_and_name(model, name)


__all__ = ["SQLSchemaEditor", "strip_quotes"]

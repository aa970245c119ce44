"""MySQL/MariaDB compilers: the shared SQL compilers with MySQL renderings of some nodes
(JSON functions, character-based text functions, sliced IN subqueries)."""

from __future__ import annotations

import json

from reinhardt.backends.sql import compiler as sql
from reinhardt.orm.models.fields.json import compile_json_path


class MySQLRenderingMixin:
    vendor = "mysql"

    @property
    def _mariadb(self) -> bool:
        return self.connection.features.is_mariadb

    # ----- functions ---------------------------------------------------------------------

    def visit_Length(self, node, **extra):
        return self.visit_Func(node, function="CHAR_LENGTH", **extra)  # LENGTH() is bytes

    def visit_Ord(self, node, **extra):
        # ORD() of a multi-byte character is its bytes; in UTF-32 it is the code point.
        return self.visit_Func(node, template="ORD(CONVERT(%(expressions)s USING utf32))",
                               **extra)

    def visit_Chr(self, node, **extra):
        return self.visit_Func(
            node, template="CONVERT(CHAR(%(expressions)s USING utf32) USING utf8mb4)", **extra
        )

    def visit_Random(self, node, **extra):
        return self.visit_Func(node, function="RAND", **extra)

    def visit_Now(self, node, **extra):
        return self.visit_Func(node, template="CURRENT_TIMESTAMP(6)", **extra)

    def _sha2(self, node, **extra):
        bits = node.function[3:]
        return self.visit_Func(node, template=f"SHA2(%(expressions)s, {bits})", **extra)

    visit_SHA224 = visit_SHA256 = visit_SHA384 = visit_SHA512 = _sha2

    def visit_Cast(self, node, **extra):
        internal = node.output_field.get_internal_type()
        if internal == "JSONField" and self._mariadb:
            # MariaDB has no JSON type to cast to: JSON is text checked by JSON_VALID.
            return self.compile(node.get_source_expressions()[0])
        if internal == "FloatField" and self._mariadb:
            return self.visit_Func(node, template="(%(expressions)s + 0.0)", **extra)
        return super().visit_Cast(node, **extra)

    def visit_Collate(self, node, **extra):
        sql_, params = self.compile(node.get_source_expressions()[0])
        return f"{sql_} COLLATE {node.collation}", params

    # ----- subqueries --------------------------------------------------------------------

    def visit_In(self, node, **extra):
        # "IN (SELECT ... LIMIT n)" is refused: the sliced subquery becomes a derived table.
        from reinhardt.orm.query import Query

        rhs = node.rhs
        if isinstance(rhs, Query) and rhs.is_sliced:
            lhs_sql, lhs_params = node.process_lhs(self, self.connection)
            inner_sql, inner_params = rhs.get_compiler(connection=self.connection).as_sql()
            return (
                f"{lhs_sql} IN (SELECT * FROM ({inner_sql}) {self.quote_name('subquery')})",
                [*lhs_params, *inner_params],
            )
        return super().visit_In(node, **extra)

    # ----- JSON --------------------------------------------------------------------------

    def _json_target(self, node):
        """(SQL of the JSON document, params, JSON path) of a chain of key transforms."""
        root, keys = node.preprocess_lhs()
        root_sql, root_params = self.compile(root)
        return root_sql, list(root_params), compile_json_path(keys)

    def visit_KeyTransform(self, node, **extra):
        root_sql, params, path = self._json_target(node)
        return f"JSON_EXTRACT({root_sql}, %s)", [*params, path]

    def visit_KeyTextTransform(self, node, **extra):
        # A JSON null is SQL NULL (as PostgreSQL's ->>), strings lose their quotes.
        root_sql, params, path = self._json_target(node)
        extract = f"JSON_EXTRACT({root_sql}, %s)"
        return (
            f"(CASE WHEN JSON_TYPE({extract}) = 'NULL' THEN NULL "
            f"ELSE JSON_UNQUOTE({extract}) END)",
            [*params, path, *params, path],
        )

    def _json_equal(self, lhs_sql, rhs_sql):
        if self._mariadb:
            # "= 1": in a WHERE clause MariaDB takes a bare JSON_EQUALS() of NULL as true.
            return f"JSON_EQUALS({lhs_sql}, {rhs_sql}) = 1"
        return f"{lhs_sql} = CAST({rhs_sql} AS JSON)"

    def visit_JSONExact(self, node, **extra):
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        if rhs_params == [None]:
            rhs_params = ["null"]
        return self._json_equal(lhs_sql, rhs_sql), [*lhs_params, *rhs_params]

    visit_KeyTransformExact = visit_JSONExact

    def visit_KeyTransformIn(self, node, **extra):
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        values = list(node.rhs)
        if not values:
            from reinhardt.core.exceptions import EmptyResultSet

            raise EmptyResultSet
        parts, params = [], []
        for value in values:
            parts.append(self._json_equal(lhs_sql, "%s"))
            params.extend([*lhs_params, json.dumps(value)])
        return "(" + " OR ".join(parts) + ")", params

    def visit_DataContains(self, node, **extra):
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        return f"JSON_CONTAINS({lhs_sql}, {rhs_sql})", [*lhs_params, *rhs_params]

    def visit_ContainedBy(self, node, **extra):
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        return f"JSON_CONTAINS({rhs_sql}, {lhs_sql})", [*rhs_params, *lhs_params]

    def _has_keys(self, node, keys, mode):
        from reinhardt.orm.models.fields.json import KeyTransform

        lhs_sql, lhs_params = self.compile(node.lhs)
        paths = []
        for key in keys:
            if isinstance(key, KeyTransform):
                _, path = key.preprocess_lhs()
                paths.append(compile_json_path(path))
            else:
                paths.append("$." + json.dumps(str(key)))
        placeholders = ", ".join(["%s"] * len(paths))
        return (f"JSON_CONTAINS_PATH({lhs_sql}, '{mode}', {placeholders})",
                [*lhs_params, *paths])

    def visit_HasKey(self, node, **extra):
        return self._has_keys(node, [node.rhs], "one")

    def visit_HasKeys(self, node, **extra):
        return self._has_keys(node, list(node.rhs), "all")

    def visit_HasAnyKeys(self, node, **extra):
        return self._has_keys(node, list(node.rhs), "one")

    def visit_KeyTransformIsNull(self, node, **extra):
        transform = node.lhs
        root_sql, params, path = self._json_target(transform)
        sql_ = f"JSON_CONTAINS_PATH({root_sql}, 'one', %s)"
        params = [*params, path]
        if node.rhs:
            return f"NOT {sql_}", params
        return sql_, params

    def visit_JSONIContains(self, node, **extra):
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        return f"LOWER({lhs_sql}) LIKE LOWER({rhs_sql})", [*lhs_params, *rhs_params]


class SQLCompiler(MySQLRenderingMixin, sql.SQLCompiler):
    pass


class SQLInsertCompiler(MySQLRenderingMixin, sql.SQLInsertCompiler):
    pass


class SQLDeleteCompiler(MySQLRenderingMixin, sql.SQLDeleteCompiler):
    pass


class SQLUpdateCompiler(MySQLRenderingMixin, sql.SQLUpdateCompiler):
    pass


class SQLAggregateCompiler(MySQLRenderingMixin, sql.SQLAggregateCompiler):
    pass

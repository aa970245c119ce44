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

    def visit_Avg(self, node, **extra):
        # AVG() of integers is a DECIMAL with 4 places on MySQL: average in floating point
        # where the result is a float (as the other databases do).
        if node.output_field.get_internal_type() == "FloatField":
            extra.setdefault("template", "%(function)s(%(distinct)s(%(expressions)s) + 0e0)")
        return self.visit_Aggregate(node, **extra)

    def visit_DurationExpression(self, node, **extra):
        sql_, params = super().visit_DurationExpression(node, **extra)
        return _date_stays_a_date(node, sql_, params)

    def visit_Window(self, node, template=None):
        from reinhardt.orm.models.functions.window import LagLeadFunction

        source = node.source_expression
        if not (self._mariadb and isinstance(source, LagLeadFunction)
                and len(source.get_source_expressions()) == 3):
            return super().visit_Window(node, template=template)
        return self._lag_lead_with_default(node, source)

    def _lag_lead_with_default(self, node, source):
        """LAG/LEAD with a default, which MariaDB lacks. Whether the offset row exists is
        asked of the same function over the same window with a constant that is never
        NULL (a NULL value found in an existing row stays NULL):

            CASE WHEN LAG(1, n) OVER w IS NULL THEN default ELSE LAG(x, n) OVER w END

        Counting rows instead (COUNT(*) OVER () against ROW_NUMBER()) gave wrong answers on
        MariaDB 10.11 when the query had windows over other partitions too.
        """
        from reinhardt.orm.models.expressions import Value

        expression, offset, default = source.get_source_expressions()
        shifted = source.copy()
        shifted.set_source_expressions([expression, offset])
        probe = source.copy()
        probe.set_source_expressions([Value(1), offset])

        def over(function):
            window = node.copy()
            window.source_expression = function
            return super(MySQLRenderingMixin, self).visit_Window(window)

        shifted_sql, shifted_params = over(shifted)
        probe_sql, probe_params = over(probe)
        default_sql, default_params = self.compile(default)
        return (
            f"CASE WHEN {probe_sql} IS NULL THEN {default_sql} ELSE {shifted_sql} END",
            [*probe_params, *default_params, *shifted_params],
        )

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
        self.connection.features.require("supports_json_field", "JSONField key lookups")
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

    def visit_OrderBy(self, node, **extra):
        # MariaDB's JSON_EXTRACT gives text: numbers under a key would sort as text ("10"
        # before "2.5"). Sort by the number first, then by the text.
        from reinhardt.orm.models.expressions import OrderBy, RawSQL
        from reinhardt.orm.models.fields import FloatField, TextField
        from reinhardt.orm.models.fields.json import KeyTextTransform, KeyTransform

        expression = node.expression
        if not (self._mariadb and isinstance(expression, KeyTransform)
                and not isinstance(expression, KeyTextTransform)):
            return super().visit_OrderBy(node, **extra)
        sql_, params = self.compile(expression)
        keys = [
            RawSQL(f"CASE WHEN JSON_TYPE({sql_}) IN ('INTEGER', 'DOUBLE') "
                   f"THEN CAST({sql_} AS DOUBLE) END", [*params, *params], FloatField()),
            RawSQL(f"JSON_UNQUOTE({sql_})", list(params), TextField()),
        ]
        parts, all_params = [], []
        for key in keys:
            order = OrderBy(key, descending=node.descending, nulls_first=node.nulls_first,
                            nulls_last=node.nulls_last)
            part_sql, part_params = super().visit_OrderBy(order, **extra)
            parts.append(part_sql)
            all_params.extend(part_params)
        return ", ".join(parts), all_params

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
        self.connection.features.require("supports_json_field_contains",
                                         "JSONField contains lookups")
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        return f"JSON_CONTAINS({lhs_sql}, {rhs_sql})", [*lhs_params, *rhs_params]

    def visit_ContainedBy(self, node, **extra):
        self.connection.features.require("supports_json_field_contains",
                                         "JSONField contained_by lookups")
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        return f"JSON_CONTAINS({rhs_sql}, {lhs_sql})", [*rhs_params, *lhs_params]

    def _has_keys(self, node, keys, mode):
        from reinhardt.core.exceptions import EmptyResultSet
        from reinhardt.orm.models.fields.json import KeyTransform

        self.connection.features.require("supports_json_field", "JSONField key lookups")
        lhs_sql, lhs_params = self.compile(node.lhs)
        if not keys:
            # No key to look for: has_any_keys matches nothing, has_keys every document.
            if mode == "one":
                raise EmptyResultSet
            return f"{lhs_sql} IS NOT NULL", lhs_params
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
        # isnull=True: no value under the key (a missing key; a JSON null is a value).
        sql_, params = self.compile(node.lhs)
        return f"{sql_} IS {'' if node.rhs else 'NOT '}NULL", params

    def _key_comparison(self, node, **extra):
        # A JSON null is no number: it compares as SQL NULL (MariaDB would read 'null' as 0).
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        rhs_sql = node.get_rhs_op(self.connection, rhs_sql)
        return (
            f"(CASE WHEN JSON_TYPE({lhs_sql}) = 'NULL' THEN NULL ELSE {lhs_sql} END) {rhs_sql}",
            [*lhs_params, *lhs_params, *rhs_params],
        )

    visit_KeyTransformLt = visit_KeyTransformLte = _key_comparison
    visit_KeyTransformGt = visit_KeyTransformGte = _key_comparison

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


def _read_fields(value) -> set:
    """Names of the model's fields an update value reads (F("pages") + 1 reads pages)."""
    from reinhardt.orm.models.expressions import F

    names, stack = set(), [value]
    while stack:
        node = stack.pop()
        if isinstance(node, F):
            names.add(node.name.split("__")[0])
        elif getattr(node, "target", None) is not None and hasattr(node, "alias"):
            names.add(node.target.name)
        if hasattr(node, "get_source_expressions"):
            stack.extend(e for e in node.get_source_expressions() if e is not None)
    return names


def assignment_order(values, features):
    """MySQL evaluates SET assignments left to right, each seeing the columns assigned before
    it, where SQL (and every other backend) evaluates them all against the old row. Order
    the assignments so that each one runs before any assignment to a column it reads; then
    every value sees the old row. Columns that read each other have no such order."""
    remaining = list(values)
    reads = {id(v): _read_fields(v[2]) for v in remaining}
    ordered = []
    while remaining:
        for candidate in remaining:
            target = candidate[0].name
            if not any(target in reads[id(other)] for other in remaining if other is not candidate):
                ordered.append(candidate)
                remaining.remove(candidate)
                break
        else:
            names = ", ".join(v[0].name for v in remaining)
            raise features.not_supported(
                "supports_swapping_update_assignments",
                f"update() of fields whose values read each other ({names}; MySQL evaluates "
                "SET assignments left to right: split it into two update() calls)",
            )
    return ordered


class SQLUpdateCompiler(MySQLRenderingMixin, sql.SQLUpdateCompiler):
    def as_sql(self):
        values = self.query.values
        self.query.values = assignment_order(values, self.connection.features) if values else values
        try:
            return super().as_sql()
        finally:
            self.query.values = values

    def update_from_rows_sql(self):
        """bulk_update() as ``UPDATE t JOIN (SELECT %s AS pk, ... UNION ALL VALUES ...) rows
        ON t.pk = rows.pk SET ...``: MySQL's multi-table UPDATE takes the rows as a join
        (MySQL 8 spells each row ROW(...))."""
        qn = self.quote_name
        fields, rows = self.query.update_rows
        meta = self.query.get_meta()
        table = qn(self.query.base_table)
        source = qn("reinhardt_rows")
        names = [qn("pk")] + [qn(f"v{index}") for index in range(len(fields))]
        placeholders = []
        for field in [meta.pk, *fields]:
            placeholder = "%s"
            if hasattr(field, "get_placeholder"):
                placeholder = field.get_placeholder(None, self, self.connection)
            placeholders.append(placeholder)
        first = ", ".join(f"{p} AS {name}" for p, name in zip(placeholders, names))
        rows_sql = f"SELECT {first}"
        if len(rows) > 1:
            keyword = "" if self._mariadb else "ROW"
            row_sql = "%s(%s)" % (keyword, ", ".join(placeholders))
            rows_sql += f" UNION ALL VALUES {', '.join([row_sql] * (len(rows) - 1))}"
        assignments = ", ".join(
            f"{table}.{qn(field.column)} = {source}.{name}"
            for field, name in zip(fields, names[1:])
        )
        sql_ = (
            f"UPDATE {table} INNER JOIN ({rows_sql}) {source} "
            f"ON {table}.{qn(meta.pk.column)} = {source}.{names[0]} SET {assignments}"
        )
        params = [param for row in rows for param in row]
        try:
            where, where_params = self.compile(self.query.where)
        except sql.FullResultSet:
            where_params = []
        else:
            sql_ += f" WHERE {where}"
        return sql_, tuple(params + list(where_params))


class SQLAggregateCompiler(MySQLRenderingMixin, sql.SQLAggregateCompiler):
    pass


def _date_stays_a_date(node, sql_, params):
    """A date plus or minus a duration is a DATETIME on MySQL; it stays a date (as on the
    other databases)."""
    types = set()
    for side in (node.lhs, node.rhs):
        try:
            types.add(side.output_field.get_internal_type())
        except Exception:
            return sql_, params
    if types == {"DateField", "DurationField"}:
        return f"CAST({sql_} AS DATE)", params
    return sql_, params

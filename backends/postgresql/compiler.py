"""PostgreSQL's compilers: the shared SQL compilers with PostgreSQL renderings of some nodes
(JSON operators, text concatenation, numeric casts for LOG/MOD/ROUND, SHA digests)."""

from __future__ import annotations

from reinhardt.backends.sql import compiler as sql
from reinhardt.orm.errors import NotSupportedError


def _adds_to_a_date(node) -> bool:
    """Whether ``node`` is a date (not a datetime) plus or minus a duration."""
    types = set()
    for side in (node.lhs, node.rhs):
        try:
            types.add(side.output_field.get_internal_type())
        except Exception:
            return False
    return types == {"DateField", "DurationField"}


def _is_float(expression) -> bool:
    try:
        field = expression.output_field
    except Exception:
        return False
    return field.get_internal_type() == "FloatField"


class PostgreSQLRenderingMixin:
    vendor = "postgresql"

    # ----- functions ---------------------------------------------------------------------

    def _numeric_args(self, node, **extra):
        """LOG, MOD and ROUND(x, n) exist for numeric, not double precision: cast floats."""
        parts, params = [], []
        for arg in node.get_source_expressions():
            arg_sql, arg_params = self.compile(arg)
            if _is_float(arg):
                arg_sql = f"({arg_sql})::numeric"
            parts.append(arg_sql)
            params.extend(arg_params)
        function = extra.pop("function", node.function)
        return f"{function}({', '.join(parts)})", params

    def visit_Log(self, node, **extra):
        return self._numeric_args(node, **extra)

    def visit_Mod(self, node, **extra):
        return self._numeric_args(node, **extra)

    def visit_Round(self, node, **extra):
        expressions = node.get_source_expressions()
        if len(expressions) > 1 and _is_float(expressions[0]):
            return self._numeric_args(node, **extra)
        return self.visit_Func(node, **extra)

    def visit_ConcatPair(self, node, **extra):
        # || on text (CONCAT() is not IMMUTABLE, so it can't appear in index expressions).
        parts, params = [], []
        for expression in node.get_source_expressions():
            part_sql, part_params = self.compile(expression)
            parts.append(f"COALESCE(({part_sql})::text, '')")
            params.extend(part_params)
        return "({})".format(" || ".join(parts)), params

    def visit_StrIndex(self, node, **extra):
        return self.visit_Func(node, function="STRPOS", **extra)

    def visit_Now(self, node, **extra):
        # The time of the statement, not of the start of the transaction.
        return self.visit_Func(node, template="STATEMENT_TIMESTAMP()", **extra)

    def _sha(self, node, **extra):
        algorithm = node.function.lower()
        return self.visit_Func(
            node,
            template=f"ENCODE({algorithm}(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')",
            **extra,
        )

    visit_SHA224 = visit_SHA256 = visit_SHA384 = visit_SHA512 = _sha

    def visit_DurationExpression(self, node, **extra):
        # date + interval is a timestamp in PostgreSQL; a date field's arithmetic stays a date.
        sql_, params = super().visit_DurationExpression(node, **extra)
        if _adds_to_a_date(node):
            return f"({sql_})::date", params
        return sql_, params

    def visit_SHA1(self, node, **extra):
        # PostgreSQL has no built-in SHA-1; pgcrypto's digest() provides it.
        if not self.connection.has_pgcrypto:
            raise NotSupportedError(
                "PostgreSQL computes SHA1() with the pgcrypto extension, which is not "
                "installed in this database: CREATE EXTENSION pgcrypto.",
                backend="PostgreSQL", feature="SHA1() without pgcrypto",
                flag="supports_functions",
            )
        return self.visit_Func(
            node,
            template="ENCODE(DIGEST(CONVERT_TO(%(expressions)s, 'UTF8'), 'sha1'), 'hex')",
            **extra,
        )

    def visit_JSONObject(self, node, **extra):
        return self.visit_Func(node, function="JSONB_BUILD_OBJECT", **extra)

    def visit_Collate(self, node, **extra):
        sql_, params = self.compile(node.get_source_expressions()[0])
        return f"{sql_} COLLATE {self.connection.ops.quote_name(node.collation)}", params

    def visit_Cast(self, node, **extra):
        db_type = node.output_field.cast_db_type(self.connection)
        source = node.get_source_expressions()[0]
        sql_, params = self.compile(source)
        return f"({sql_})::{db_type}", params

    # ----- JSON --------------------------------------------------------------------------

    def _json_path(self, node):
        """(root expression SQL, params, keys) of a chain of key transforms."""
        root, keys = node.preprocess_lhs()
        root_sql, root_params = self.compile(root)
        return root_sql, list(root_params), keys

    def _key_transform(self, node, single_op, path_op):
        self.connection.features.require("supports_json_field", "JSONField key lookups")
        root_sql, params, keys = self._json_path(node)
        if len(keys) == 1:
            key = keys[0]
            try:
                index = int(key)
            except ValueError:
                return f"({root_sql} {single_op} %s)", [*params, key]
            return f"({root_sql} {single_op} {index})", params
        return f"({root_sql} {path_op} %s)", [*params, keys]

    def visit_KeyTransform(self, node, **extra):
        return self._key_transform(node, "->", "#>")

    def visit_KeyTextTransform(self, node, **extra):
        return self._key_transform(node, "->>", "#>>")

    def _operator_lookup(self, node, operator):
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        return f"{lhs_sql} {operator} {rhs_sql}", [*lhs_params, *rhs_params]

    def visit_DataContains(self, node, **extra):
        self.connection.features.require("supports_json_field_contains",
                                         "JSONField contains lookups")
        return self._operator_lookup(node, "@>")

    def visit_ContainedBy(self, node, **extra):
        self.connection.features.require("supports_json_field_contains",
                                         "JSONField contained_by lookups")
        return self._operator_lookup(node, "<@")

    def visit_HasKey(self, node, **extra):
        return self._has_key_paths(node, [node.rhs], " AND ")

    def visit_HasKeys(self, node, **extra):
        return self._has_key_paths(node, list(node.rhs), " AND ")

    def visit_HasAnyKeys(self, node, **extra):
        return self._has_key_paths(node, list(node.rhs), " OR ")

    def _has_key_paths(self, node, keys, joiner):
        """``?`` on the JSON holding each key; a key given as a KeyTransform path
        (has_key=KT('a__b')) tests its last step inside the object of the others."""
        from reinhardt.core.exceptions import EmptyResultSet
        from reinhardt.orm.models.fields.json import KeyTransform

        self.connection.features.require("supports_json_field", "JSONField key lookups")
        lhs_sql, lhs_params = self.compile(node.lhs)
        if not keys:
            # No key to look for: has_any_keys matches nothing, has_keys every document.
            if joiner.strip() == "OR":
                raise EmptyResultSet
            return f"{lhs_sql} IS NOT NULL", lhs_params
        parts, params = [], []
        for key in keys:
            if isinstance(key, KeyTransform):
                _, path = key.preprocess_lhs()
                *parents, last = path
                if parents:
                    parts.append(f"({lhs_sql} #> %s) ? %s")
                    params.extend([*lhs_params, parents, last])
                    continue
                key = last
            parts.append(f"{lhs_sql} ? %s")
            params.extend([*lhs_params, str(key)])
        sql_ = joiner.join(parts)
        return (f"({sql_})" if len(parts) > 1 else sql_), params

    def visit_KeyTransformIsNull(self, node, **extra):
        # isnull=True: no value under the key (a missing key; a JSON null is a value).
        sql_, params = self.compile(node.lhs)
        return f"{sql_} IS {'' if node.rhs else 'NOT '}NULL", params

    def _key_comparison(self, node, **extra):
        # A JSON null is no number: it compares as SQL NULL (jsonb would order it first).
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        rhs_sql = node.get_rhs_op(self.connection, rhs_sql)
        return (f"NULLIF({lhs_sql}, 'null'::jsonb) {rhs_sql}", [*lhs_params, *rhs_params])

    visit_KeyTransformLt = visit_KeyTransformLte = _key_comparison
    visit_KeyTransformGt = visit_KeyTransformGte = _key_comparison

    def visit_JSONIContains(self, node, **extra):
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        return f"UPPER(({lhs_sql})::text) LIKE UPPER({rhs_sql})", [*lhs_params, *rhs_params]

    def visit_PostgresOperatorLookup(self, node, **extra):
        return self._operator_lookup(node, node.postgres_operator)


class SQLCompiler(PostgreSQLRenderingMixin, sql.SQLCompiler):
    pass


class SQLInsertCompiler(PostgreSQLRenderingMixin, sql.SQLInsertCompiler):
    pass


class SQLDeleteCompiler(PostgreSQLRenderingMixin, sql.SQLDeleteCompiler):
    pass


class SQLUpdateCompiler(PostgreSQLRenderingMixin, sql.SQLUpdateCompiler):
    pass


class SQLAggregateCompiler(PostgreSQLRenderingMixin, sql.SQLAggregateCompiler):
    pass


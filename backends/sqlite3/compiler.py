"""SQLite's compilers: the shared SQL compilers with SQLite renderings of some nodes."""

from reinhardt.backends.sql import compiler as sql
from reinhardt.backends.sqlite3.json import SQLiteJSONRendering
from reinhardt.orm.errors import NotSupportedError
from reinhardt.orm.models.expressions import Col, Value


class SQLiteRenderingMixin(SQLiteJSONRendering):
    """SQLite spellings of functions: built-ins where SQLite has them with the right
    semantics, registered Python functions (reinhardt_*) where it doesn't."""

    vendor = "sqlite"

    def _function(self, node, function, **extra):
        return self.visit_Func(node, function=function, **extra)

    def visit_CombinedExpression(self, node):
        # SQLite stores a decimal with no fractional part as an integer, so 20.00 / 200 would
        # be an integer division; a DecimalField operand makes the division real.
        if node.connector == node.DIV and any(
            _is_decimal(side) for side in (node.lhs, node.rhs)
        ):
            lhs_sql, lhs_params = self.compile(node.lhs)
            rhs_sql, rhs_params = self.compile(node.rhs)
            return f"(CAST({lhs_sql} AS REAL) / {rhs_sql})", [*lhs_params, *rhs_params]
        return super().visit_CombinedExpression(node)

    def visit_Value(self, node):
        sql, params = super().visit_Value(node)
        if params and isinstance(params[0], str) and _is_decimal(node):
            # Decimals are passed as text; as text they would compare above every number.
            return f"CAST({sql} AS NUMERIC)", params
        return sql, params

    def lookup_rhs(self, lookup):
        sql, params = super().lookup_rhs(lookup)
        # A decimal compared with an expression (not a column, whose NUMERIC affinity converts
        # the text parameter) must be a number too: text sorts above every number in SQLite.
        if (
            lookup.rhs_is_direct_value()
            and not isinstance(lookup.lhs, Col)
            and _is_decimal(lookup.lhs)
            and any(isinstance(param, str) for param in params)
        ):
            sql = sql.replace("%s", "CAST(%s AS NUMERIC)")
        return sql, params

    def visit_Greatest(self, node, **extra):
        return self._function(node, "MAX", **extra)

    def visit_Least(self, node, **extra):
        return self._function(node, "MIN", **extra)

    def visit_ConcatPair(self, node, **extra):
        from reinhardt.orm.models.functions import Coalesce

        clone = node.copy()
        clone.set_source_expressions([
            Coalesce(expression, Value("")) for expression in clone.get_source_expressions()
        ])
        return self.visit_Func(clone, template="(%(expressions)s)", arg_joiner=" || ",
                               **extra)

    def visit_Left(self, node, **extra):
        return self.compile(node.get_substr())

    def visit_Right(self, node, **extra):
        return self.compile(node.get_substr())

    def visit_Substr(self, node, **extra):
        return self._function(node, "SUBSTR", **extra)

    def visit_StrIndex(self, node, **extra):
        return self._function(node, "INSTR", **extra)

    def visit_Lower(self, node, **extra):
        return self._function(node, "reinhardt_lower", **extra)

    def visit_Upper(self, node, **extra):
        return self._function(node, "reinhardt_upper", **extra)

    def visit_LPad(self, node, **extra):
        return self._function(node, "reinhardt_lpad", **extra)

    def visit_RPad(self, node, **extra):
        return self._function(node, "reinhardt_rpad", **extra)

    def visit_Repeat(self, node, **extra):
        return self._function(node, "reinhardt_repeat", **extra)

    def visit_Reverse(self, node, **extra):
        return self._function(node, "reinhardt_reverse", **extra)

    def visit_MD5(self, node, **extra):
        return self._function(node, "reinhardt_md5", **extra)

    def visit_SHA1(self, node, **extra):
        return self._function(node, "reinhardt_sha1", **extra)

    def visit_SHA224(self, node, **extra):
        return self._function(node, "reinhardt_sha224", **extra)

    def visit_SHA256(self, node, **extra):
        return self._function(node, "reinhardt_sha256", **extra)

    def visit_SHA384(self, node, **extra):
        return self._function(node, "reinhardt_sha384", **extra)

    def visit_SHA512(self, node, **extra):
        return self._function(node, "reinhardt_sha512", **extra)

    def visit_Ord(self, node, **extra):
        return self._function(node, "UNICODE", **extra)

    def visit_Chr(self, node, **extra):
        return self._function(node, "CHAR", **extra)

    def visit_Ceil(self, node, **extra):
        return self._function(node, "reinhardt_ceil", **extra)

    def visit_Floor(self, node, **extra):
        return self._function(node, "reinhardt_floor", **extra)

    def visit_Mod(self, node, **extra):
        return self._function(node, "reinhardt_mod", **extra)

    def visit_Power(self, node, **extra):
        return self._function(node, "reinhardt_power", **extra)

    def visit_Log(self, node, **extra):
        return self._function(node, "reinhardt_log", **extra)

    def visit_Sign(self, node, **extra):
        return self._function(node, "reinhardt_sign", **extra)

    def visit_Pi(self, node, **extra):
        return self._function(node, "reinhardt_pi", **extra)

    def visit_Random(self, node, **extra):
        return self._function(node, "reinhardt_random", **extra)

    def visit_Cot(self, node, **extra):
        return self._function(node, "reinhardt_cot", **extra)

    def visit_ATan2(self, node, **extra):
        return self._function(node, "reinhardt_atan2", **extra)

    def _math(self, node, **extra):
        return self._function(node, "reinhardt_" + node.function.lower(), **extra)

    visit_ACos = visit_ASin = visit_ATan = visit_Cos = visit_Degrees = _math
    visit_Exp = visit_Ln = visit_Radians = visit_Sin = visit_Sqrt = visit_Tan = _math

    def visit_Round(self, node, **extra):
        # SQLite's ROUND() ignores a negative precision; the registered function does not.
        return self._function(node, "reinhardt_round", **extra)

    def visit_Now(self, node, **extra):
        return self.visit_Func(
            node, template="STRFTIME('%%%%Y-%%%%m-%%%%d %%%%H:%%%%M:%%%%f', 'NOW')", **extra
        )

    def visit_StdDev(self, node, **extra):
        name = "reinhardt_stddev_samp" if node.function == "STDDEV_SAMP" else \
            "reinhardt_stddev_pop"
        return self.visit_Aggregate(node, function=name, **extra)

    def visit_Variance(self, node, **extra):
        name = "reinhardt_var_samp" if node.function == "VAR_SAMP" else "reinhardt_var_pop"
        return self.visit_Aggregate(node, function=name, **extra)

    def visit_Cast(self, node, **extra):
        db_type = node.output_field.db_type(self.connection)
        internal = node.output_field.get_internal_type()
        if internal == "DateTimeField":
            sql, params = self.compile(node.source_expressions[0])
            return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {sql})", params
        if internal == "DateField":
            sql, params = self.compile(node.source_expressions[0])
            return f"date({sql})", params
        if internal == "TimeField":
            sql, params = self.compile(node.source_expressions[0])
            return f"strftime('%%H:%%M:%%f', {sql})", params
        if db_type and db_type.lower() in ("bool", "boolean"):
            extra["db_type"] = "integer"
            return self.visit_Func(node, **extra)
        return super().visit_Cast(node, **extra)

    def visit_JSONObject(self, node, **extra):
        return self._function(node, "JSON_OBJECT", **extra)

    def visit_Collate(self, node, **extra):
        return self.visit_Func(node, **extra)

    def visit_PositionRef(self, node):
        return str(node.ordinal), []

    def visit_DatabaseDefault(self, node):
        raise NotSupportedError(
            "SQLite cannot use DEFAULT in a multi-row INSERT; reinhardt evaluates db_default "
            "in Python for SQLite.",
            backend="SQLite", feature="db_default in bulk inserts", flag="supports_bulk_insert",
        )


def _is_decimal(expression) -> bool:
    field = getattr(expression, "_output_field_or_none", None)
    return field is not None and field.get_internal_type() == "DecimalField"


class SQLCompiler(SQLiteRenderingMixin, sql.SQLCompiler):
    pass


class SQLInsertCompiler(SQLiteRenderingMixin, sql.SQLInsertCompiler):
    pass


class SQLDeleteCompiler(SQLiteRenderingMixin, sql.SQLDeleteCompiler):
    pass


class SQLUpdateCompiler(SQLiteRenderingMixin, sql.SQLUpdateCompiler):
    pass


class SQLAggregateCompiler(SQLiteRenderingMixin, sql.SQLAggregateCompiler):
    pass

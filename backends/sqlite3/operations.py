"""SQLite's dialect details: placeholders, dates stored as text, LIKE/GLOB patterns, upserts."""

from __future__ import annotations

import datetime
import decimal
import re
import uuid

from reinhardt.backends.base.operations import BaseDatabaseOperations
from reinhardt.conf import settings
from reinhardt.orm.errors import DatabaseError, NotSupportedError
from reinhardt.orm.models.constants import OnConflict
from reinhardt.orm.models.expressions import Col
from reinhardt.utils import timezone

_QMARK = re.compile(r"(?<!%)%s")


class DatabaseOperations(BaseDatabaseOperations):
    compiler_module = "reinhardt.backends.sqlite3.compiler"
    native_placeholder = "?"
    cast_char_field_without_max_length = "text"
    cast_data_types = {
        "DateField": "TEXT",
        "DateTimeField": "TEXT",
    }
    explain_prefix = "EXPLAIN QUERY PLAN"
    # SQLite's LIKE ignores ASCII case only, so case-insensitive lookups compare
    # reinhardt_lower() of both sides (exact for any Unicode text), and case-sensitive
    # pattern lookups use GLOB, which respects case.
    operators = {
        "exact": "= %s",
        "iexact": "= reinhardt_lower(%s)",
        "contains": "GLOB %s",
        "icontains": "LIKE reinhardt_lower(%s) ESCAPE '\\'",
        "regex": "REGEXP %s",
        "iregex": "REGEXP '(?i)' || %s",
        "gt": "> %s",
        "gte": ">= %s",
        "lt": "< %s",
        "lte": "<= %s",
        "startswith": "GLOB %s",
        "endswith": "GLOB %s",
        "istartswith": "LIKE reinhardt_lower(%s) ESCAPE '\\'",
        "iendswith": "LIKE reinhardt_lower(%s) ESCAPE '\\'",
    }
    # Braces doubled: PatternLookup fills "{}" with pattern_esc (LIKE escaping) first, which
    # GLOB must not get ('%', '_' and '\' are ordinary characters in GLOB); the doubled
    # braces become the "{}" that receives the right-hand side.
    _glob_esc = "REPLACE(REPLACE(REPLACE({{}}, '[', '[[]'), '*', '[*]'), '?', '[?]')"
    pattern_esc = r"REPLACE(REPLACE(REPLACE({}, '\', '\\'), '%%', '\%%'), '_', '\_')"
    pattern_ops = {
        "contains": "GLOB '*' || " + _glob_esc + " || '*'",
        "icontains": r"LIKE '%%' || reinhardt_lower({}) || '%%' ESCAPE '\'",
        "startswith": "GLOB " + _glob_esc + " || '*'",
        "istartswith": r"LIKE reinhardt_lower({}) || '%%' ESCAPE '\'",
        "endswith": "GLOB '*' || " + _glob_esc,
        "iendswith": r"LIKE '%%' || reinhardt_lower({}) ESCAPE '\'",
    }
    _glob_patterns = {"contains": "*%s*", "startswith": "%s*", "endswith": "*%s"}

    def __init__(self, connection):
        super().__init__(connection)
        self._native_sql = {}

    def convert_placeholders(self, sql, params=None):
        """'%s' -> '?' and '%%' -> '%', remembered per statement text."""
        try:
            return self._native_sql[sql]
        except KeyError:
            pass
        native = _QMARK.sub("?", sql).replace("%%", "%")
        if len(self._native_sql) > 2048:
            self._native_sql.clear()
        self._native_sql[sql] = native
        return native

    def quote_name(self, name):
        if name.startswith('"') and name.endswith('"'):
            return name  # Quoting once is enough.
        return '"%s"' % name

    def no_limit_value(self):
        return -1

    def pk_default_value(self):
        return "NULL"

    def bulk_batch_size(self, fields, objs):
        if len(fields) == 1:
            return 500
        elif len(fields) > 1:
            return self.connection.features.max_query_params // len(fields)
        return len(objs)

    def lookup_cast(self, lookup_type, internal_type=None):
        if lookup_type in ("iexact", "icontains", "istartswith", "iendswith"):
            return "reinhardt_lower(%s)"
        return "%s"

    def pattern_param(self, lookup_name, value, param_pattern):
        """A GLOB pattern for the case-sensitive lookups, a LIKE pattern for the others;
        wildcards in the value match literally either way."""
        if lookup_name in self._glob_patterns:
            escaped = str(value).replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")
            return self._glob_patterns[lookup_name] % escaped
        return super().pattern_param(lookup_name, value, param_pattern)

    def prep_for_iexact_query(self, x):
        return x

    def random_function_sql(self):
        return "RANDOM()"

    def _convert_tznames_to_sql(self, tzname):
        if tzname and settings.USE_TZ:
            return tzname, self.connection.timezone_name
        return None, None

    def date_extract_sql(self, lookup_type, sql, params):
        return f"reinhardt_date_extract(%s, {sql})", (lookup_type.lower(), *params)

    def datetime_extract_sql(self, lookup_type, sql, params, tzname):
        return f"reinhardt_datetime_extract(%s, {sql}, %s, %s)", (
            lookup_type.lower(), *params, *self._convert_tznames_to_sql(tzname),
        )

    def time_extract_sql(self, lookup_type, sql, params):
        return f"reinhardt_time_extract(%s, {sql})", (lookup_type.lower(), *params)

    def date_trunc_sql(self, lookup_type, sql, params, tzname=None):
        return f"reinhardt_date_trunc(%s, {sql}, %s, %s)", (
            lookup_type.lower(), *params, *self._convert_tznames_to_sql(tzname),
        )

    def time_trunc_sql(self, lookup_type, sql, params, tzname=None):
        return f"reinhardt_time_trunc(%s, {sql}, %s, %s)", (
            lookup_type.lower(), *params, *self._convert_tznames_to_sql(tzname),
        )

    def datetime_trunc_sql(self, lookup_type, sql, params, tzname):
        return f"reinhardt_datetime_trunc(%s, {sql}, %s, %s)", (
            lookup_type.lower(), *params, *self._convert_tznames_to_sql(tzname),
        )

    def datetime_cast_date_sql(self, sql, params, tzname):
        return f"reinhardt_datetime_cast_date({sql}, %s, %s)", (
            *params, *self._convert_tznames_to_sql(tzname),
        )

    def datetime_cast_time_sql(self, sql, params, tzname):
        return f"reinhardt_datetime_cast_time({sql}, %s, %s)", (
            *params, *self._convert_tznames_to_sql(tzname),
        )

    def format_for_duration_arithmetic(self, sql):
        return sql

    def combine_expression(self, connector, sub_expressions):
        if connector == "^":
            return "reinhardt_power(%s)" % ", ".join(sub_expressions)
        if connector == "#":
            lhs, rhs = sub_expressions
            return f"(({lhs}) | ({rhs})) - (({lhs}) & ({rhs}))"
        return super().combine_expression(connector, sub_expressions)

    def combine_duration_expression(self, connector, sub_expressions):
        if connector not in ("+", "-", "*", "/"):
            raise DatabaseError(f"Invalid connector for timedelta: {connector}.")
        fn_params = ["'%s'" % connector] + sub_expressions
        if len(fn_params) > 3:
            raise ValueError("Too many params for timedelta operations.")
        return "reinhardt_format_dtdelta(%s)" % ", ".join(fn_params)

    def subtract_temporals(self, internal_type, lhs, rhs):
        lhs_sql, lhs_params = lhs
        rhs_sql, rhs_params = rhs
        params = (*lhs_params, *rhs_params)
        if internal_type == "TimeField":
            return f"reinhardt_time_diff({lhs_sql}, {rhs_sql})", params
        return f"reinhardt_timestamp_diff({lhs_sql}, {rhs_sql})", params

    def integer_field_range(self, internal_type):
        # SQLite doesn't enforce integer ranges, but stores up to 64-bit integers.
        if internal_type in ("PositiveBigIntegerField", "PositiveIntegerField",
                             "PositiveSmallIntegerField"):
            return (0, 9223372036854775807)
        return (-9223372036854775808, 9223372036854775807)

    # ----- values to SQLite -------------------------------------------------------------------

    def adapt_datetimefield_value(self, value):
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            if settings.USE_TZ:
                value = timezone.make_naive(value, self.connection.timezone)
            else:
                raise ValueError(
                    "SQLite backend does not support timezone-aware datetimes when USE_TZ is "
                    "False."
                )
        return value.isoformat(" ")

    def adapt_datefield_value(self, value):
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        return value.isoformat()

    def adapt_timefield_value(self, value):
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            raise ValueError("SQLite backend does not support timezone-aware times.")
        return value.isoformat()

    def adapt_decimalfield_value(self, value, max_digits=None, decimal_places=None):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return str(value)

    def adapt_unknown_value(self, value):
        if isinstance(value, uuid.UUID):
            return value.hex
        return super().adapt_unknown_value(value)

    # ----- values from SQLite -----------------------------------------------------------------

    def get_db_converters(self, expression):
        internal_type = expression.output_field.get_internal_type()
        if internal_type == "DateTimeField":
            return [self._datetime_converter()]
        if internal_type == "DateField":
            return [_convert_date]
        if internal_type == "TimeField":
            return [_convert_time]
        if internal_type == "DecimalField":
            return [self._decimal_converter(expression)]
        if internal_type == "BooleanField":
            return [_convert_boolean]
        return []

    def _datetime_converter(self):
        tz = self.connection.timezone if settings.USE_TZ else None
        fromisoformat = datetime.datetime.fromisoformat

        if tz is None:

            def converter(value, expression, connection):
                if value is not None and not isinstance(value, datetime.datetime):
                    return fromisoformat(value)
                return value

        else:

            def converter(value, expression, connection):
                if value is not None:
                    if not isinstance(value, datetime.datetime):
                        value = fromisoformat(value)
                    if value.tzinfo is None:
                        value = value.replace(tzinfo=tz)
                return value

        return converter

    def _decimal_converter(self, expression):
        # SQLite keeps 15 significant digits: digits coming from float inaccuracy are
        # removed, then the value is quantized to the field's decimal places.
        create_decimal = decimal.Context(prec=15).create_decimal_from_float
        if isinstance(expression, Col):
            field = expression.output_field
            quantize_value = decimal.Decimal(1).scaleb(-(field.decimal_places or 0))
            context = decimal.Context(prec=field.max_digits or 28)

            def converter(value, expression, connection):
                if value is None:
                    return None
                if isinstance(value, str):
                    return decimal.Decimal(value).quantize(quantize_value, context=context)
                return create_decimal(value).quantize(quantize_value, context=context)

        else:

            def converter(value, expression, connection):
                if value is None:
                    return None
                if isinstance(value, str):
                    return decimal.Decimal(value)
                return create_decimal(value)

        return converter

    # ----- statements -------------------------------------------------------------------------

    def insert_statement(self, on_conflict=None):
        if on_conflict == OnConflict.IGNORE:
            return "INSERT OR IGNORE INTO"
        return super().insert_statement(on_conflict=on_conflict)

    def on_conflict_suffix_sql(self, fields, on_conflict, update_fields, unique_fields):
        if on_conflict == OnConflict.UPDATE:
            return "ON CONFLICT(%s) DO UPDATE SET %s" % (
                ", ".join(map(self.quote_name, unique_fields)),
                ", ".join(
                    f"{field} = EXCLUDED.{field}"
                    for field in map(self.quote_name, update_fields)
                ),
            )
        return super().on_conflict_suffix_sql(fields, on_conflict, update_fields,
                                              unique_fields)

    def return_insert_columns(self, fields):
        if not fields:
            return "", ()
        columns = [
            "%s.%s" % (self.quote_name(field.model._meta.db_table),
                       self.quote_name(field.column))
            for field in fields
        ]
        return "RETURNING %s" % ", ".join(columns), ()

    def fetch_returned_insert_rows(self, cursor):
        return cursor.fetchall()

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if tables and allow_cascade:
            # SQLite has no TRUNCATE ... CASCADE: add every table that refers to a
            # flushed table, directly or through others, to the list.
            tables = set(tables)
            for table in list(tables):
                tables.update(self._references_graph(table))
        sql_list = [
            "%s %s %s;" % (style.SQL_KEYWORD("DELETE"), style.SQL_KEYWORD("FROM"),
                           style.SQL_FIELD(self.quote_name(table)))
            for table in tables
        ]
        if reset_sequences:
            sequences = [{"table": table} for table in tables]
            sql_list.extend(self.sequence_reset_by_name_sql(style, sequences))
        return sql_list

    def sequence_reset_by_name_sql(self, style, sequences):
        if not sequences:
            return []
        return [
            "%s %s %s %s = 0 %s %s %s (%s);" % (
                style.SQL_KEYWORD("UPDATE"),
                style.SQL_TABLE(self.quote_name("sqlite_sequence")),
                style.SQL_KEYWORD("SET"),
                style.SQL_FIELD(self.quote_name("seq")),
                style.SQL_KEYWORD("WHERE"),
                style.SQL_FIELD(self.quote_name("name")),
                style.SQL_KEYWORD("IN"),
                ", ".join("'%s'" % sequence_info["table"] for sequence_info in sequences),
            ),
        ]

    def _references_graph(self, table_name):
        query = """
        WITH tables AS (
            SELECT %s name
            UNION
            SELECT sqlite_master.name
            FROM sqlite_master
            JOIN tables ON (sql REGEXP %s || tables.name || %s)
        ) SELECT name FROM tables;
        """
        params = (table_name, r'(?i)\s+references\s+("|\')?', r'("|\')?\s*\(')
        with self.connection.cursor() as cursor:
            cursor.execute(query, params)
            return [row[0] for row in cursor.fetchall()]

    def check_expression_support(self, expression):
        from reinhardt.orm.models.aggregates import Aggregate, Avg, StdDev, Sum, Variance
        from reinhardt.orm.models.fields import DateField, DateTimeField, TimeField

        bad_fields = (DateField, DateTimeField, TimeField)
        bad_aggregates = (Sum, Avg, Variance, StdDev)
        if isinstance(expression, bad_aggregates):
            for expr in expression.get_source_expressions():
                try:
                    output_field = expr.output_field
                except (AttributeError, Exception):
                    # Expressions without a resolvable type cannot be date columns.
                    continue
                if isinstance(output_field, bad_fields):
                    raise NotSupportedError(
                        "You cannot use Sum, Avg, StdDev, and Variance aggregations on date/"
                        "time fields in sqlite3 since date/time is saved as text.",
                        backend="SQLite", feature="aggregates over dates",
                        flag="supports_aggregates",
                    )
        if (
            isinstance(expression, Aggregate)
            and expression.distinct
            and len(expression.source_expressions) > 1
        ):
            raise NotSupportedError(
                "SQLite doesn't support DISTINCT on aggregate functions accepting multiple "
                "arguments.",
                backend="SQLite", feature="DISTINCT aggregates of several arguments",
                flag="supports_aggregates",
            )

    def last_executed_query(self, cursor, sql, params):
        if params:
            try:
                return sql.replace("?", "%s") % tuple(self._quote_params(params))
            except (TypeError, ValueError):
                pass
        return sql

    def _quote_params(self, params):
        for p in params:
            if p is None:
                yield "NULL"
            elif isinstance(p, (int, float)):
                yield str(p)
            else:
                yield "'%s'" % str(p).replace("'", "''")


def _convert_date(value, expression, connection):
    if value is not None and not isinstance(value, datetime.date):
        return datetime.date.fromisoformat(value)
    return value


def _convert_time(value, expression, connection):
    if value is not None and not isinstance(value, datetime.time):
        return datetime.time.fromisoformat(value)
    return value


def _convert_boolean(value, expression, connection):
    return bool(value) if value in (1, 0) else value

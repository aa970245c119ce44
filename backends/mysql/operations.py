"""MySQL/MariaDB dialect details: backtick quoting, naive UTC datetimes, date functions
without DATE_TRUNC, ON DUPLICATE KEY upserts, RETURNING on MariaDB, LOWER()-based
case-insensitive lookups."""

from __future__ import annotations

import datetime
import decimal
import json
import re
import uuid

from reinhardt.backends.base.operations import BaseDatabaseOperations
from reinhardt.backends.utils import split_tzname_delta
from reinhardt.conf import settings
from reinhardt.orm.errors import NotSupportedError
from reinhardt.orm.models.constants import OnConflict
from reinhardt.orm.models.expressions import Col
from reinhardt.utils import timezone

_SAFE_NAME = re.compile(r"^[a-z_]+$")
_CASE_INSENSITIVE = frozenset({"iexact", "icontains", "istartswith", "iendswith"})


def _checked(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise ValueError(f"Invalid date/time part name: {name!r}.")
    return name


# DATE_FORMAT patterns truncating a datetime to a unit ('%' doubled: these are SQL text
# that goes through parameter interpolation).
_DATETIME_TRUNC_FORMATS = {
    "second": "%%Y-%%m-%%d %%H:%%i:%%s",
    "minute": "%%Y-%%m-%%d %%H:%%i:00",
    "hour": "%%Y-%%m-%%d %%H:00:00",
    "day": "%%Y-%%m-%%d 00:00:00",
    "month": "%%Y-%%m-01 00:00:00",
    "year": "%%Y-01-01 00:00:00",
}
_TIME_TRUNC_FORMATS = {
    "hour": "%%H:00:00",
    "minute": "%%H:%%i:00",
    "second": "%%H:%%i:%%s",
}


class DatabaseOperations(BaseDatabaseOperations):
    compiler_module = "reinhardt.backends.mysql.compiler"
    cast_char_field_without_max_length = "char"
    explain_prefix = "EXPLAIN"

    # UNSIGNED columns hold twice as much as the signed ones.
    integer_field_ranges = {
        **BaseDatabaseOperations.integer_field_ranges,
        "PositiveSmallIntegerField": (0, 65535),
        "PositiveIntegerField": (0, 4294967295),
        "PositiveBigIntegerField": (0, 18446744073709551615),
    }
    cast_data_types = {
        "AutoField": "signed integer",
        "BigAutoField": "signed integer",
        "SmallAutoField": "signed integer",
        "CharField": "char(%(max_length)s)",
        "DecimalField": "decimal(%(max_digits)s, %(decimal_places)s)",
        "TextField": "char",
        "IntegerField": "signed integer",
        "BigIntegerField": "signed integer",
        "SmallIntegerField": "signed integer",
        "PositiveBigIntegerField": "unsigned integer",
        "PositiveIntegerField": "unsigned integer",
        "PositiveSmallIntegerField": "unsigned integer",
        "DurationField": "signed integer",
        "FloatField": "double",
        "BooleanField": "signed integer",
        "UUIDField": "char(32)",
        "JSONField": "json",
    }

    # Case-sensitive comparisons rely on the binary collation reinhardt creates text columns
    # with; case-insensitive ones compare LOWER() of both sides, exact for any collation.
    # Regular expressions are rendered by regex_lookup() (case set explicitly).
    operators = {
        "exact": "= %s",
        "iexact": "= LOWER(%s)",
        "contains": "LIKE %s",
        "icontains": "LIKE LOWER(%s)",
        "gt": "> %s",
        "gte": ">= %s",
        "lt": "< %s",
        "lte": "<= %s",
        "startswith": "LIKE %s",
        "endswith": "LIKE %s",
        "istartswith": "LIKE LOWER(%s)",
        "iendswith": "LIKE LOWER(%s)",
    }
    # In MySQL string literals a backslash escapes: '\\\\' is one backslash.
    pattern_esc = (
        r"REPLACE(REPLACE(REPLACE({}, '\\\\', '\\\\\\\\'), '%%', '\\%%'), '_', '\\_')"
    )
    pattern_ops = {
        "contains": "LIKE CONCAT('%%', {}, '%%')",
        "icontains": "LIKE LOWER(CONCAT('%%', {}, '%%'))",
        "startswith": "LIKE CONCAT({}, '%%')",
        "istartswith": "LIKE LOWER(CONCAT({}, '%%'))",
        "endswith": "LIKE CONCAT('%%', {})",
        "iendswith": "LIKE LOWER(CONCAT('%%', {}))",
    }

    def __init__(self, connection):
        super().__init__(connection)
        self._verified_zones: set = set()

    # ----- names and statements ----------------------------------------------------------

    def quote_name(self, name: str) -> str:
        if name.startswith("`") and name.endswith("`"):
            return name
        return f"`{name}`"

    def no_limit_value(self):
        # The largest LIMIT MySQL accepts: 2**64 - 1.
        return 18446744073709551615

    def pk_default_value(self):
        return "NULL"

    def random_function_sql(self):
        return "RAND()"

    def force_no_ordering(self):
        # GROUP BY must not sort the groups when no order is asked (older servers did).
        return [(None, ("NULL", [], False))]

    def last_executed_query(self, cursor, sql, params):
        executed = getattr(cursor, "_executed", None)
        if executed is not None:
            return executed.decode(errors="replace") if isinstance(executed, bytes) \
                else executed
        return super().last_executed_query(cursor, sql, params)

    def explain_query_prefix(self, format=None, **options):
        if not self.connection.features.supports_explain:
            raise self.connection.features.not_supported("supports_explain")
        analyze = options.pop("analyze", False)
        if options:
            raise ValueError("Unknown options: " + ", ".join(sorted(options)))
        prefix = self.explain_prefix
        if format:
            normalized = format.upper()
            allowed = {"JSON"} if self.connection.features.is_mariadb else \
                {"TRADITIONAL", "JSON", "TREE"}
            if normalized == "TEXT":
                normalized = "TRADITIONAL"
            if normalized not in allowed:
                raise ValueError(
                    f"{format} is not a recognized format. Allowed formats: "
                    + ", ".join(sorted(allowed))
                )
            if not (normalized == "TRADITIONAL" and self.connection.features.is_mariadb):
                prefix += f" FORMAT={normalized}"
        if analyze:
            prefix = "ANALYZE" if self.connection.features.is_mariadb else \
                f"{prefix} ANALYZE"
            if format and self.connection.features.is_mariadb:
                prefix += f" FORMAT={format.upper()}"
        return prefix

    def for_update_sql(self, nowait=False, skip_locked=False, of=(), no_key=False):
        return "FOR UPDATE{}{}{}".format(
            " OF " + ", ".join(of) if of else "",
            " NOWAIT" if nowait else "",
            " SKIP LOCKED" if skip_locked else "",
        )

    # ----- inserts and upserts -----------------------------------------------------------

    def insert_statement(self, on_conflict=None):
        return "INSERT INTO"

    def on_conflict_suffix_sql(self, fields, on_conflict, update_fields, unique_fields):
        if on_conflict == OnConflict.IGNORE:
            # A no-op update of the first column ignores duplicate keys, and only them
            # (INSERT IGNORE would also turn other errors into warnings).
            first = self.quote_name(fields[0].column) if fields and fields[0] is not None \
                else None
            if first is None:
                return ""
            return f"ON DUPLICATE KEY UPDATE {first} = {first}"
        if on_conflict == OnConflict.UPDATE:
            columns = list(map(self.quote_name, update_fields))
            if self.connection.features.uses_insert_row_alias:
                assignments = ", ".join(f"{c} = `new`.{c}" for c in columns)
                return f"AS `new` ON DUPLICATE KEY UPDATE {assignments}"
            assignments = ", ".join(f"{c} = VALUES({c})" for c in columns)
            return f"ON DUPLICATE KEY UPDATE {assignments}"
        return super().on_conflict_suffix_sql(fields, on_conflict, update_fields,
                                              unique_fields)

    def return_insert_columns(self, fields):
        if not fields or not self.connection.features.can_return_columns_from_insert:
            return "", ()
        columns = ", ".join(
            f"{self.quote_name(field.model._meta.db_table)}.{self.quote_name(field.column)}"
            for field in fields
        )
        return f"RETURNING {columns}", ()

    def fetch_returned_insert_rows(self, cursor):
        return cursor.fetchall()

    def last_insert_id(self, cursor, table_name, pk_name):
        return cursor.lastrowid

    # ----- flushing ----------------------------------------------------------------------

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables:
            return []
        statements = ["SET FOREIGN_KEY_CHECKS = 0;"]
        keyword = "TRUNCATE" if reset_sequences else "DELETE FROM"
        for table in tables:
            statements.append(f"{style.SQL_KEYWORD(keyword)} "
                              f"{style.SQL_FIELD(self.quote_name(table))};")
        statements.append("SET FOREIGN_KEY_CHECKS = 1;")
        return statements

    def sequence_reset_by_name_sql(self, style, sequences):
        return [
            "{} {} {};".format(
                style.SQL_KEYWORD("ALTER TABLE"),
                style.SQL_FIELD(self.quote_name(info["table"])),
                style.SQL_FIELD("AUTO_INCREMENT = 1"),
            )
            for info in sequences
        ]

    # ----- lookups -----------------------------------------------------------------------

    def lookup_cast(self, lookup_type, internal_type=None):
        if lookup_type in _CASE_INSENSITIVE:
            return "LOWER(%s)"
        return "%s"

    def prep_for_iexact_query(self, x):
        return x

    def regex_lookup(self, lookup_type):
        case = "c" if lookup_type == "regex" else "i"
        if self.connection.features.uses_regexp_like:
            return f"REGEXP_LIKE(%s, %s, '{case}')"
        flag = "(?-i)" if lookup_type == "regex" else "(?i)"
        return f"%s REGEXP CONCAT('{flag}', %s)"

    def conditional_expression_supported_in_where_clause(self, expression):
        return True

    # ----- dates and times ---------------------------------------------------------------

    def _zone_expr(self, tzname):
        """'+HH:MM' for offsets (no time zone tables needed), else the zone name."""
        name, sign, offset = split_tzname_delta(tzname)
        if offset:
            return f"{sign}{offset}"
        if name.upper() == "UTC":
            return "+00:00"
        return name

    def _require_zone(self, zone):
        """Named zones need the server's time zone tables; without them CONVERT_TZ()
        returns NULL and every date lookup would silently match nothing."""
        if zone.startswith(("+", "-")) or zone in self._verified_zones:
            return
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT CONVERT_TZ('2000-01-01 00:00:00', '+00:00', %s)", [zone])
            loaded = cursor.fetchone()[0] is not None
        if not loaded:
            raise NotSupportedError(
                f"{self.connection.display_name} cannot convert to the time zone {zone!r}: "
                "its time zone tables are not loaded. Load them once with "
                "`mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb -u root mysql` "
                "(mysql_tzinfo_to_sql on MySQL).",
                backend=self.connection.display_name, feature="time zone conversion",
                flag="supports_date_lookups",
            )
        self._verified_zones.add(zone)

    def _local(self, sql, params, tzname):
        """The naive UTC (or DATABASES TIME_ZONE) value ``sql`` as local time in tzname."""
        if not (settings.USE_TZ and tzname):
            return sql, tuple(params)
        source = self._zone_expr(self.connection.timezone_name)
        target = self._zone_expr(tzname)
        if source == target:
            return sql, tuple(params)
        self._require_zone(source)
        self._require_zone(target)
        return f"CONVERT_TZ({sql}, %s, %s)", (*params, source, target)

    def date_extract_sql(self, lookup_type, sql, params):
        lookup_type = _checked(lookup_type.lower())
        params = tuple(params)
        if lookup_type == "week_day":
            return f"DAYOFWEEK({sql})", params  # 1 = Sunday ... 7 = Saturday
        if lookup_type == "iso_week_day":
            return f"(WEEKDAY({sql}) + 1)", params
        if lookup_type == "week":
            return f"WEEK({sql}, 3)", params  # ISO-8601 weeks
        if lookup_type == "iso_year":
            return f"TRUNCATE(YEARWEEK({sql}, 3) / 100, 0)", params
        return f"EXTRACT({lookup_type.upper()} FROM {sql})", params

    def datetime_extract_sql(self, lookup_type, sql, params, tzname):
        sql, params = self._local(sql, params, tzname)
        return self.date_extract_sql(lookup_type, sql, params)

    def time_extract_sql(self, lookup_type, sql, params):
        return self.date_extract_sql(lookup_type, sql, params)

    def date_trunc_sql(self, lookup_type, sql, params, tzname=None):
        sql, params = self._local(sql, params, tzname)
        kind = _checked(lookup_type.lower())
        if kind == "quarter":
            return (
                f"MAKEDATE(YEAR({sql}), 1) + INTERVAL QUARTER({sql}) QUARTER "
                "- INTERVAL 1 QUARTER", (*params, *params)
            )
        if kind == "week":
            return f"DATE_SUB(DATE({sql}), INTERVAL WEEKDAY({sql}) DAY)", (*params, *params)
        if kind in ("year", "month"):
            fmt = "%%Y-01-01" if kind == "year" else "%%Y-%%m-01"
            return f"CAST(DATE_FORMAT({sql}, '{fmt}') AS DATE)", params
        return f"DATE({sql})", params

    def datetime_trunc_sql(self, lookup_type, sql, params, tzname):
        sql, params = self._local(sql, params, tzname)
        kind = _checked(lookup_type.lower())
        if kind == "quarter":
            return (
                f"CAST(MAKEDATE(YEAR({sql}), 1) + INTERVAL QUARTER({sql}) QUARTER "
                "- INTERVAL 1 QUARTER AS DATETIME)", (*params, *params)
            )
        if kind == "week":
            return (
                f"CAST(DATE_SUB(DATE({sql}), INTERVAL WEEKDAY({sql}) DAY) AS DATETIME)",
                (*params, *params),
            )
        fmt = _DATETIME_TRUNC_FORMATS.get(kind)
        if fmt is None:
            raise ValueError(f"Invalid kind {kind!r} for Trunc.")
        return f"CAST(DATE_FORMAT({sql}, '{fmt}') AS DATETIME(6))", params

    def time_trunc_sql(self, lookup_type, sql, params, tzname=None):
        fmt = _TIME_TRUNC_FORMATS.get(_checked(lookup_type.lower()))
        if fmt is None:
            return f"TIME({sql})", tuple(params)
        return f"CAST(DATE_FORMAT({sql}, '{fmt}') AS TIME(6))", tuple(params)

    def datetime_cast_date_sql(self, sql, params, tzname):
        sql, params = self._local(sql, params, tzname)
        return f"DATE({sql})", params

    def datetime_cast_time_sql(self, sql, params, tzname):
        sql, params = self._local(sql, params, tzname)
        return f"TIME({sql})", params

    def format_for_duration_arithmetic(self, sql):
        return f"INTERVAL {sql} MICROSECOND"

    def combine_duration_expression(self, connector, sub_expressions):
        intervals = [e.startswith("INTERVAL ") and e.endswith(" MICROSECOND")
                     for e in sub_expressions]
        if connector not in ("+", "-") or all(intervals):
            # Durations are microseconds: scaling one, or adding two, is plain arithmetic.
            plain = [e[len("INTERVAL "):-len(" MICROSECOND")] if is_interval else e
                     for e, is_interval in zip(sub_expressions, intervals)]
            return self.combine_expression(connector, plain)
        lhs, rhs = sub_expressions
        if lhs.startswith("INTERVAL") and not rhs.startswith("INTERVAL"):
            lhs, rhs = rhs, lhs  # INTERVAL must come after the date in MySQL
            if connector == "-":
                raise NotSupportedError(
                    "A duration minus a date/time is not a date/time.",
                    backend=self.connection.display_name, feature="duration arithmetic",
                    flag="supports_expression_filters",
                )
        return f"{lhs} {connector} {rhs}"

    def subtract_temporals(self, internal_type, lhs, rhs):
        lhs_sql, lhs_params = lhs
        rhs_sql, rhs_params = rhs
        if internal_type == "TimeField":
            return (
                f"((TIME_TO_SEC({lhs_sql}) * 1000000 + MICROSECOND({lhs_sql})) - "
                f"(TIME_TO_SEC({rhs_sql}) * 1000000 + MICROSECOND({rhs_sql})))",
                (*lhs_params, *lhs_params, *rhs_params, *rhs_params),
            )
        return (f"TIMESTAMPDIFF(MICROSECOND, {rhs_sql}, {lhs_sql})",
                (*rhs_params, *lhs_params))

    def combine_expression(self, connector, sub_expressions):
        if connector == "^":
            return "POW({})".format(", ".join(sub_expressions))
        if connector in ("&", "|", "<<", "#"):
            # Bitwise results are unsigned in MySQL; make them signed like elsewhere.
            operator = "^" if connector == "#" else connector
            return "CONVERT({}, SIGNED)".format(f" {operator} ".join(sub_expressions))
        if connector == ">>":
            lhs, rhs = sub_expressions
            return f"FLOOR({lhs} / POW(2, {rhs}))"
        return super().combine_expression(connector, sub_expressions)

    # ----- values to MySQL ---------------------------------------------------------------

    def adapt_datetimefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            if settings.USE_TZ:
                value = timezone.make_naive(value, self.connection.timezone)
            else:
                raise ValueError(
                    "MySQL backend does not support timezone-aware datetimes when USE_TZ "
                    "is False."
                )
        return value

    def adapt_datefield_value(self, value):
        return value

    def adapt_timefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            raise ValueError("MySQL backend does not support timezone-aware times.")
        return value

    def adapt_decimalfield_value(self, value, max_digits=None, decimal_places=None):
        return value

    def adapt_unknown_value(self, value):
        if isinstance(value, uuid.UUID):
            return value.hex
        return super().adapt_unknown_value(value)

    def adapt_json_value(self, value, encoder):
        return json.dumps(value, cls=encoder)

    # ----- values from MySQL -------------------------------------------------------------

    def get_db_converters(self, expression):
        internal_type = expression.output_field.get_internal_type()
        if internal_type == "BooleanField":
            return [_convert_boolean]
        computed = not isinstance(expression, Col)
        if internal_type == "DateTimeField":
            converters = [_parse_datetime] if computed else []
            if settings.USE_TZ:
                converters.append(self._aware_datetime_converter())
            return converters
        if computed and internal_type == "DateField":
            # COALESCE(MAX(date), '1970-01-01') and the like come back as text.
            return [_parse_date]
        if computed and internal_type == "TimeField":
            return [_parse_time_text]
        if internal_type in ("TextField", "CharField") and not isinstance(expression, Col):
            return [_convert_text]
        return []

    def convert_durationfield_value(self, value, expression, connection):
        # SUM()/AVG() of the microseconds are DECIMALs on MySQL.
        if isinstance(value, decimal.Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        return super().convert_durationfield_value(value, expression, connection)

    def _aware_datetime_converter(self):
        tz = self.connection.timezone

        def converter(value, expression, connection):
            if value is not None and isinstance(value, datetime.datetime) \
                    and value.tzinfo is None:
                return value.replace(tzinfo=tz)
            return value

        return converter

    def check_expression_support(self, expression):
        from reinhardt.orm.models.aggregates import Aggregate

        if isinstance(expression, Aggregate) and expression.distinct and \
                len(expression.source_expressions) > 1:
            raise NotSupportedError(
                f"{self.connection.display_name} doesn't support DISTINCT on aggregates "
                "of several arguments.",
                backend=self.connection.display_name,
                feature="DISTINCT aggregates of several arguments", flag="supports_aggregates",
            )


def _parse_datetime(value, expression, connection):
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    if type(value) is datetime.date:
        return datetime.datetime(value.year, value.month, value.day)
    return value


def _parse_date(value, expression, connection):
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _parse_time_text(value, expression, connection):
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    if isinstance(value, str):
        return datetime.time.fromisoformat(value)
    return value


def _convert_boolean(value, expression, connection):
    if value in (0, 1):
        return bool(value)
    return value


def _convert_text(value, expression, connection):
    # Binary-collated expressions (e.g. CONCAT over a BLOB) come back as bytes.
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode()
    return value

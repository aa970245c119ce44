"""PostgreSQL's dialect details: date arithmetic in the session's time zone, RETURNING,
ON CONFLICT upserts, DISTINCT ON, TRUNCATE for flushing, psycopg value adaptation."""

from __future__ import annotations

import ipaddress
import json
import re

from psycopg.types.json import Jsonb

from reinhardt.backends.base.operations import BaseDatabaseOperations
from reinhardt.backends.utils import split_tzname_delta
from reinhardt.orm.models.constants import OnConflict
from reinhardt.utils import timezone

# Names interpolated into SQL (EXTRACT fields, DATE_TRUNC kinds) are checked against this.
_SAFE_NAME = re.compile(r"^[a-z_]+$")

# Lookups that compare text: a non-text column is cast to text first.
_TEXT_LOOKUPS = frozenset({
    "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
    "regex", "iregex",
})
_CASE_INSENSITIVE = frozenset({"iexact", "icontains", "istartswith", "iendswith"})
_TEXT_TYPES = frozenset({"CharField", "TextField", "EmailField", "SlugField", "URLField",
                         "FilePathField", "FileField"})


def _checked(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise ValueError(f"Invalid date/time part name: {name!r}.")
    return name


class DatabaseOperations(BaseDatabaseOperations):
    compiler_module = "reinhardt.backends.postgresql.compiler"
    cast_char_field_without_max_length = "varchar"
    explain_prefix = "EXPLAIN"
    explain_options = frozenset(
        ["ANALYZE", "BUFFERS", "COSTS", "SETTINGS", "SUMMARY", "TIMING", "VERBOSE", "WAL"]
    )
    explain_formats = frozenset(["TEXT", "XML", "JSON", "YAML"])
    cast_data_types = {
        "AutoField": "integer",
        "BigAutoField": "bigint",
        "SmallAutoField": "smallint",
    }

    # ----- names and statements ----------------------------------------------------------

    def quote_name(self, name: str) -> str:
        if name.startswith('"') and name.endswith('"'):
            return name
        return f'"{name}"'

    def deferrable_sql(self) -> str:
        return " DEFERRABLE INITIALLY DEFERRED"

    def no_limit_value(self):
        return None

    def pk_default_value(self) -> str:
        return "DEFAULT"

    def random_function_sql(self) -> str:
        return "RANDOM()"

    def distinct_sql(self, fields, params):
        if fields:
            flat = [p for group in params for p in group]
            return ["DISTINCT ON ({})".format(", ".join(fields))], flat
        return ["DISTINCT"], []

    def last_executed_query(self, cursor, sql, params):
        # psycopg keeps the statement it sent (with client-side binding, values merged in).
        query = getattr(cursor, "_query", None)
        if query is not None and getattr(query, "query", None):
            text = query.query
            return text.decode() if isinstance(text, bytes) else text
        return super().last_executed_query(cursor, sql, params)

    def explain_query_prefix(self, format=None, **options):
        if not self.connection.features.supports_explain:
            raise self.connection.features.not_supported("supports_explain")
        extra = {}
        if format:
            normalized = format.upper()
            if normalized not in self.explain_formats:
                raise ValueError(
                    f"{format} is not a recognized format. Allowed formats: "
                    + ", ".join(sorted(self.explain_formats))
                )
            extra["FORMAT"] = normalized
        unknown = [name for name in options if name.upper() not in self.explain_options]
        if unknown:
            raise ValueError("Unknown options: {}".format(", ".join(sorted(unknown))))
        for name, value in options.items():
            extra[name.upper()] = "true" if value else "false"
        if not extra:
            return self.explain_prefix
        rendered = ", ".join(
            f"{key} {value}" for key, value in extra.items()
        )
        return f"{self.explain_prefix} ({rendered})"

    def for_update_sql(self, nowait=False, skip_locked=False, of=(), no_key=False):
        return "FOR{} UPDATE{}{}{}".format(
            " NO KEY" if no_key else "",
            " OF {}".format(", ".join(of)) if of else "",
            " NOWAIT" if nowait else "",
            " SKIP LOCKED" if skip_locked else "",
        )

    def prepare_sql_script(self, sql):
        return [s.strip() for s in sql.split(";") if s.strip()]

    # ----- inserts, upserts, RETURNING ---------------------------------------------------

    def return_insert_columns(self, fields):
        if not fields:
            return "", ()
        columns = [
            f"{self.quote_name(field.model._meta.db_table)}.{self.quote_name(field.column)}"
            for field in fields
        ]
        return "RETURNING {}".format(", ".join(columns)), ()

    def fetch_returned_insert_rows(self, cursor):
        return cursor.fetchall()

    def on_conflict_suffix_sql(self, fields, on_conflict, update_fields, unique_fields):
        if on_conflict == OnConflict.IGNORE:
            return "ON CONFLICT DO NOTHING"
        if on_conflict == OnConflict.UPDATE:
            return "ON CONFLICT({}) DO UPDATE SET {}".format(
                ", ".join(map(self.quote_name, unique_fields)),
                ", ".join(
                    f"{column} = EXCLUDED.{column}"
                    for column in map(self.quote_name, update_fields)
                ),
            )
        return super().on_conflict_suffix_sql(fields, on_conflict, update_fields,
                                              unique_fields)

    def bulk_insert_sql(self, fields, placeholder_rows):
        rows = ", ".join("({})".format(", ".join(row)) for row in placeholder_rows)
        return "VALUES " + rows

    # ----- flushing and sequences --------------------------------------------------------

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables:
            return []
        statement = "{} {}{}{};".format(
            style.SQL_KEYWORD("TRUNCATE"),
            ", ".join(style.SQL_FIELD(self.quote_name(table)) for table in tables),
            " " + style.SQL_KEYWORD("RESTART IDENTITY") if reset_sequences else "",
            " " + style.SQL_KEYWORD("CASCADE") if allow_cascade else "",
        )
        return [statement]

    def flush_tables(self, tables) -> None:
        """Empty the test tables (tests/db.py): one DELETE per table in one transaction, so
        the deferred foreign keys are checked only once every table is empty."""
        from reinhardt.orm import transaction

        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"DELETE FROM {self.quote_name(table)}")

    def sequence_reset_by_name_sql(self, style, sequences):
        sql = []
        for info in sequences:
            table, column = info["table"], info["column"] or "id"
            sql.append(
                "{} setval(pg_get_serial_sequence('{}','{}'), 1, false);".format(
                    style.SQL_KEYWORD("SELECT"), self.quote_name(table), column,
                )
            )
        return sql

    def sequence_reset_sql(self, style, model_list):
        from reinhardt.orm.models import AutoField

        output = []
        for model in model_list:
            for field in model._meta.local_fields:
                if isinstance(field, AutoField):
                    table = model._meta.db_table
                    output.append(
                        "{} setval(pg_get_serial_sequence('{}','{}'), "
                        "coalesce(max({}), 1), max({}) {} null) {} {};".format(
                            style.SQL_KEYWORD("SELECT"), self.quote_name(table),
                            field.column, style.SQL_FIELD(self.quote_name(field.column)),
                            style.SQL_FIELD(self.quote_name(field.column)),
                            style.SQL_KEYWORD("IS NOT"), style.SQL_KEYWORD("FROM"),
                            style.SQL_TABLE(self.quote_name(table)),
                        )
                    )
                    break
        return output

    def tablespace_sql(self, tablespace, inline=False):
        if inline:
            return f"USING INDEX TABLESPACE {self.quote_name(tablespace)}"
        return f"TABLESPACE {self.quote_name(tablespace)}"

    # ----- lookups -----------------------------------------------------------------------

    def lookup_cast(self, lookup_type, internal_type=None):
        sql = "%s"
        if lookup_type in _TEXT_LOOKUPS:
            if internal_type in ("GenericIPAddressField", "IPAddressField"):
                sql = "HOST(%s)"
            elif internal_type not in _TEXT_TYPES:
                sql = "%s::text"
        if lookup_type in _CASE_INSENSITIVE:
            sql = f"UPPER({sql})"
        return sql

    def update_from_rows_placeholder(self, field, placeholder):
        # The columns of a VALUES list take their type from the values: cast each to the
        # column's type (a text literal would not go into a date column).
        return f"({placeholder})::{field.cast_db_type(self.connection)}"

    def field_cast_sql(self, db_type, internal_type):
        return "%s"

    def prep_for_iexact_query(self, x):
        return x

    def regex_lookup(self, lookup_type):
        return "%%s %s %%s" % ("~" if lookup_type == "regex" else "~*")

    # ----- dates and times ---------------------------------------------------------------

    def _zone_sql(self, tzname):
        """SQL (and params) naming the zone ``tzname`` for AT TIME ZONE.

        'Name+05:00'-style names carry an offset east of UTC: PostgreSQL reads offsets in
        zone *names* the POSIX way (west positive), so an offset is passed as an interval.
        """
        name, sign, offset = split_tzname_delta(tzname)
        if offset:
            return "%s::interval", [f"{sign}{offset}"]
        return "%s", [name]

    def _local(self, sql, params, tzname):
        if tzname and timezone_in_use():
            zone_sql, zone_params = self._zone_sql(tzname)
            return f"({sql} AT TIME ZONE {zone_sql})", (*params, *zone_params)
        return sql, tuple(params)

    def date_extract_sql(self, lookup_type, sql, params):
        lookup_type = _checked(lookup_type.lower())
        if lookup_type == "week_day":
            return f"EXTRACT(DOW FROM {sql}) + 1", tuple(params)
        if lookup_type == "iso_week_day":
            return f"EXTRACT(ISODOW FROM {sql})", tuple(params)
        if lookup_type == "iso_year":
            return f"EXTRACT(ISOYEAR FROM {sql})", tuple(params)
        if lookup_type == "second":
            return f"EXTRACT(SECOND FROM DATE_TRUNC('second', {sql}))", tuple(params)
        return f"EXTRACT({lookup_type.upper()} FROM {sql})", tuple(params)

    def datetime_extract_sql(self, lookup_type, sql, params, tzname):
        sql, params = self._local(sql, params, tzname)
        return self.date_extract_sql(lookup_type, sql, params)

    def time_extract_sql(self, lookup_type, sql, params):
        lookup_type = _checked(lookup_type.lower())
        if lookup_type == "second":
            return f"EXTRACT(SECOND FROM DATE_TRUNC('second', {sql}))", tuple(params)
        return self.date_extract_sql(lookup_type, sql, params)

    def date_trunc_sql(self, lookup_type, sql, params, tzname=None):
        sql, params = self._local(sql, params, tzname)
        return f"DATE_TRUNC(%s, {sql})::date", (_checked(lookup_type.lower()), *params)

    def datetime_trunc_sql(self, lookup_type, sql, params, tzname):
        sql, params = self._local(sql, params, tzname)
        return f"DATE_TRUNC(%s, {sql})", (_checked(lookup_type.lower()), *params)

    def time_trunc_sql(self, lookup_type, sql, params, tzname=None):
        return f"DATE_TRUNC(%s, {sql})::time", (_checked(lookup_type.lower()), *params)

    def datetime_cast_date_sql(self, sql, params, tzname):
        sql, params = self._local(sql, params, tzname)
        return f"({sql})::date", params

    def datetime_cast_time_sql(self, sql, params, tzname):
        sql, params = self._local(sql, params, tzname)
        return f"({sql})::time", params

    def format_for_duration_arithmetic(self, sql):
        return sql

    def subtract_temporals(self, internal_type, lhs, rhs):
        lhs_sql, lhs_params = lhs
        rhs_sql, rhs_params = rhs
        params = (*lhs_params, *rhs_params)
        if internal_type == "DateField":
            return f"(INTERVAL '1 day' * ({lhs_sql} - {rhs_sql}))", params
        return f"({lhs_sql} - {rhs_sql})", params

    def combine_expression(self, connector, sub_expressions):
        if connector == "^":
            return "POWER({})".format(", ".join(sub_expressions))
        if connector == "#":
            return " # ".join(sub_expressions)
        return super().combine_expression(connector, sub_expressions)

    # ----- values to PostgreSQL ----------------------------------------------------------

    def adapt_datefield_value(self, value):
        return value

    def adapt_datetimefield_value(self, value):
        return value

    def adapt_timefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            raise ValueError("PostgreSQL backend does not support timezone-aware times.")
        return value

    def adapt_decimalfield_value(self, value, max_digits=None, decimal_places=None):
        return value

    def adapt_ipaddressfield_value(self, value):
        if value:
            return ipaddress.ip_address(value)
        return None

    def adapt_json_value(self, value, encoder):
        return Jsonb(value, dumps=_json_dumper(encoder))

    def adapt_unknown_value(self, value):
        return value

    # ----- values from PostgreSQL --------------------------------------------------------

    def get_db_converters(self, expression):
        return []

    def integer_field_range(self, internal_type):
        return self.integer_field_ranges[internal_type]


def timezone_in_use() -> bool:
    from reinhardt.conf import settings

    return settings.USE_TZ


_dumpers: dict = {}


def _json_dumper(encoder):
    """json.dumps bound to ``encoder`` (one function per encoder class, reused)."""
    try:
        return _dumpers[encoder]
    except KeyError:
        if encoder is None:
            dumper = json.dumps
        else:
            def dumper(obj):
                return json.dumps(obj, cls=encoder)
        _dumpers[encoder] = dumper
        return dumper

"""Values to and from MongoDB documents.

Documents hold BSON values. Where BSON has no exact type the value is stored as SQLite stores
it, so results match: datetimes as ISO 8601 text in UTC (BSON dates keep only milliseconds),
dates and times as ISO text, durations as integer microseconds, UUIDs as 32 hex digits.
Decimals are BSON Decimal128 (exact, and ordered numerically).
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from bson import Decimal128, Int64

from reinhardt.backends.base.operations import BaseDatabaseOperations
from reinhardt.conf import settings
from reinhardt.orm.models.expressions import Col
from reinhardt.utils import timezone

from . import json as json_storage

# The collection holding one counter document per collection with integer keys.
COUNTERS = "__reinhardt_counters"


def to_python_value(value):
    """BSON-only types back to Python ones (Decimal128 -> Decimal)."""
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if type(value) is Int64:
        return int(value)
    return value


class DatabaseOperations(BaseDatabaseOperations):
    compiler_module = "reinhardt.backends.mongodb.compiler"

    def quote_name(self, name: str) -> str:
        return name

    def max_name_length(self):
        return None

    def bulk_batch_size(self, fields, objs) -> int:
        return 1000

    # ----- values to MongoDB -------------------------------------------------------------------

    def adapt_datetimefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        if timezone.is_aware(value):
            if settings.USE_TZ:
                value = timezone.make_naive(value, self.connection.timezone)
            else:
                raise ValueError(
                    "The MongoDB backend does not support timezone-aware datetimes when "
                    "USE_TZ is False."
                )
        return value.isoformat(" ")

    def adapt_datefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return value.isoformat()

    def adapt_timefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            raise ValueError("The MongoDB backend does not support timezone-aware times.")
        return value.isoformat()

    def adapt_decimalfield_value(self, value, max_digits=None, decimal_places=None):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return Decimal128(str(value))

    def adapt_unknown_value(self, value):
        if isinstance(value, uuid.UUID):
            return value.hex
        if isinstance(value, decimal.Decimal):
            return Decimal128(str(value))
        return super().adapt_unknown_value(value)

    def adapt_json_value(self, value, encoder):
        # As BSON (objects with sorted keys; top-level JSON null as JSON_NULL): see json.py.
        return json_storage.adapt_json_value(value, encoder)

    # ----- values from MongoDB -----------------------------------------------------------------

    def get_db_converters(self, expression) -> list:
        internal_type = expression.output_field.get_internal_type()
        if internal_type == "DateTimeField":
            return [self._datetime_converter()]
        if internal_type == "DateField":
            return [_convert_date]
        if internal_type == "TimeField":
            return [_convert_time]
        if internal_type == "DecimalField":
            return [self._decimal_converter(expression)]
        if internal_type == "JSONField":
            return [json_storage.json_converter]
        if internal_type in ("FloatField",):
            return [_convert_float]
        return []

    def _datetime_converter(self):
        tz = self.connection.timezone if settings.USE_TZ else None

        def converter(value, expression, connection):
            if value is None:
                return None
            if isinstance(value, str):
                value = datetime.datetime.fromisoformat(value)
            elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                value = datetime.datetime.combine(value, datetime.time())
            if tz is not None and value.tzinfo is None:
                value = value.replace(tzinfo=tz)
            return value

        return converter

    def _decimal_converter(self, expression):
        if isinstance(expression, Col):
            field = expression.output_field
            quantize_value = decimal.Decimal(1).scaleb(-(field.decimal_places or 0))
            context = decimal.Context(prec=field.max_digits or 28)
        else:
            quantize_value = context = None

        def converter(value, expression, connection):
            if value is None:
                return None
            if isinstance(value, Decimal128):
                value = value.to_decimal()
            elif isinstance(value, float):
                value = decimal.Context(prec=15).create_decimal_from_float(value)
            elif not isinstance(value, decimal.Decimal):
                value = decimal.Decimal(value)
            if quantize_value is not None:
                return value.quantize(quantize_value, context=context)
            return value

        return converter

    # ----- flush -------------------------------------------------------------------------------

    def flush_tables(self, tables) -> None:
        """Delete every document of the collections (what ``flush`` and the tests use)."""
        for table in tables:
            self.connection.run("delete_many", self.connection.collection(table).delete_many, {})

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        # Not SQL: mongosh statements (what sqlflush prints); execute_sql_flush runs them.
        statements = [f'db.getCollection("{table}").deleteMany({{}})' for table in tables]
        if reset_sequences:
            statements += self.sequence_reset_by_name_sql(
                style, [{"table": table} for table in tables])
        return statements

    def sequence_reset_by_name_sql(self, style, sequences):
        """Integer keys start from 1 again: the collection's counter document goes."""
        return [f'db.getCollection("{COUNTERS}").deleteOne({{_id: "{s["table"]}"}})'
                for s in sequences]

    def execute_sql_flush(self, sql_list) -> None:
        import re

        tables = []
        counters = []
        for statement in sql_list:
            match = re.fullmatch(r'db\.getCollection\("(.+)"\)\.deleteMany\(\{\}\)', statement)
            reset = re.fullmatch(
                r'db\.getCollection\("%s"\)\.deleteOne\(\{_id: "(.+)"\}\)' % COUNTERS,
                statement)
            if match is not None:
                tables.append(match.group(1))
            elif reset is not None:
                counters.append(reset.group(1))
            else:
                raise ValueError(f"Not a flush statement of this backend: {statement!r}")
        self.flush_tables(tables)
        if counters:
            collection = self.connection.collection(COUNTERS)
            self.connection.run("delete_many", collection.delete_many,
                                {"_id": {"$in": counters}})


def _convert_date(value, expression, connection):
    if value is None or isinstance(value, datetime.date) and not isinstance(
            value, datetime.datetime):
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    return datetime.date.fromisoformat(value[:10])


def _convert_time(value, expression, connection):
    if value is not None and not isinstance(value, datetime.time):
        return datetime.time.fromisoformat(value)
    return value


def _convert_float(value, expression, connection):
    if isinstance(value, Decimal128):
        return float(value.to_decimal())
    return value

"""How Python values are stored in Datastore properties, and read back.

Datastore has integers, floats, strings, booleans, timestamps, blobs and null. Dates and times
are stored as ISO strings (their text order is their time order), decimals as an order-keeping
string encoding (see ``encode_decimal``), UUIDs as hex, JSON as text, durations as
microseconds. Datetimes are Datastore timestamps in UTC.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid

from reinhardt.backends.base.operations import BaseDatabaseOperations
from reinhardt.conf import settings
from reinhardt.utils import timezone

# Decimal encoding: "1" + zero-padded digits for values >= 0, "0" + nine's complement for
# negative values, so that string order is numeric order for a field's fixed digits.
_INT_WIDTH = 40
_FRAC_WIDTH = 30


def encode_decimal(value: decimal.Decimal, decimal_places: int | None = None) -> str:
    if decimal_places is not None:
        value = value.quantize(decimal.Decimal(1).scaleb(-decimal_places))
    sign, digits, exponent = value.as_tuple()
    text = format(abs(value), "f")
    whole, _, frac = text.partition(".")
    if len(whole) > _INT_WIDTH or len(frac) > _FRAC_WIDTH:
        raise ValueError(f"{value} has too many digits to be stored in Datastore.")
    whole = whole.rjust(_INT_WIDTH, "0")
    frac = frac.ljust(_FRAC_WIDTH, "0")
    body = whole + frac
    if value < 0:
        return "0" + "".join(str(9 - int(d)) for d in body)
    return "1" + body


def decode_decimal(text: str, decimal_places: int | None = None) -> decimal.Decimal:
    body = text[1:]
    if text[0] == "0":
        body = "".join(str(9 - int(d)) for d in body)
    value = decimal.Decimal(body[:_INT_WIDTH] + "." + body[_INT_WIDTH:])
    if text[0] == "0":
        value = -value
    if decimal_places is not None:
        return value.quantize(decimal.Decimal(1).scaleb(-decimal_places))
    return value.normalize() if value == value.to_integral() else value


class DatabaseOperations(BaseDatabaseOperations):
    compiler_module = "reinhardt.backends.datastore.compiler"

    def quote_name(self, name: str) -> str:
        return name

    def max_name_length(self):
        return 1500

    def bulk_batch_size(self, fields, objs) -> int:
        # Batches of 30: an IN filter takes at most 30 values (deletion cascades filter by
        # batches), and a commit at most 500 mutations (entities plus unique markers).
        return 30

    def pk_default_value(self):
        return None

    def flush_tables(self, tables) -> None:
        """Delete every entity of the given kinds (used by the test suite)."""
        self.connection.flush_kinds(tables)

    # ----- values to Datastore ---------------------------------------------------------------

    def adapt_datetimefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            if not settings.USE_TZ:
                raise ValueError(
                    "Datastore backend does not support timezone-aware datetimes when "
                    "USE_TZ is False.")
            return value.astimezone(datetime.UTC)
        return value.replace(tzinfo=datetime.UTC)

    def adapt_datefield_value(self, value):
        if value is None:
            return None
        return value.isoformat()

    def adapt_timefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            raise ValueError("Datastore backend does not support timezone-aware times.")
        return value.isoformat(timespec="microseconds")

    def adapt_decimalfield_value(self, value, max_digits=None, decimal_places=None):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value))
        return encode_decimal(value, decimal_places)

    def adapt_unknown_value(self, value):
        if isinstance(value, datetime.datetime):
            return self.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return self.adapt_datefield_value(value)
        if isinstance(value, datetime.time):
            return self.adapt_timefield_value(value)
        if isinstance(value, decimal.Decimal):
            return self.adapt_decimalfield_value(value)
        if isinstance(value, uuid.UUID):
            return value.hex
        return value

    def adapt_json_value(self, value, encoder):
        # Canonical text (sorted keys, no spaces): equal JSON values compare equal.
        return json.dumps(value, cls=encoder, sort_keys=True, separators=(",", ":"))

    def convert_durationfield_value(self, value, expression, connection):
        if value is None or isinstance(value, datetime.timedelta):
            return value
        return datetime.timedelta(microseconds=value)

    # ----- values from Datastore -------------------------------------------------------------

    def get_db_converters(self, expression) -> list:
        field = expression.output_field
        internal_type = field.get_internal_type()
        if internal_type == "DateTimeField":
            return [_convert_datetime]
        if internal_type == "DateField":
            return [_convert_date]
        if internal_type == "TimeField":
            return [_convert_time]
        if internal_type == "DecimalField":
            places = getattr(field, "decimal_places", None)

            def convert_decimal(value, expression, connection):
                if value is None or isinstance(value, decimal.Decimal):
                    return value
                if isinstance(value, str):
                    return decode_decimal(value, places)
                return decimal.Decimal(str(value))

            return [convert_decimal]
        if internal_type == "DurationField":
            return [self.convert_durationfield_value]
        if internal_type == "UUIDField":
            return [_convert_uuid]
        return []


def _convert_datetime(value, expression, connection):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    # google-cloud-datastore returns its own datetime subclass; give back a plain one.
    value = datetime.datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond, value.tzinfo)
    if settings.USE_TZ:
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    return value.replace(tzinfo=None)


def _convert_date(value, expression, connection):
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _convert_time(value, expression, connection):
    if value is None or isinstance(value, datetime.time):
        return value
    return datetime.time.fromisoformat(value)


def _convert_uuid(value, expression, connection):
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)

"""JSON encoding of the types models hold (dates, times, decimals, UUIDs, lazy strings)."""

import datetime
import decimal
import json
import uuid

from reinhardt.utils.duration import duration_iso_string
from reinhardt.utils.functional import Promise
from reinhardt.utils.timezone import is_aware


class DjangoJSONEncoder(json.JSONEncoder):
    """Encodes datetimes (ECMA-262 format), dates, times, timedeltas, decimals and UUIDs."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            r = o.isoformat()
            if o.microsecond:
                r = r[:23] + r[26:]
            if r.endswith("+00:00"):
                r = r.removesuffix("+00:00") + "Z"
            return r
        if isinstance(o, datetime.date):
            return o.isoformat()
        if isinstance(o, datetime.time):
            if is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            r = o.isoformat()
            if o.microsecond:
                r = r[:12]
            return r
        if isinstance(o, datetime.timedelta):
            return duration_iso_string(o)
        if isinstance(o, (decimal.Decimal, uuid.UUID, Promise)):
            return str(o)
        return super().default(o)


ReinhardtJSONEncoder = DjangoJSONEncoder

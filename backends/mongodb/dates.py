"""Date lookups, Extract and Trunc on the ISO 8601 text datetimes are stored as.

The stored text is split into its parts (exact: no parsing), turned into a BSON date in UTC
with $dateFromParts, and read back in the current time zone with $dateToParts & co (MongoDB
knows the IANA zones). Truncated datetimes are written back as UTC text, like stored ones.
"""

from __future__ import annotations

import datetime
import re

from reinhardt.core.exceptions import EmptyResultSet

from .functions import null_safe


def _int(text, start, length):
    return {"$toInt": {"$substrCP": [text, start, length]}}


def date_from_text(text, internal_type):
    """A BSON date (UTC) from stored DateTimeField/DateField text."""
    parts = {"year": _int(text, 0, 4), "month": _int(text, 5, 2), "day": _int(text, 8, 2)}
    if internal_type == "DateTimeField":
        parts.update(hour=_int(text, 11, 2), minute=_int(text, 14, 2),
                     second=_int(text, 17, 2))
    return {"$dateFromParts": parts}


def mongo_zone(tzname):
    """MongoDB's spelling of a zone: IANA names as they are, fixed offsets as "+05:30"."""
    match = re.fullmatch(r"UTC([+-]\d\d:\d\d)", tzname or "")
    return match.group(1) if match else tzname


def _with_zone(date, tzname):
    spec = {"date": date}
    if tzname:
        spec["timezone"] = mongo_zone(tzname)
    return spec


DATE_OPERATORS = {
    "year": "$year", "month": "$month", "day": "$dayOfMonth", "hour": "$hour",
    "minute": "$minute", "second": "$second", "week": "$isoWeek", "week_day": "$dayOfWeek",
    "iso_week_day": "$isoDayOfWeek", "iso_year": "$isoWeekYear",
}
TIME_PARTS = {"hour": 0, "minute": 3, "second": 6}


class DatesMixin:
    def _date_source(self, node):
        from .compiler import _internal_type

        features = self.connection.features
        features.require("supports_date_lookups", f"{type(node).__name__}")
        source = node.get_source_expressions()[0]
        return self.compile(source), _internal_type(source)

    def mql_Extract(self, node):
        text, internal = self._date_source(node)
        name = node.lookup_name
        if internal != "DateTimeField" and node.tzinfo is not None:
            raise ValueError("tzinfo can only be used with DateTimeField.")
        if internal == "DurationField":
            raise ValueError("Extract requires native DurationField database support.")
        if internal == "TimeField":
            if name not in TIME_PARTS:
                raise ValueError(f"Cannot extract {name!r} from a TimeField.")
            return null_safe([text], _int(text, TIME_PARTS[name], 2))
        if internal not in ("DateTimeField", "DateField"):
            raise ValueError("Tried to Extract from an invalid type.")
        tzname = node.get_tzname() if internal == "DateTimeField" else None
        date = date_from_text(text, internal)
        if name == "quarter":
            month = {"$month": _with_zone(date, tzname)}
            value = {"$toInt": {"$ceil": {"$divide": [month, 3]}}}
        else:
            value = {DATE_OPERATORS[name]: _with_zone(date, tzname)}
        return null_safe([text], value)

    def mql_TruncBase(self, node):
        text, internal = self._date_source(node)
        kind = node.kind
        output = node.output_field.get_internal_type()
        if internal == "TimeField":
            keep = {"hour": 2, "minute": 5, "second": 8}.get(kind)
            if keep is None:
                raise ValueError(f"Cannot truncate a TimeField to {kind!r}.")
            zeros = "00:00:00"[keep:]
            return null_safe([text], {"$concat": [{"$substrCP": [text, 0, keep]}, zeros]})
        tzname = node.get_tzname() if internal == "DateTimeField" else None
        date = date_from_text(text, internal)
        if kind == "time":
            clock = {"$dateToString": {**_with_zone(date, tzname), "format": "%H:%M:%S"}}
            return null_safe([text], {"$concat": [clock, {"$substrCP": [text, 19, 7]}]})
        if kind == "date":
            return null_safe([text], {"$dateToString": {
                **_with_zone(date, tzname), "format": "%Y-%m-%d"}})
        local = {"$dateToParts": _with_zone(date, tzname)}
        iso = {"$dateToParts": {**_with_zone(date, tzname), "iso8601": True}}
        if kind == "week":
            parts = {"isoWeekYear": {"$getField": {"field": "isoWeekYear", "input": iso}},
                     "isoWeek": {"$getField": {"field": "isoWeek", "input": iso}},
                     "isoDayOfWeek": 1}
        else:
            fields = {"year": ["year"], "quarter": ["year", "month"], "month": ["year", "month"],
                      "day": ["year", "month", "day"],
                      "hour": ["year", "month", "day", "hour"],
                      "minute": ["year", "month", "day", "hour", "minute"],
                      "second": ["year", "month", "day", "hour", "minute", "second"]}[kind]
            parts = {f: {"$getField": {"field": f, "input": local}} for f in fields}
            if kind == "quarter":
                month = parts["month"]
                parts["month"] = {"$add": [
                    {"$multiply": [{"$floor": {"$divide": [{"$subtract": [month, 1]}, 3]}}, 3]},
                    1]}
        if output == "DateTimeField":
            # The truncated local time, naive (Trunc makes it aware in its zone).
            return null_safe([text], {"$dateToString": {
                "date": {"$dateFromParts": parts}, "format": "%Y-%m-%d %H:%M:%S"}})
        return null_safe([text], {"$dateToString": {
            "date": {"$dateFromParts": parts}, "format": "%Y-%m-%d"}})

    def mql_YearLookup(self, node):
        self.connection.features.require("supports_date_lookups",
                                         f"{node.lookup_name} lookups")
        if node.rhs_is_direct_value() and node.rhs is None:
            raise EmptyResultSet
        # A year no date can hold (outside 1..9998, the year after is needed for the bounds)
        # has no range on the column: compare the extracted year (year 0 matches nothing).
        if not node.rhs_is_direct_value() or not _in_date_range(node.rhs):
            op = {"exact": "$eq", "gt": "$gt", "gte": "$gte", "lt": "$lt",
                  "lte": "$lte"}[node.lookup_name]
            return self._compare(node, op)
        lhs = self.compile(node.lhs.lhs)
        start, finish = node.year_lookup_bounds(self.connection, node.rhs)
        start, finish = {"$literal": start}, {"$literal": finish}
        present = {"$gt": [lhs, None]}
        name = node.lookup_name
        if name == "exact":
            return {"$and": [present, {"$gte": [lhs, start]}, {"$lte": [lhs, finish]}]}
        if name == "gt":
            return {"$and": [present, {"$gt": [lhs, finish]}]}
        if name == "gte":
            return {"$and": [present, {"$gte": [lhs, start]}]}
        if name == "lt":
            return {"$and": [present, {"$lt": [lhs, start]}]}
        return {"$and": [present, {"$lte": [lhs, finish]}]}


def _in_date_range(year):
    return isinstance(year, int) and datetime.MINYEAR <= year <= datetime.MAXYEAR - 1


# ----- date and duration arithmetic, exact to the microsecond ---------------------------------
# A datetime's text becomes microseconds since the epoch (a long), durations are microseconds
# already, and the sum goes back to the same text form the backend stores.

def _micros_of_text(text, internal_type):
    millis = {"$toLong": date_from_text(text, internal_type)}
    micros = {"$multiply": [millis, 1000]}
    if internal_type == "DateTimeField":
        fraction = {"$cond": [
            {"$gt": [{"$strLenCP": text}, 19]},
            {"$toLong": {"$substrCP": [{"$concat": [
                {"$substrCP": [text, 20, 6]}, "000000"]}, 0, 6]}},
            0]}
        micros = {"$add": [micros, fraction]}
    return micros


def _text_of_micros(micros, internal_type):
    seconds = {"$subtract": [micros, {"$mod": [micros, 1000000]}]}
    date = {"$toDate": {"$divide": [seconds, 1000]}}
    if internal_type == "DateField":
        return {"$dateToString": {"date": date, "format": "%Y-%m-%d"}}
    fraction = {"$mod": [micros, 1000000]}
    digits = {"$substrCP": [{"$toString": {"$add": [1000000, fraction]}}, 1, 6]}
    return {"$concat": [
        {"$dateToString": {"date": date, "format": "%Y-%m-%d %H:%M:%S"}},
        {"$cond": [{"$eq": [fraction, 0]}, "", {"$concat": [".", digits]}]},
    ]}


class TemporalMixin:
    def _temporal_operand(self, expression):
        from .compiler import _internal_type

        internal = _internal_type(expression)
        value = self.compile(expression)
        if internal in ("DateTimeField", "DateField"):
            return _micros_of_text(value, internal), internal, value
        if internal == "DurationField":
            return value, internal, value
        raise self.connection.features.not_supported(
            "supports_functions", f"arithmetic on {internal}")

    def mql_DurationExpression(self, node):
        if node.connector not in ("+", "-"):
            return self.mql_CombinedExpression(node)  # a duration scaled by a number
        lhs, lhs_type, lhs_raw = self._temporal_operand(node.lhs)
        rhs, rhs_type, rhs_raw = self._temporal_operand(node.rhs)
        if node.connector not in ("+", "-"):
            raise self.connection.features.not_supported(
                "supports_functions", f"{node.connector!r} between dates and durations")
        op = "$add" if node.connector == "+" else "$subtract"
        total = {op: [lhs, rhs]}
        temporal = lhs_type if lhs_type != "DurationField" else rhs_type
        present = {"$and": [{"$gt": [lhs_raw, None]}, {"$gt": [rhs_raw, None]}]}
        if temporal == "DurationField":
            return {"$cond": [present, total, None]}
        return {"$cond": [present, _text_of_micros(total, temporal), None]}

    def mql_TemporalSubtraction(self, node):
        lhs, _, lhs_raw = self._temporal_operand(node.lhs)
        rhs, _, rhs_raw = self._temporal_operand(node.rhs)
        present = {"$and": [{"$gt": [lhs_raw, None]}, {"$gt": [rhs_raw, None]}]}
        return {"$cond": [present, {"$subtract": [lhs, rhs]}, None]}

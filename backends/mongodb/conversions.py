"""Rewriting stored values when AlterField changes how a field is stored.

MongoDB has no column types, but the values keep the BSON type the old field stored (text for
a CharField, a number for an IntegerField, ...). A type change therefore rewrites them with an
update pipeline, as ``ALTER COLUMN ... TYPE ... USING`` does on PostgreSQL. Values that do not
convert (``"abc"`` into an IntegerField) stop the migration before any document is changed.
"""

from __future__ import annotations

# How each field stores its values (see docs/backends/mongodb.md, "How data is stored").
STORAGE = {
    "text": {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FilePathField",
             "FileField", "ImageField", "GenericIPAddressField", "IPAddressField"},
    "int": {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
            "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
            "PositiveSmallIntegerField"},
    "float": {"FloatField"},
    "decimal": {"DecimalField"},
    "bool": {"BooleanField", "NullBooleanField"},
    "date": {"DateField"},
    "datetime": {"DateTimeField"},
}
_KIND = {name: kind for kind, names in STORAGE.items() for name in names}

# PostgreSQL's spellings of booleans in text.
_TRUE = ["t", "true", "y", "yes", "on", "1"]
_FALSE = ["f", "false", "n", "no", "off", "0"]


def storage_kind(field) -> str:
    """The storage of a field; a relation stores what its target stores."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    internal = field.get_internal_type()
    return _KIND.get(internal, internal)


def _round_half_away(x):
    """To a whole number as PostgreSQL and MySQL cast (2.5 -> 3, -2.5 -> -3)."""
    magnitude = {"$floor": {"$add": [{"$abs": x}, 0.5]}}
    return {"$toLong": {"$cond": [{"$lt": [x, 0]}, {"$multiply": [magnitude, -1]}, magnitude]}}


def _convert(x, to):
    return {"$convert": {"input": x, "to": to, "onError": None, "onNull": None}}


def conversion(old_kind: str, new_kind: str, x):
    """The aggregation expression turning a stored ``old_kind`` value ``x`` into what
    ``new_kind`` stores; NULL where the value does not convert. None: no form known."""
    text = {"$trim": {"input": x}} if old_kind == "text" else x
    if new_kind == "text":
        if old_kind in ("int", "float", "decimal"):
            return {"$toString": x}
        if old_kind == "bool":
            return {"$cond": [x, "true", "false"]}
        if old_kind in ("date", "datetime"):
            return x  # already ISO 8601 text
        return None
    if new_kind == "int":
        if old_kind == "text":
            return _convert(text, "long")
        if old_kind in ("float", "decimal"):
            return _round_half_away(x)
        if old_kind == "bool":
            return {"$cond": [x, 1, 0]}
        return None
    if new_kind in ("float", "decimal"):
        if old_kind in ("text", "int", "float", "decimal"):
            return _convert(text, "double" if new_kind == "float" else "decimal")
        if old_kind == "bool":
            return {"$cond": [x, 1.0, 0.0]} if new_kind == "float" else _convert(x, "decimal")
        return None
    if new_kind == "bool":
        if old_kind in ("int", "float", "decimal"):
            return {"$ne": [x, 0]}
        if old_kind == "text":
            word = {"$toLower": text}
            return {"$switch": {"branches": [
                {"case": {"$in": [word, _TRUE]}, "then": True},
                {"case": {"$in": [word, _FALSE]}, "then": False},
            ], "default": None}}
        return None
    if new_kind == "datetime" and old_kind == "date":
        return {"$concat": [x, " 00:00:00"]}  # midnight (UTC with USE_TZ, as stored)
    if new_kind == "date" and old_kind == "datetime":
        return {"$substrCP": [x, 0, 10]}
    return None

"""Database functions as aggregation expressions, with SQL's NULL propagation.

Mixed into the compiler: ``mql_<FunctionClass>`` per function. A function MongoDB cannot
compute exactly (hashes, Chr/Ord, collations) has no method here and is refused by name.
"""

from __future__ import annotations

import functools
import math

from reinhardt.utils import timezone

TEXT = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}
INTEGER = {"IntegerField", "BigIntegerField", "SmallIntegerField", "AutoField",
           "BigAutoField", "SmallAutoField", "PositiveIntegerField", "PositiveBigIntegerField",
           "PositiveSmallIntegerField"}


def _present(value):
    return {"$gt": [value, None]}


def null_safe(args, expr):
    """``expr``, or NULL when any of ``args`` is NULL (what SQL functions do)."""
    return {"$cond": [{"$and": [_present(a) for a in args]}, expr, None]}


def repeat(text, times):
    return {"$reduce": {"input": {"$range": [0, {"$max": [times, 0]}]}, "initialValue": "",
                        "in": {"$concat": ["$$value", text]}}}


@functools.cache
def _case_table(direction):
    """(characters, their lower/upper case) for every non-ASCII character Python changes:
    $toLower/$toUpper only change ASCII letters."""
    sources, targets = [], []
    for code in range(0x80, 0x110000):
        char = chr(code)
        changed = getattr(char, direction)()
        if changed != char:
            sources.append(char)
            targets.append(changed)
    return sources, targets


def change_case(text, direction):
    """Lower or upper case as Python (and the SQLite backend) do, character by character."""
    ascii_op = "$toLower" if direction == "lower" else "$toUpper"
    sources, targets = _case_table(direction)
    mapped = {"$reduce": {
        "input": {"$range": [0, {"$strLenCP": text}]}, "initialValue": "",
        "in": {"$let": {
            "vars": {"ch": {"$substrCP": [text, "$$this", 1]}},
            "in": {"$let": {
                "vars": {"i": {"$indexOfArray": [{"$literal": sources}, "$$ch"]}},
                "in": {"$concat": ["$$value", {"$cond": [
                    {"$lt": ["$$i", 0]}, {ascii_op: "$$ch"},
                    {"$arrayElemAt": [{"$literal": targets}, "$$i"]}]}]},
            }},
        }},
    }}
    return {"$cond": [{"$regexMatch": {"input": text, "regex": "^[\\x00-\\x7f]*$"}},
                      {ascii_op: text}, mapped]}


class FunctionsMixin:
    def _args(self, node):
        self.connection.features.require("supports_functions", f"{type(node).__name__}()")
        return [self.compile(arg) for arg in node.get_source_expressions()]

    def _as_text(self, node, value):
        from .compiler import _internal_type

        if _internal_type(node) in TEXT:
            return value
        return {"$cond": [_present(value), {"$toString": value}, None]}

    # ----- comparison ------------------------------------------------------------------------

    def mql_Coalesce(self, node):
        args = self._args(node)
        result = args[-1]
        for arg in reversed(args[:-1]):
            result = {"$ifNull": [arg, result]}
        return result

    def mql_Greatest(self, node):
        args = self._args(node)
        return null_safe(args, {"$max": args})

    def mql_Least(self, node):
        args = self._args(node)
        return null_safe(args, {"$min": args})

    def mql_NullIf(self, node):
        a, b = self._args(node)
        return {"$cond": [{"$and": [_present(b), {"$eq": [a, b]}]}, None, a]}

    def mql_Cast(self, node):
        (value,) = self._args(node)
        target = node.output_field.get_internal_type()
        if target in INTEGER:
            converted = {"$convert": {"input": value, "to": "long", "onError": None}}
            converted = {"$convert": {"input": {"$trunc": [{"$convert": {
                "input": value, "to": "double", "onError": None}}]}, "to": "long",
                "onError": None}}
        elif target in TEXT:
            converted = {"$toString": value}
        elif target == "FloatField":
            converted = {"$convert": {"input": value, "to": "double", "onError": None}}
        elif target == "DecimalField":
            converted = {"$convert": {"input": value, "to": "decimal", "onError": None}}
        elif target == "BooleanField":
            converted = {"$toBool": value}
        elif target in ("DateField", "DateTimeField", "TimeField"):
            from .compiler import _internal_type

            source = _internal_type(node.get_source_expressions()[0])
            if source == target or source in TEXT:
                return value  # stored as the same ISO text
            if source == "DateTimeField" and target == "DateField":
                converted = {"$substrCP": [value, 0, 10]}
            elif source == "DateTimeField" and target == "TimeField":
                converted = {"$substrCP": [value, 11, 15]}
            elif source == "DateField" and target == "DateTimeField":
                converted = {"$concat": [value, " 00:00:00"]}
            else:
                raise self.connection.features.not_supported(
                    "supports_functions", f"Cast() from {source} to {target}")
        else:
            source = node.get_source_expressions()[0]
            from .compiler import _internal_type

            if _internal_type(source) == target:
                return value
            raise self.connection.features.not_supported(
                "supports_functions", f"Cast() to {target}")
        return null_safe([value], converted)

    # ----- text --------------------------------------------------------------------------------

    def mql_Lower(self, node):
        (value,) = self._args(node)
        return null_safe([value], change_case(value, "lower"))

    def mql_Upper(self, node):
        (value,) = self._args(node)
        return null_safe([value], change_case(value, "upper"))

    def mql_Length(self, node):
        (value,) = self._args(node)
        source = node.get_source_expressions()[0]
        return null_safe([value], {"$strLenCP": self._as_text(source, value)})

    def mql_ConcatPair(self, node):
        self.connection.features.require("supports_functions", "Concat()")
        parts = []
        for source in node.get_source_expressions():
            value = self._as_text(source, self.compile(source))
            parts.append({"$ifNull": [value, ""]})
        return {"$concat": parts}

    def mql_Concat(self, node):
        return self.compile(node.get_source_expressions()[0])

    def mql_Substr(self, node):
        args = self._args(node)
        value, pos = args[0], args[1]
        length = args[2] if len(args) > 2 else {"$strLenCP": value}
        start = {"$max": [{"$subtract": [pos, 1]}, 0]}
        return null_safe(args, {"$substrCP": [value, start, {"$max": [length, 0]}]})

    def mql_Left(self, node):
        value, length = self._args(node)
        return null_safe([value, length], {"$substrCP": [value, 0, {"$max": [length, 0]}]})

    def mql_Right(self, node):
        value, length = self._args(node)
        size = {"$strLenCP": value}
        start = {"$max": [{"$subtract": [size, length]}, 0]}
        return null_safe([value, length], {"$cond": [
            {"$gt": [length, 0]}, {"$substrCP": [value, start, size]}, ""]})

    def _pad(self, node, left):
        value, length, fill = self._args(node)
        size = {"$strLenCP": value}
        padding = {"$substrCP": [repeat(fill, length), 0, {"$subtract": [length, size]}]}
        padded = {"$concat": [padding, value] if left else [value, padding]}
        return null_safe([value, length, fill], {"$cond": [
            {"$gte": [size, length]}, {"$substrCP": [value, 0, {"$max": [length, 0]}]},
            padded]})

    def mql_LPad(self, node):
        return self._pad(node, True)

    def mql_RPad(self, node):
        return self._pad(node, False)

    def mql_Repeat(self, node):
        value, times = self._args(node)
        return null_safe([value, times], repeat(value, times))

    def mql_Replace(self, node):
        value, text, replacement = self._args(node)
        return null_safe([value, text, replacement], {"$cond": [
            {"$eq": [text, ""]}, value,
            {"$replaceAll": {"input": value, "find": text, "replacement": replacement}}]})

    def mql_Reverse(self, node):
        (value,) = self._args(node)
        return null_safe([value], {"$reduce": {
            "input": {"$range": [0, {"$strLenCP": value}]}, "initialValue": "",
            "in": {"$concat": [{"$substrCP": [value, "$$this", 1]}, "$$value"]}}})

    def mql_StrIndex(self, node):
        value, text = self._args(node)
        return null_safe([value, text], {"$add": [{"$indexOfCP": [value, text]}, 1]})

    def mql_Trim(self, node):
        (value,) = self._args(node)
        return null_safe([value], {"$trim": {"input": value, "chars": " "}})

    def mql_LTrim(self, node):
        (value,) = self._args(node)
        return null_safe([value], {"$ltrim": {"input": value, "chars": " "}})

    def mql_RTrim(self, node):
        (value,) = self._args(node)
        return null_safe([value], {"$rtrim": {"input": value, "chars": " "}})

    # ----- math --------------------------------------------------------------------------------

    def _unary(self, node, op):
        (value,) = self._args(node)
        return null_safe([value], {op: value})

    def mql_Abs(self, node):
        return self._unary(node, "$abs")

    def mql_Ceil(self, node):
        return self._unary(node, "$ceil")

    def mql_Floor(self, node):
        return self._unary(node, "$floor")

    def mql_Sqrt(self, node):
        return self._unary(node, "$sqrt")

    def mql_Exp(self, node):
        return self._unary(node, "$exp")

    def mql_Ln(self, node):
        return self._unary(node, "$ln")

    def mql_Sin(self, node):
        return self._unary(node, "$sin")

    def mql_Cos(self, node):
        return self._unary(node, "$cos")

    def mql_Tan(self, node):
        return self._unary(node, "$tan")

    def mql_ASin(self, node):
        return self._unary(node, "$asin")

    def mql_ACos(self, node):
        return self._unary(node, "$acos")

    def mql_ATan(self, node):
        return self._unary(node, "$atan")

    def mql_Radians(self, node):
        return self._unary(node, "$degreesToRadians")

    def mql_Degrees(self, node):
        return self._unary(node, "$radiansToDegrees")

    def mql_Cot(self, node):
        (value,) = self._args(node)
        return null_safe([value], {"$divide": [1, {"$tan": value}]})

    def mql_ATan2(self, node):
        y, x = self._args(node)
        return null_safe([y, x], {"$atan2": [y, x]})

    def mql_Log(self, node):
        base, value = self._args(node)
        return null_safe([base, value], {"$log": [value, base]})

    def mql_Mod(self, node):
        a, b = self._args(node)
        return null_safe([a, b], {"$cond": [{"$eq": [b, 0]}, None, {"$mod": [a, b]}]})

    def mql_Power(self, node):
        a, b = self._args(node)
        return null_safe([a, b], {"$pow": [a, b]})

    def mql_Pi(self, node):
        self._args(node)
        return {"$literal": math.pi}

    def mql_Sign(self, node):
        (value,) = self._args(node)
        return null_safe([value], {"$cond": [{"$gt": [value, 0]}, 1,
                                             {"$cond": [{"$lt": [value, 0]}, -1, 0]}]})

    def mql_Round(self, node):
        args = self._args(node)
        value = args[0]
        places = args[1] if len(args) > 1 else 0
        # SQL rounds halves away from zero ($round rounds them to even).
        scale = {"$pow": [10, places]}
        magnitude = {"$floor": [{"$add": [{"$multiply": [{"$abs": value}, scale]}, 0.5]}]}
        rounded = {"$divide": [magnitude, scale]}
        signed = {"$cond": [{"$lt": [value, 0]}, {"$multiply": [rounded, -1]}, rounded]}
        from .compiler import _internal_type

        if _internal_type(node.get_source_expressions()[0]) in INTEGER:
            signed = {"$toLong": signed}
        return null_safe([value, places], signed)

    def mql_Random(self, node):
        self._args(node)
        return {"$rand": {}}

    def mql_Now(self, node):
        self._args(node)
        return {"$literal": self.connection.ops.adapt_datetimefield_value(timezone.now())}

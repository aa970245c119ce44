"""JSONField values as BSON, and queries into them as aggregation expressions.

Storage: a JSON value is stored as the BSON value it reads as (objects as subdocuments with
their keys sorted, so equality does not depend on key order, as on PostgreSQL and MySQL;
arrays as arrays). SQL NULL is BSON null (or a missing key), as for every column; a JSON
``null`` stored at the top level (``Value(None, JSONField())``) is ``JSON_NULL``, a value JSON
itself cannot produce, so ``data=None`` (JSON null) and ``data__isnull=True`` (SQL NULL) stay
apart. Inside a document JSON null is plain BSON null: a key holding null is present.

Queries: ``data__a__0__b`` walks the value one step at a time; an integer step indexes an
array (and reads nothing from an object), any other step reads an object's key, whatever
characters it holds (``$getField``). A step that finds nothing gives NULL; whether the last
key is present is computed apart, for ``__isnull`` and for ``key=None`` (JSON null).
"""

from __future__ import annotations

import copy
import decimal
import json

from bson import Binary, Decimal128, Int64

from reinhardt.core.exceptions import EmptyResultSet, FullResultSet
from reinhardt.orm.errors import NotSupportedError

#: Top-level JSON null (BSON binary of the user-defined subtype: never a JSON value).
JSON_NULL = Binary(b"null", 0x80)
_INT64 = (-(2**63), 2**63 - 1)


def to_bson(value):
    """A JSON-able Python value (after the encoder) as the BSON value stored."""
    if isinstance(value, dict):
        return {str(k): to_bson(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [to_bson(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not (
            _INT64[0] <= value <= _INT64[1]):
        # Beyond BSON's 64-bit integers: exact as Decimal128 when it has at most 34 digits.
        if len(str(abs(value))) > 34:
            raise ValueError(
                f"MongoDB cannot store the integer {value} in a JSONField (BSON integers "
                "have 64 bits; Decimal128 holds at most 34 digits).")
        return Decimal128(decimal.Decimal(value))
    return value


def from_bson(value):
    """The stored BSON value back as plain JSON-able Python (the inverse of to_bson)."""
    if isinstance(value, dict):
        return {k: from_bson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_bson(v) for v in value]
    if isinstance(value, Decimal128):
        number = value.to_decimal()
        return int(number) if number == number.to_integral_value() else float(number)
    if type(value) is Int64:
        return int(value)
    return value


def adapt_json_value(value, encoder):
    """What JSONField stores (or compares with): the value through ``encoder`` as JSON, then
    as BSON."""
    if value is None:
        return JSON_NULL
    return to_bson(json.loads(json.dumps(value, cls=encoder)))


def json_converter(value, expression, connection):
    """Stored value to the JSON text JSONField.from_db_value decodes (with its decoder)."""
    if value is None or value == JSON_NULL:
        return None
    return json.dumps(from_bson(value))


def _int_key(key):
    try:
        return int(key)
    except ValueError:
        return None


def _bound(expr):
    """``expr`` with a missing value read as NULL (safe to bind in $let)."""
    return {"$ifNull": [expr, None]}


def _is_object(expr):
    return {"$eq": [{"$type": expr}, "object"]}


def json_step(parent, key):
    """The value under ``key`` (an index when it is an integer) of ``parent``; NULL when
    there is none."""
    index = _int_key(key)
    if index is not None:
        branch = {"case": {"$isArray": "$$p"},
                  "then": _bound({"$arrayElemAt": ["$$p", index]})}
    else:
        branch = {"case": _is_object("$$p"),
                  "then": _bound({"$getField": {"field": {"$literal": key}, "input": "$$p"}})}
    return {"$let": {"vars": {"p": _bound(parent)},
                     "in": {"$switch": {"branches": [branch], "default": None}}}}


def json_has(parent, key, *, index_allowed=True):
    """True when ``parent`` holds ``key`` (an array index too, unless ``index_allowed`` is
    False: has_key reads object keys only)."""
    index = _int_key(key) if index_allowed else None
    if index is not None:
        size = {"$size": "$$p"}
        case = {"case": {"$isArray": "$$p"},
                "then": {"$and": [{"$lt": [index, size]},
                                  {"$gte": [index, {"$multiply": [-1, size]}]}]}}
    else:
        keys = {"$map": {"input": {"$objectToArray": "$$p"}, "in": "$$this.k"}}
        case = {"case": _is_object("$$p"), "then": {"$in": [{"$literal": key}, keys]}}
    return {"$let": {"vars": {"p": _bound(parent)},
                     "in": {"$switch": {"branches": [case], "default": False}}}}


def json_path(base, keys):
    for key in keys:
        base = json_step(base, key)
    return base


def _scalar_eq(expr, value):
    return {"$eq": [expr, {"$literal": value}]}


def contains(expr, value, depth=0):
    """``expr @> value`` as PostgreSQL's jsonb defines it, ``value`` known: an object holds
    each key with a value containing the wanted one; an array has, for each wanted element,
    an element containing it; a scalar is equal (or, at the top, an element of an array)."""
    var = f"c{depth}"
    if isinstance(value, dict):
        parts = [_is_object(expr)]
        for key, wanted in value.items():
            parts.append({"$let": {
                "vars": {var: {"$getField": {"field": {"$literal": key}, "input": expr}}},
                "in": {"$and": [
                    json_has(expr, key, index_allowed=False),
                    contains("$$" + var, wanted, depth + 1)]}}})
        return {"$and": parts}
    if isinstance(value, list):
        parts = [{"$isArray": expr}]
        for wanted in value:
            parts.append({"$anyElementTrue": [{"$map": {
                "input": expr, "as": var,
                "in": contains("$$" + var, wanted, depth + 1)}}]})
        return {"$and": parts} if len(parts) > 1 else parts[0]
    scalar = _scalar_eq(expr, value)
    if depth == 0:
        # A top-level array contains a scalar it holds (jsonb's one exception).
        return {"$or": [scalar, {"$and": [{"$isArray": expr},
                                          {"$in": [{"$literal": value}, expr]}]}]}
    return scalar


def contained_by(expr, value, depth=0):
    """``expr <@ value``: every key (element) of ``expr`` is matched inside ``value``."""
    var = f"d{depth}"
    if isinstance(value, dict):
        branches = [{"case": {"$eq": [f"$${var}.k", {"$literal": key}]},
                     "then": contained_by(f"$${var}.v", wanted, depth + 1)}
                    for key, wanted in value.items()]
        inner = ({"$switch": {"branches": branches, "default": False}} if branches
                 else False)
        is_object = {"$and": [_is_object(expr), {"$allElementsTrue": [{"$map": {
            "input": {"$objectToArray": expr}, "as": var, "in": inner}}]}]}
        return is_object
    if isinstance(value, list):
        options = [contained_by(f"$${var}", wanted, depth + 1) for wanted in value]
        inner = {"$or": options} if options else False
        is_array = {"$and": [{"$isArray": expr}, {"$allElementsTrue": [{"$map": {
            "input": expr, "as": var, "in": inner}}]}]}
        scalar_in = False
        if depth == 0:
            scalars = [v for v in value if not isinstance(v, (dict, list))]
            if scalars:
                scalar_in = {"$and": [{"$not": [{"$isArray": expr}]},
                                      {"$not": [_is_object(expr)]},
                                      {"$in": [expr, {"$literal": scalars}]}]}
        return {"$or": [is_array, scalar_in]}
    return _scalar_eq(expr, value)


def literal_json(compiler, lookup):
    """The right-hand side of contains/contained_by as BSON; it must be a literal."""
    rhs = lookup.rhs
    if hasattr(rhs, "resolve_expression"):
        from reinhardt.orm.models.expressions import Value

        if not isinstance(rhs, Value):
            raise NotSupportedError(
                f"MongoDB needs a literal JSON value for the {lookup.lookup_name!r} lookup "
                "(it compiles the value into the query), not an expression.",
                backend="MongoDB", feature=f"JSONField {lookup.lookup_name} an expression",
                flag="supports_json_field_contains")
        rhs = rhs.value
    if rhs is None:
        raise EmptyResultSet
    return from_bson(adapt_json_value(rhs, getattr(lookup.lhs.output_field, "encoder", None)))


class JSONMixin:
    """The compiler's JSONField methods (``mql_<node class>``)."""

    def _json_require(self, what):
        self.connection.features.require("supports_json_field", what)

    def _key_parts(self, node):
        base, keys = node.preprocess_lhs()
        return self.compile(base), keys

    def mql_KeyTransform(self, node):
        self._json_require("JSONField key transforms")
        base, keys = self._key_parts(node)
        return json_path(base, keys)

    def mql_KeyTextTransform(self, node):
        # Strings as they are, NULL for no value, other scalars as their JSON text
        # ($toString; an object or array has no text form here and fails loudly).
        value = self.mql_KeyTransform(node)
        return {"$let": {"vars": {"t": value}, "in": {"$switch": {"branches": [
            {"case": {"$eq": [{"$type": "$$t"}, "string"]}, "then": "$$t"},
            {"case": {"$lte": ["$$t", None]}, "then": None},
        ], "default": {"$toString": "$$t"}}}}}

    def json_key_exists(self, node):
        base, keys = self._key_parts(node)
        return json_has(json_path(base, keys[:-1]), keys[-1])

    def mql_JSONExact(self, node):
        from reinhardt.orm.models.fields.json import KeyTransform

        if node.rhs is None:
            if isinstance(node.lhs, KeyTransform):
                # key=None: the key is present and holds JSON null.
                self._json_require("JSONField key transforms")
                return {"$and": [self.json_key_exists(node.lhs),
                                 {"$eq": [{"$type": self.compile(node.lhs)}, "null"]}]}
            self._json_require("JSONField null lookups")
            return {"$eq": [self.compile(node.lhs), {"$literal": JSON_NULL}]}
        return self._compare(node, "$eq")

    def mql_KeyTransformIsNull(self, node):
        self._json_require("JSONField key transforms")
        exists = self.json_key_exists(node.lhs)
        return {"$not": [exists]} if node.rhs else exists

    def _json_key_compare(self, node, op):
        """Key comparisons (lt/gt...) compare values of one kind: numbers with numbers,
        strings with strings (BSON would otherwise order across types)."""
        value = node.rhs
        condition = self._compare(node, op)
        if isinstance(value, bool):
            kind = {"$eq": [{"$type": self.compile(node.lhs)}, "bool"]}
        elif isinstance(value, (int, float, decimal.Decimal)):
            kind = {"$isNumber": self.compile(node.lhs)}
        elif isinstance(value, str):
            kind = {"$eq": [{"$type": self.compile(node.lhs)}, "string"]}
        else:
            return condition
        return {"$and": [kind, condition]}

    def mql_KeyTransformLt(self, node):
        return self._json_key_compare(node, "$lt")

    def mql_KeyTransformLte(self, node):
        return self._json_key_compare(node, "$lte")

    def mql_KeyTransformGt(self, node):
        return self._json_key_compare(node, "$gt")

    def mql_KeyTransformGte(self, node):
        return self._json_key_compare(node, "$gte")

    def _has_keys(self, node, keys, connector):
        self._json_require(f"JSONField {node.lookup_name} lookups")
        lhs = self.compile(node.lhs)
        tests = [json_has("$$h", str(key), index_allowed=False) for key in keys]
        if not tests:
            if connector == "$or":
                raise EmptyResultSet
            return {"$gt": [lhs, None]}
        return {"$let": {"vars": {"h": _bound(lhs)},
                         "in": tests[0] if len(tests) == 1 else {connector: tests}}}

    def mql_HasKey(self, node):
        return self._has_keys(node, [node.rhs], "$and")

    def mql_HasKeys(self, node):
        return self._has_keys(node, node.rhs, "$and")

    def mql_HasAnyKeys(self, node):
        return self._has_keys(node, node.rhs, "$or")

    def _containment(self, node, build):
        features = self.connection.features
        features.require("supports_json_field", f"JSONField {node.lookup_name} lookups")
        features.require("supports_json_field_contains", f"JSONField {node.lookup_name} lookups")
        value = literal_json(self, node)
        return {"$let": {"vars": {"cv": _bound(self.compile(node.lhs))},
                         "in": build("$$cv", value)}}

    def mql_DataContains(self, node):
        return self._containment(node, contains)

    def mql_ContainedBy(self, node):
        return self._containment(node, contained_by)

    def mql_JSONIContains(self, node):
        features = self.connection.features
        features.require("supports_json_field", "JSONField icontains")
        raise features.not_supported(
            "supports_json_field_text_search",
            "icontains on a whole JSONField (searching its JSON text)")

    # ----- NOT in SQL's three-valued logic -------------------------------------------------------

    def needs_three_valued_not(self, node):
        """Whether negating ``node`` must follow SQL's three-valued logic: a comparison with
        a JSON key that holds no value is unknown, and NOT unknown is no match either."""
        from reinhardt.orm.models import lookups
        from reinhardt.orm.models.fields.json import KeyTransform
        from reinhardt.orm.query.where import WhereNode

        if isinstance(node, WhereNode):
            return any(self.needs_three_valued_not(child) for child in node.children)
        return (isinstance(node, lookups.Lookup) and isinstance(node.lhs, KeyTransform)
                and not isinstance(node, lookups.IsNull))

    def falsity(self, node):
        """When ``node`` is FALSE (not merely not TRUE): an expression, or True/False."""
        from reinhardt.orm.query.where import WhereNode

        if isinstance(node, WhereNode) and not node.negated and node.connector in ("AND", "OR"):
            parts = []
            for child in node.children:
                part = self.falsity(child)
                if part is True or part is False:
                    # AND is false when a child is; OR only when every child is.
                    if part is (node.connector == "AND"):
                        return part
                    continue
                parts.append(part)
            if not parts:
                return node.connector == "OR"
            return parts[0] if len(parts) == 1 else {
                "$or" if node.connector == "AND" else "$and": parts}
        if isinstance(node, WhereNode) and node.negated:
            positive = copy.copy(node)
            positive.negated = False
            node, negate = positive, False
        else:
            negate = True
        try:
            truth = self.compile(node)
        except EmptyResultSet:
            return negate
        except FullResultSet:
            return not negate
        if not negate:
            return truth
        from reinhardt.orm.models import lookups

        if isinstance(node, lookups.Lookup) and self.needs_three_valued_not(node):
            return {"$and": [{"$gt": [self.compile(node.lhs), None]}, {"$not": [truth]}]}
        return {"$not": [truth]}

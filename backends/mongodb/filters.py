"""Conditions (Q objects) as MongoDB query filters, for partial indexes.

A partialFilterExpression takes only plain query operators (no $expr), so only conditions
made of comparisons of a field with a value can be expressed.
"""

from __future__ import annotations

from reinhardt.orm.models import lookups
from reinhardt.orm.models.expressions import Col
from reinhardt.orm.query.query import Query
from reinhardt.orm.query.where import WhereNode

from .schema_types import NON_NULL_TYPES

OPERATORS = {"exact": None, "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


def condition_to_filter(connection, model, condition) -> dict:
    query = Query(model=model, alias_cols=False)
    where = query.build_where(condition)
    return _node(connection, where, model)


def _refuse(connection, model, what):
    return connection.features.not_supported(
        "supports_partial_indexes",
        f"a partial index or constraint on {model._meta.label} with {what} (only comparisons "
        "of fields with values can be a MongoDB partial filter)")


def _node(connection, node, model):
    if isinstance(node, WhereNode):
        if node.negated or node.connector not in ("AND", "OR"):
            raise _refuse(connection, model, "a negated or XOR condition")
        parts = [_node(connection, child, model) for child in node.children]
        if len(parts) == 1:
            return parts[0]
        return {"$and" if node.connector == "AND" else "$or": parts}
    if not isinstance(node, lookups.Lookup) or not isinstance(node.lhs, Col):
        raise _refuse(connection, model, repr(node))
    field = node.lhs.target
    key = "_id" if field.primary_key else field.column
    if isinstance(node, lookups.IsNull):
        return {key: None} if node.rhs else {key: {"$type": NON_NULL_TYPES}}
    if node.lookup_name not in OPERATORS or hasattr(node.rhs, "resolve_expression"):
        raise _refuse(connection, model, f"the {node.lookup_name!r} lookup")
    value = field.get_db_prep_value(node.rhs, connection, prepared=False)
    op = OPERATORS[node.lookup_name]
    return {key: value if op is None else {op: value}}

"""Conditions over constants, decided in Python with SQL's three-valued logic.

Datastore filters compare a property with a value; a condition with no property in it
(``Q.check()`` probes for constraint validation, or a lookup whose left side is a
``Value``, as ``UniqueConstraint.validate()`` builds) has nothing to send to Datastore.
Such a condition is evaluated here: NULL compares as unknown, AND/OR/NOT follow SQL's truth
tables, ``Coalesce`` takes the first non-NULL, ``Exists(queryset)`` runs its query (keys
only, limit 1). Anything else (functions, casts) is refused naming the capability flag.
"""

from __future__ import annotations

from reinhardt.orm.models.expressions import (
    Col,
    ExpressionWrapper,
    NegatedExpression,
    Ref,
    ResolvedOuterRef,
    Value,
)
from reinhardt.orm.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Lookup,
    Range,
)
from reinhardt.orm.query.where import AND, OR, XOR, NothingNode, WhereNode

_COMPARE = {
    Exact: lambda a, b: a == b,
    GreaterThan: lambda a, b: a > b,
    GreaterThanOrEqual: lambda a, b: a >= b,
    LessThan: lambda a, b: a < b,
    LessThanOrEqual: lambda a, b: a <= b,
}


def is_constant(expr, subqueries=False) -> bool:
    """Whether ``expr`` refers to no column (so no entity is needed to evaluate it). With
    ``subqueries``, an ``Exists()`` that refers to no outer column counts as constant (it
    is run on its own, for Q.check() probes); otherwise subqueries are left to the compiler,
    which refuses them (supports_subqueries)."""
    if isinstance(expr, Col | ResolvedOuterRef):
        return False
    query = getattr(expr, "query", None)
    if query is not None:
        return subqueries and type(expr).__name__ == "Exists" and \
            not query.external_aliases and not query.get_external_cols()
    getter = getattr(expr, "get_source_expressions", None)
    if getter is None:
        return not hasattr(expr, "get_compiler")
    return all(source is None or is_constant(source, subqueries) for source in getter())


class Constants:
    def __init__(self, compiler, annotations=None):
        self.compiler = compiler
        self.annotations = annotations or {}

    def refuse(self, expr):
        from .compiler import flag_for

        return self.compiler.not_supported(*flag_for(expr))

    def value(self, expr):
        """The value of a constant expression (None is SQL NULL)."""
        if not hasattr(expr, "resolve_expression"):
            return expr
        if isinstance(expr, Value):
            return expr.value
        if isinstance(expr, Ref):
            return self.value(self.annotations.get(expr.refs, expr.source))
        if isinstance(expr, NegatedExpression):
            value = self.truth(expr.expression)
            return None if value is None else not value
        if isinstance(expr, ExpressionWrapper):
            return self.value(expr.expression)
        if isinstance(expr, WhereNode | Lookup | NothingNode):
            return self.truth(expr)
        name = type(expr).__name__
        if name == "Coalesce":
            for source in expr.get_source_expressions():
                value = self.value(source)
                if value is not None:
                    return value
            return None
        if name == "Exists":
            if not is_constant(expr, subqueries=True):
                raise self.compiler.not_supported(
                    "supports_subqueries", "Exists() referring to the outer query")
            found = expr.query.get_compiler(connection=self.compiler.connection).has_results()
            return not found if getattr(expr, "negated", False) else found
        raise self.refuse(expr)

    def truth(self, node):
        """True, False or None (unknown) for a condition."""
        if isinstance(node, NothingNode):
            return False
        if isinstance(node, WhereNode):
            values = [self.truth(child) for child in node.children]
            if node.connector == AND:
                result = False if False in values else (None if None in values else True)
            elif node.connector == OR:
                result = True if True in values else (None if None in values else False)
            elif node.connector == XOR:
                result = None if None in values else sum(values) % 2 == 1
            else:
                raise self.refuse(node)
            return result if not node.negated or result is None else not result
        if isinstance(node, Lookup):
            return self.lookup(node)
        value = self.value(node)
        return None if value is None else bool(value)

    def lookup(self, lookup):
        if not type(lookup).__module__.startswith("reinhardt."):
            raise self.refuse(lookup)
        lhs = self.value(lookup.lhs)
        rhs = lookup.rhs
        try:
            if isinstance(lookup, IsNull):
                return (lhs is None) == bool(self.value(rhs))
            if isinstance(lookup, In):
                values = [self.value(v) for v in rhs]
                if lhs is None:
                    return None
                if lhs in [v for v in values if v is not None]:
                    return True
                return None if None in values else False
            if isinstance(lookup, Range):
                low, high = (self.value(v) for v in rhs)
                if None in (lhs, low, high):
                    return None
                return low <= lhs <= high
            for cls, compare in _COMPARE.items():
                if type(lookup) is cls or isinstance(lookup, cls):
                    rhs = self.value(rhs)
                    if lhs is None or rhs is None:
                        return None
                    return bool(compare(lhs, rhs))
        except TypeError as e:
            raise self.compiler.not_supported(
                "supports_expression_filters", f"comparing {lhs!r} with {rhs!r} ({e})") from e
        raise self.refuse(lookup)

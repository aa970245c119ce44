"""The WHERE clause as a tree of lookups joined by AND/OR/XOR, with negation."""

from __future__ import annotations

import operator
from functools import reduce

from reinhardt.core.exceptions import EmptyResultSet, FullResultSet
from reinhardt.orm.models.expressions import Case, When
from reinhardt.orm.models.lookups import Exact
from reinhardt.utils import tree
from reinhardt.utils.functional import cached_property

# Connection types
AND = "AND"
OR = "OR"
XOR = "XOR"


class WhereNode(tree.Node):
    """Conditions (lookups, expressions or nested nodes) combined by ``connector``.

    Backend-neutral: compilers walk it. A compiler renders an empty branch as "matches
    everything" and a NothingNode as "matches nothing" (EmptyResultSet).
    """

    default = AND
    resolved = False
    conditional = True

    def split_having_qualify(self, negated=False, must_group_by=False):
        """Split into (WHERE, HAVING, QUALIFY) nodes: aggregates go to HAVING, windows to
        QUALIFY; a branch mixing them under OR stays whole in the later clause."""
        if not self.contains_aggregate and not self.contains_over_clause:
            return self, None, None
        in_negated = negated ^ self.negated
        # Children that must stay in the same clause (WHERE, HAVING or QUALIFY) for the
        # logic to hold.
        must_remain_connected = (
            (in_negated and self.connector == AND)
            or (not in_negated and self.connector == OR)
            or self.connector == XOR
        )
        if (
            must_remain_connected
            and self.contains_aggregate
            and not self.contains_over_clause
        ):
            # Simpler to move the whole node to HAVING than to split it.
            return None, self, None
        where_parts = []
        having_parts = []
        qualify_parts = []
        for c in self.children:
            if hasattr(c, "split_having_qualify"):
                where_part, having_part, qualify_part = c.split_having_qualify(
                    in_negated, must_group_by
                )
                if where_part is not None:
                    where_parts.append(where_part)
                if having_part is not None:
                    having_parts.append(having_part)
                if qualify_part is not None:
                    qualify_parts.append(qualify_part)
            elif c.contains_over_clause:
                qualify_parts.append(c)
            elif c.contains_aggregate:
                having_parts.append(c)
            else:
                where_parts.append(c)
        if must_remain_connected and qualify_parts:
            # An OR mixing kinds of predicates can go to QUALIFY when no aggregate is
            # involved.
            if not where_parts or (where_parts and not must_group_by):
                return None, None, self
            elif where_parts:
                # Refused rather than risk a wrong split.
                raise NotImplementedError(
                    "Heterogeneous disjunctive predicates against window functions are not "
                    "implemented when performing conditional aggregation."
                )
        where_node = (
            self.create(where_parts, self.connector, self.negated) if where_parts else None
        )
        having_node = (
            self.create(having_parts, self.connector, self.negated) if having_parts else None
        )
        qualify_node = (
            self.create(qualify_parts, self.connector, self.negated)
            if qualify_parts else None
        )
        return where_node, having_node, qualify_node

    def as_sql(self, compiler, connection):
        return compiler.compile(self)

    def get_group_by_cols(self):
        cols = []
        for child in self.children:
            cols.extend(child.get_group_by_cols())
        return cols

    def get_source_expressions(self):
        return self.children[:]

    def set_source_expressions(self, children):
        assert len(children) == len(self.children)
        self.children = children

    def relabel_aliases(self, change_map):
        """Relabel the aliases of every column in the tree, in place."""
        for pos, child in enumerate(self.children):
            if hasattr(child, "relabel_aliases"):
                # For example another WhereNode
                child.relabel_aliases(change_map)
            elif hasattr(child, "relabeled_clone"):
                self.children[pos] = child.relabeled_clone(change_map)

    def clone(self):
        clone = self.create(connector=self.connector, negated=self.negated)
        for child in self.children:
            if hasattr(child, "clone"):
                child = child.clone()
            clone.children.append(child)
        return clone

    def relabeled_clone(self, change_map):
        clone = self.clone()
        clone.relabel_aliases(change_map)
        return clone

    def replace_expressions(self, replacements):
        if replacement := replacements.get(self):
            return replacement
        clone = self.create(connector=self.connector, negated=self.negated)
        for child in self.children:
            clone.children.append(child.replace_expressions(replacements))
        return clone

    def get_refs(self):
        refs = set()
        for child in self.children:
            refs |= child.get_refs()
        return refs

    @classmethod
    def _contains_aggregate(cls, obj):
        if isinstance(obj, tree.Node):
            return any(cls._contains_aggregate(c) for c in obj.children)
        return obj.contains_aggregate

    @cached_property
    def contains_aggregate(self):
        return self._contains_aggregate(self)

    @classmethod
    def _contains_over_clause(cls, obj):
        if isinstance(obj, tree.Node):
            return any(cls._contains_over_clause(c) for c in obj.children)
        return obj.contains_over_clause

    @cached_property
    def contains_over_clause(self):
        return self._contains_over_clause(self)

    @property
    def is_summary(self):
        return any(child.is_summary for child in self.children)

    @staticmethod
    def _resolve_leaf(expr, query, *args, **kwargs):
        if hasattr(expr, "resolve_expression"):
            expr = expr.resolve_expression(query, *args, **kwargs)
        return expr

    @classmethod
    def _resolve_node(cls, node, query, *args, **kwargs):
        if hasattr(node, "children"):
            for child in node.children:
                cls._resolve_node(child, query, *args, **kwargs)
        if hasattr(node, "lhs"):
            node.lhs = cls._resolve_leaf(node.lhs, query, *args, **kwargs)
        if hasattr(node, "rhs"):
            node.rhs = cls._resolve_leaf(node.rhs, query, *args, **kwargs)

    def resolve_expression(self, *args, **kwargs):
        clone = self.clone()
        clone._resolve_node(clone, *args, **kwargs)
        clone.resolved = True
        return clone

    @cached_property
    def output_field(self):
        from reinhardt.orm.models import BooleanField

        return BooleanField()

    @property
    def _output_field_or_none(self):
        return self.output_field

    def select_format(self, compiler, sql, params):
        return compiler.boolean_select_format(self, sql, params)

    def get_db_converters(self, connection):
        return self.output_field.get_db_converters(connection)

    def get_lookup(self, lookup):
        return self.output_field.get_lookup(lookup)

    def leaves(self):
        for child in self.children:
            if isinstance(child, WhereNode):
                yield from child.leaves()
            else:
                yield child

    def flatten(self):
        yield self
        for child in self.children:
            if hasattr(child, "flatten"):
                yield from child.flatten()
            else:
                yield child

    def xor_as_or_and_parity(self):
        """XOR rewritten for databases without it: (a OR b ...) AND (a + b + ...) % 2 = 1."""
        lhs = self.__class__(self.children, OR)
        rhs_sum = reduce(
            operator.add,
            (Case(When(c, then=1), default=0) for c in self.children),
        )
        if len(self.children) > 2:
            rhs_sum = rhs_sum % 2
        rhs = Exact(1, rhs_sum)
        return self.__class__([lhs, rhs], AND, self.negated)


class NothingNode:
    """A node that matches nothing."""

    contains_aggregate = False
    contains_over_clause = False
    is_summary = False

    def as_sql(self, compiler=None, connection=None):
        raise EmptyResultSet

    def get_refs(self):
        return set()

    def get_group_by_cols(self):
        return []

    def relabeled_clone(self, change_map):
        return self


class ExtraWhere:
    """Raw SQL conditions (SQL backends only)."""

    # Raw SQL: assumed to contain no aggregates or windows.
    contains_aggregate = False
    contains_over_clause = False
    is_summary = False

    def __init__(self, sqls, params):
        self.sqls = sqls
        self.params = params

    def as_sql(self, compiler=None, connection=None):
        sqls = ["(%s)" % sql for sql in self.sqls]
        return " AND ".join(sqls), list(self.params or ())

    def get_refs(self):
        return set()

    def get_group_by_cols(self):
        return []


_ = (EmptyResultSet, FullResultSet)

"""The WHERE clause as a tree of lookups joined by AND/OR/XOR, with negation."""

from __future__ import annotations

from reinhardt.core.exceptions import EmptyResultSet, FullResultSet
from reinhardt.orm.models.expressions import Case, When
from reinhardt.orm.models.lookups import Exact
from reinhardt.utils import tree
from reinhardt.utils.functional import cached_property

# Connection types
AND = "AND"
OR = "OR"
XOR = "XOR"

# Positions in the (WHERE, HAVING, QUALIFY) triple that split_having_qualify() returns.
_IN_WHERE, _IN_HAVING, _IN_QUALIFY = 0, 1, 2


def _clause_for_leaf(condition) -> int:
    """Which clause a single condition belongs in: windows are filtered last (QUALIFY),
    aggregates after grouping (HAVING), everything else row by row (WHERE)."""
    if condition.contains_over_clause:
        return _IN_QUALIFY
    return _IN_HAVING if condition.contains_aggregate else _IN_WHERE


def _any_leaf(node, flag: str) -> bool:
    """True when some leaf below ``node`` has the boolean attribute ``flag`` set."""
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, tree.Node):
            pending.extend(item.children)
        elif getattr(item, flag):
            return True
    return False


def _resolved(value, args, kwargs):
    resolve = getattr(value, "resolve_expression", None)
    return value if resolve is None else resolve(*args, **kwargs)


def _resolve_in_place(node, args, kwargs) -> None:
    """Resolve the lhs/rhs of every lookup under ``node`` against the query, in place."""
    for child in getattr(node, "children", ()):
        _resolve_in_place(child, args, kwargs)
    if hasattr(node, "lhs"):
        node.lhs = _resolved(node.lhs, args, kwargs)
    if hasattr(node, "rhs"):
        node.rhs = _resolved(node.rhs, args, kwargs)


class WhereNode(tree.Node):
    """Conditions (lookups, expressions or nested nodes) combined by ``connector``.

    Backend-neutral: compilers walk it. A compiler renders an empty branch as "matches
    everything" and a NothingNode as "matches nothing" (EmptyResultSet).
    """

    conditional = True  # usable directly as a filter()/When() condition
    default = AND
    resolved = False

    # ---- splitting into WHERE / HAVING / QUALIFY -------------------------------------------

    def split_having_qualify(self, negated=False, must_group_by=False):
        """Split into (WHERE, HAVING, QUALIFY) nodes: aggregates go to HAVING, windows to
        QUALIFY; a branch mixing them under OR stays whole in the later clause."""
        if not (self.contains_aggregate or self.contains_over_clause):
            return self, None, None
        negated_here = negated != self.negated
        # Under OR (or AND seen through a NOT, by De Morgan) or XOR the children only mean
        # something together, so they cannot be scattered over different clauses.
        inseparable = self.connector == XOR or self.connector == (AND if negated_here else OR)
        if inseparable and not self.contains_over_clause:
            return None, self, None
        parts = ([], [], [])
        for child in self.children:
            split = getattr(child, "split_having_qualify", None)
            if split is None:
                parts[_clause_for_leaf(child)].append(child)
                continue
            for bucket, piece in zip(parts, split(negated_here, must_group_by)):
                if piece is not None:
                    bucket.append(piece)
        if inseparable and parts[_IN_QUALIFY]:
            if parts[_IN_WHERE] and must_group_by:
                # Refused rather than risk a wrong split.
                raise NotImplementedError(
                    "Heterogeneous disjunctive predicates against window functions are not "
                    "implemented when performing conditional aggregation."
                )
            return None, None, self
        connector, negation = self.connector, self.negated
        return tuple(
            self.create(bucket, connector, negation) if bucket else None for bucket in parts
        )

    # ---- the expression protocol -------------------------------------------------------------

    def as_sql(self, compiler, connection):
        return compiler.compile(self)

    def get_group_by_cols(self):
        return [col for child in self.children for col in child.get_group_by_cols()]

    def get_source_expressions(self):
        return list(self.children)

    def set_source_expressions(self, children):
        if len(children) != len(self.children):
            raise ValueError(
                f"WhereNode has {len(self.children)} children, got {len(children)} replacements."
            )
        self.children = children

    def get_refs(self):
        found = set()
        for child in self.children:
            found.update(child.get_refs())
        return found

    @cached_property
    def contains_aggregate(self):
        return _any_leaf(self, "contains_aggregate")

    @cached_property
    def contains_over_clause(self):
        return _any_leaf(self, "contains_over_clause")

    @property
    def is_summary(self):
        return any(child.is_summary for child in self.children)

    def resolve_expression(self, *args, **kwargs):
        copy = self.clone()
        _resolve_in_place(copy, args, kwargs)
        copy.resolved = True
        return copy

    # A condition is a boolean expression: these delegate to a BooleanField output.

    def get_lookup(self, lookup):
        return self.output_field.get_lookup(lookup)

    @cached_property
    def output_field(self):
        from reinhardt.orm.models import BooleanField

        return BooleanField()

    def get_db_converters(self, connection):
        return self.output_field.get_db_converters(connection)

    @property
    def _output_field_or_none(self):
        return self.output_field

    def select_format(self, compiler, sql, params):
        return compiler.boolean_select_format(self, sql, params)

    # ---- copying and relabelling -------------------------------------------------------------

    def _empty_copy(self):
        return self.create(connector=self.connector, negated=self.negated)

    def clone(self):
        copy = self._empty_copy()
        copy.children = [
            child.clone() if hasattr(child, "clone") else child for child in self.children
        ]
        return copy

    def relabel_aliases(self, change_map):
        """Point every column in the tree at the renamed table aliases, in place."""
        children = self.children
        for index, child in enumerate(children):
            relabel_in_place = getattr(child, "relabel_aliases", None)
            if relabel_in_place is not None:
                relabel_in_place(change_map)
            elif hasattr(child, "relabeled_clone"):
                children[index] = child.relabeled_clone(change_map)

    def relabeled_clone(self, change_map):
        copy = self.clone()
        copy.relabel_aliases(change_map)
        return copy

    def replace_expressions(self, replacements):
        replacement = replacements.get(self)
        if replacement:
            return replacement
        copy = self._empty_copy()
        copy.children = [child.replace_expressions(replacements) for child in self.children]
        return copy

    # ---- walking ------------------------------------------------------------------------------

    def leaves(self):
        """The conditions under this node, nested WhereNodes opened up."""
        for child in self.children:
            yield from child.leaves() if isinstance(child, WhereNode) else (child,)

    def flatten(self):
        """This node, then everything below it depth first (expressions that can flatten
        themselves are opened too)."""
        yield self
        for child in self.children:
            opened = getattr(child, "flatten", None)
            yield from (child,) if opened is None else opened()

    def xor_as_or_and_parity(self):
        """XOR rewritten for databases without it: (a OR b ...) AND (a + b + ...) % 2 = 1."""
        any_true = type(self)(self.children, OR)
        true_count = None
        for condition in self.children:
            as_number = Case(When(condition, then=1), default=0)
            true_count = as_number if true_count is None else true_count + as_number
        # With two operands "exactly one" already means "an odd number".
        odd = Exact(1, true_count % 2 if len(self.children) > 2 else true_count)
        return type(self)([any_true, odd], AND, self.negated)


class NothingNode:
    """A node that matches nothing."""

    is_summary = False
    contains_over_clause = False
    contains_aggregate = False

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
    is_summary = contains_over_clause = contains_aggregate = False

    def __init__(self, sqls, params):
        self.sqls, self.params = sqls, params

    def as_sql(self, compiler=None, connection=None):
        return " AND ".join(f"({fragment})" for fragment in self.sqls), list(self.params or ())

    def get_refs(self):
        return set()

    def get_group_by_cols(self):
        return []


_ = (EmptyResultSet, FullResultSet)

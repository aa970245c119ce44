"""The FROM clause as data: the query's first table (``BaseTable``) and each ``Join`` to a
related table, plus ``MultiJoin``, the signal used to turn some excludes into subqueries.

These objects are created and compared for every join of every query, so they are slotted
and their comparisons build plain tuples.
"""

from __future__ import annotations

from reinhardt.orm.query.constants import INNER, LOUTER


class MultiJoin(Exception):
    """Raised by the path builder when a many-valued relation is met where only single-valued
    ones are allowed (exclude() across it); the filter is then rewritten as a subquery.

    ``level`` is how many names were consumed; ``names_with_path`` lists (name, path infos)
    for the names walked up to that relation.
    """

    def __init__(self, level, names_with_path):
        super().__init__(level, names_with_path)
        self.names_with_path = names_with_path
        self.level = level


class Empty:
    """A bare instance whose ``__class__`` is reassigned when a Query is cloned."""


class Join:
    """A join from ``parent_alias`` to ``table_name`` (as ``table_alias``) along
    ``join_field``; ``nullable`` makes it a candidate for LEFT OUTER JOIN."""

    __slots__ = ("table_name", "parent_alias", "table_alias", "join_type", "join_field",
                 "nullable", "filtered_relation", "join_fields")

    def __init__(self, table_name, parent_alias, table_alias, join_type, join_field,
                 nullable, filtered_relation=None):
        self.join_field, self.nullable = join_field, nullable
        self.parent_alias, self.table_alias = parent_alias, table_alias
        self.table_name, self.join_type = table_name, join_type
        # The (from column, to column) pairs, asked of the relation once per join.
        self.join_fields = join_field.get_joining_fields()
        self.filtered_relation = filtered_relation

    def _copy(self, change_map, join_type):
        """A copy with aliases renamed through *change_map* and the given join type."""
        twin = object.__new__(type(self))
        twin.table_name, twin.join_type = self.table_name, join_type
        twin.join_field, twin.nullable = self.join_field, self.nullable
        twin.join_fields = self.join_fields
        parent, alias = self.parent_alias, self.table_alias
        twin.parent_alias = change_map.get(parent, parent)
        twin.table_alias = change_map.get(alias, alias)
        condition = self.filtered_relation
        twin.filtered_relation = (
            None if condition is None else condition.relabeled_clone(change_map)
        )
        return twin

    def relabeled_clone(self, change_map):
        """This join with its aliases (and its FilteredRelation's) renamed by *change_map*."""
        return self._copy(change_map, self.join_type)

    def promote(self):
        """A copy made LEFT OUTER."""
        return self._copy({}, LOUTER)

    def demote(self):
        """A copy made INNER."""
        return self._copy({}, INNER)

    @property
    def identity(self):
        return (type(self), self.table_name, self.parent_alias, self.join_field,
                self.filtered_relation)

    # Equality includes the FilteredRelation; hashing and equals() leave it out, so joins
    # that differ only in it fall in one bucket and can be reused across conditions.
    def __eq__(self, other):
        return self.identity == other.identity if isinstance(other, Join) else NotImplemented

    def __hash__(self):
        return hash((type(self), self.table_name, self.parent_alias, self.join_field))

    def equals(self, other):
        """Equal ignoring the filtered relation."""
        return (type(self), self.table_name, self.parent_alias, self.join_field) == (
            type(other), other.table_name, other.parent_alias, other.join_field
        )

    def __repr__(self):
        return (f"Join({self.join_type}: {self.table_name} AS {self.table_alias} from "
                f"{self.parent_alias} via {self.join_field})")


class BaseTable:
    """The first table in the FROM clause: no parent, no join type, no condition."""

    __slots__ = ("table_name", "table_alias")

    # Read by code that walks alias_map without checking which kind of entry it holds.
    filtered_relation = parent_alias = join_type = None

    def __init__(self, table_name, alias):
        self.table_alias = alias
        self.table_name = table_name

    def relabeled_clone(self, change_map):
        alias = self.table_alias
        return type(self)(self.table_name, change_map.get(alias, alias))

    @property
    def identity(self):
        return (type(self), self.table_name, self.table_alias)

    def __eq__(self, other):
        return self.identity == other.identity if isinstance(other, BaseTable) else NotImplemented

    def __hash__(self):
        return hash((type(self), self.table_name, self.table_alias))

    def equals(self, other):
        return self.identity == other.identity

    def __repr__(self):
        return f"BaseTable({self.table_name} AS {self.table_alias})"

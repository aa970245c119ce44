"""The FROM clause as data: the base table and the joins to related tables."""

from __future__ import annotations

from reinhardt.orm.query.constants import INNER, LOUTER


class MultiJoin(Exception):
    """A multi-valued relation was met where only single-valued ones are allowed.

    Raised by the path builder when excluding across a many-valued relation, so the filter
    can be rewritten as a subquery.
    """

    def __init__(self, names_pos, path_with_names):
        self.level = names_pos
        # The names followed, up to the many-valued relation.
        self.names_with_path = path_with_names


class Empty:
    pass


class Join:
    """A join from ``parent_alias`` to ``table_name`` (as ``table_alias``) along
    ``join_field``; ``nullable`` makes it a candidate for LEFT OUTER JOIN."""

    __slots__ = ("table_name", "parent_alias", "table_alias", "join_type", "join_field",
                 "nullable", "filtered_relation", "join_fields")

    def __init__(self, table_name, parent_alias, table_alias, join_type, join_field,
                 nullable, filtered_relation=None):
        self.table_name = table_name
        self.parent_alias = parent_alias
        self.table_alias = table_alias
        self.join_type = join_type
        self.join_field = join_field
        self.join_fields = join_field.get_joining_fields()
        self.nullable = nullable
        self.filtered_relation = filtered_relation

    def relabeled_clone(self, change_map):
        new_parent_alias = change_map.get(self.parent_alias, self.parent_alias)
        new_table_alias = change_map.get(self.table_alias, self.table_alias)
        if self.filtered_relation is not None:
            filtered_relation = self.filtered_relation.relabeled_clone(change_map)
        else:
            filtered_relation = None
        return self.__class__(
            self.table_name, new_parent_alias, new_table_alias, self.join_type,
            self.join_field, self.nullable, filtered_relation=filtered_relation,
        )

    @property
    def identity(self):
        return (self.__class__, self.table_name, self.parent_alias, self.join_field,
                self.filtered_relation)

    def __eq__(self, other):
        if not isinstance(other, Join):
            return NotImplemented
        return self.identity == other.identity

    def __hash__(self):
        return hash(self.identity[:-1])

    def equals(self, other):
        """Equal ignoring the filtered relation (joins may be reused across them)."""
        return self.identity[:-1] == other.identity[:-1]

    def demote(self):
        new = self.relabeled_clone({})
        new.join_type = INNER
        return new

    def promote(self):
        new = self.relabeled_clone({})
        new.join_type = LOUTER
        return new

    def __repr__(self):
        return (f"Join({self.join_type}: {self.table_name} AS {self.table_alias} from "
                f"{self.parent_alias} via {self.join_field})")


class BaseTable:
    """The first table in the FROM clause."""

    __slots__ = ("table_name", "table_alias")

    join_type = None
    parent_alias = None
    filtered_relation = None

    def __init__(self, table_name, alias):
        self.table_name = table_name
        self.table_alias = alias

    def relabeled_clone(self, change_map):
        return self.__class__(self.table_name, change_map.get(self.table_alias, self.table_alias))

    @property
    def identity(self):
        return self.__class__, self.table_name, self.table_alias

    def __eq__(self, other):
        if not isinstance(other, BaseTable):
            return NotImplemented
        return self.identity == other.identity

    def __hash__(self):
        return hash(self.identity)

    def equals(self, other):
        return self.identity == other.identity

    def __repr__(self):
        return f"BaseTable({self.table_name} AS {self.table_alias})"

"""A small tree of children joined by a connector, with negation (the base of Q and WHERE)."""

from __future__ import annotations

import copy

from reinhardt.utils.hashable import make_hashable


class Node:
    """Children combined with ``connector`` (e.g. AND/OR), optionally negated."""

    default = "DEFAULT"

    __slots__ = ("children", "connector", "negated")

    def __init__(self, children=None, connector=None, negated=False):
        self.children = children[:] if children else []
        self.connector = connector or self.default
        self.negated = negated

    @classmethod
    def create(cls, children=None, connector=None, negated=False):
        obj = cls.__new__(cls)
        Node.__init__(obj, children, connector or cls.default, negated)
        return obj

    def __str__(self):
        template = "(NOT (%s: %s))" if self.negated else "(%s: %s)"
        return template % (self.connector, ", ".join(str(c) for c in self.children))

    def __repr__(self):
        return f"<{self.__class__.__name__}: {self}>"

    def __copy__(self):
        obj = self.create(connector=self.connector, negated=self.negated)
        obj.children = self.children
        return obj

    copy = __copy__

    def __deepcopy__(self, memodict):
        obj = self.create(connector=self.connector, negated=self.negated)
        obj.children = copy.deepcopy(self.children, memodict)
        return obj

    def __len__(self):
        return len(self.children)

    def __bool__(self):
        return bool(self.children)

    def __contains__(self, other):
        return other in self.children

    def __eq__(self, other):
        return (
            self.__class__ == other.__class__
            and self.connector == other.connector
            and self.negated == other.negated
            and self.children == other.children
        )

    def __hash__(self):
        return hash((self.__class__, self.connector, self.negated, *make_hashable(self.children)))

    def add(self, data, conn_type):
        """Combine ``data`` into this node with ``conn_type``, flattening where possible."""
        if self.connector != conn_type:
            obj = self.copy()
            self.connector = conn_type
            self.children = [obj, data]
            return data
        if (
            isinstance(data, Node)
            and not data.negated
            and (data.connector == conn_type or len(data) == 1)
        ):
            self.children.extend(data.children)
            return self
        self.children.append(data)
        return data

    def negate(self):
        self.negated = not self.negated

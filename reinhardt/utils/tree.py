"""``Node``: a list of children joined by one connector word, optionally negated.

It is the shared shape of ``Q`` (filter conditions as the user writes them) and of the
query's ``WhereNode``, so it stays small and cheap: three slots, no per-instance dict.
"""

from __future__ import annotations

from copy import deepcopy as _deepcopy

from reinhardt.utils.hashable import make_hashable


class Node:
    """Children combined with ``connector`` (e.g. AND/OR), optionally negated."""

    __slots__ = ("children", "connector", "negated")

    # The connector used when none is given; subclasses set their own (Q uses "AND").
    default = "DEFAULT"

    def __init__(self, children=None, connector=None, negated=False):
        self.children = list(children) if children else []
        self.negated = negated
        self.connector = connector if connector else self.default

    @classmethod
    def create(cls, children=None, connector=None, negated=False):
        """A new node of this class set up by Node's own initialiser, so subclasses whose
        ``__init__`` takes other arguments (Q takes lookups) can still be built from parts."""
        node = cls.__new__(cls)
        node.children = list(children) if children else []
        node.negated = negated
        node.connector = connector if connector else cls.default
        return node

    # ---- copying: a shallow copy shares the children list, a deep copy copies it -----------

    def __copy__(self):
        twin = self.create(None, self.connector, self.negated)
        twin.children = self.children
        return twin

    copy = __copy__

    def __deepcopy__(self, memo):
        twin = self.create(None, self.connector, self.negated)
        twin.children = _deepcopy(self.children, memo)
        return twin

    # ---- container protocol ----------------------------------------------------------------

    def __len__(self):
        return len(self.children)

    def __bool__(self):
        return len(self.children) > 0

    def __contains__(self, item):
        return item in self.children

    # ---- identity --------------------------------------------------------------------------

    def __eq__(self, other):
        if type(self) is not type(other) and self.__class__ != other.__class__:
            return False
        return (self.connector, self.negated, self.children) == (
            other.connector,
            other.negated,
            other.children,
        )

    def __hash__(self):
        key = (self.__class__, self.connector, self.negated)
        return hash(key + tuple(make_hashable(self.children)))

    def __str__(self):
        inner = "%s: %s" % (self.connector, ", ".join(map(str, self.children)))
        return f"(NOT ({inner}))" if self.negated else f"({inner})"

    def __repr__(self):
        return "<%s: %s>" % (type(self).__name__, self)

    # ---- building ----------------------------------------------------------------------------

    def add(self, data, conn_type):
        """Join *data* onto this node with *conn_type* and return what now holds it.

        With a different connector, the current contents move down into a copy and the node
        becomes ``copy <conn_type> data``. Otherwise an un-negated node with the same
        connector (or with one child) has its children absorbed, and anything else is
        appended as a single child.
        """
        if conn_type != self.connector:
            previous = self.copy()
            self.children = [previous, data]
            self.connector = conn_type
            return data
        if isinstance(data, Node) and not data.negated:
            if data.connector == conn_type or len(data.children) == 1:
                self.children += data.children
                return self
        self.children.append(data)
        return data

    def negate(self):
        """Flip the negation flag in place."""
        self.negated = not self.negated

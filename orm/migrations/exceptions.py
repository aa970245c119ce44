"""Errors raised while loading, planning and applying migrations."""

from __future__ import annotations

from reinhardt.orm.errors import DatabaseError


class AmbiguityError(Exception):
    """More than one migration matches a name prefix."""


class BadMigrationError(Exception):
    """A module in a migrations package has no Migration class."""


class CircularDependencyError(Exception):
    """The migration dependencies form a cycle."""


class InconsistentMigrationHistory(Exception):
    """A migration is applied although one it depends on is not."""


class InvalidBasesError(ValueError):
    """A model state's bases cannot be resolved."""


class IrreversibleError(RuntimeError):
    """An operation cannot be reversed."""


class NodeNotFoundError(LookupError):
    """A migration (or dependency) is not in the graph."""

    def __init__(self, message: str, node, origin=None):
        self.message = message
        self.origin = origin
        self.node = node

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"NodeNotFoundError({self.node!r})"


class MigrationSchemaMissing(DatabaseError):
    """The table that records applied migrations cannot be created."""


class InvalidMigrationPlan(ValueError):
    """A requested migration plan mixes forwards and backwards steps."""

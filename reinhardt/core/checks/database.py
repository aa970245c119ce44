"""Checks each database backend offers through ``connection.validation.check()``."""

from __future__ import annotations

from reinhardt.core.checks.registry import Tags, register


@register(Tags.database)
def check_database_backends(databases=None, **kwargs):
    """Only run when asked for databases (``check --database``, ``migrate``): the checks may
    connect to them."""
    if databases is None:
        return []
    from reinhardt.orm import connections

    issues = []
    for alias in databases:
        validation = getattr(connections[alias], "validation", None)
        if validation is not None and hasattr(validation, "check"):
            issues.extend(validation.check(**kwargs))
    return issues

"""``@needs(flag, ...)``: run a test where the backend has the capability, and otherwise
check the contract instead — the operation must raise NotSupportedError naming the flag.

A test is never skipped because of the backend: it either checks the results or checks
that the backend refuses clearly (ARCHITECTURE section 4).
"""

from __future__ import annotations

import functools

import pytest

from reinhardt.orm import NotSupportedError, connection


def needs(*flags: str):
    def decorator(test):
        @functools.wraps(test)
        def wrapper(*args, **kwargs):
            missing = [flag for flag in flags if not getattr(connection.features, flag)]
            if not missing:
                return test(*args, **kwargs)
            with pytest.raises(NotSupportedError) as excinfo:
                test(*args, **kwargs)
            assert excinfo.value.flag in missing or any(f in str(excinfo.value) for f in missing), (
                f"NotSupportedError should name one of {missing}: {excinfo.value}"
            )

        wrapper.needs_flags = flags
        return wrapper

    return decorator


def select_related_queries(key_gets: int) -> int:
    """Requests a select_related() query makes: one joined query where joins are native;
    where select_related() is emulated (Datastore), the query plus one batched key get per
    followed relation that has keys to get (``key_gets``, counted by the test)."""
    if connection.features.supports_select_related is True:
        return 1
    return 1 + key_gets


def reverse_join_queries(relations: int) -> int:
    """Requests for prefetching ``relations`` many-to-many relations: one joined query each
    where joins are native; where they are emulated (Datastore), the through kind's query
    plus one batched key get each."""
    if connection.features.supports_reverse_joins is True:
        return relations
    return 2 * relations

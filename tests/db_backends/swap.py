"""Run part of a test with a differently configured connection for the "default" alias."""

from __future__ import annotations

from contextlib import contextmanager

from reinhardt.orm import connections


@contextmanager
def default_connection(**changes):
    """connections["default"] replaced, in this thread, by a new wrapper whose settings are
    the current ones with ``changes`` (e.g. OPTIONS=..., CONN_MAX_AGE=...). Use it in
    transactional tests: the new connection commits on its own."""
    current = connections["default"]
    settings = {**current.settings_dict, **changes}
    replacement = type(current)(settings, "default")
    connections["default"] = replacement
    try:
        yield replacement
    finally:
        try:
            replacement.close()
            close_pool = getattr(replacement, "close_pool", None)
            if close_pool is not None:
                close_pool()
        finally:
            connections["default"] = current

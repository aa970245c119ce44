"""reinhardt.orm: connections, transactions and database errors (Django's ``django.db``).

Models, fields and query expressions live in ``reinhardt.orm.models``.
"""

from reinhardt.core import signals as _core_signals
from reinhardt.orm.connections import (
    DEFAULT_DB_ALIAS,
    ConnectionHandler,
    ConnectionRouter,
    load_backend,
)
from reinhardt.orm.errors import (
    ConnectionDoesNotExist,
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    TransactionManagementError,
)
from reinhardt.utils.connection_proxy import ConnectionProxy

__all__ = [
    "connection", "connections", "router", "DatabaseError", "IntegrityError", "InternalError",
    "ProgrammingError", "DataError", "NotSupportedError", "Error", "InterfaceError",
    "OperationalError", "DEFAULT_DB_ALIAS", "ConnectionDoesNotExist", "ConnectionHandler",
    "ConnectionRouter", "TransactionManagementError", "load_backend", "reset_queries",
    "close_old_connections",
]

connections = ConnectionHandler()
router = ConnectionRouter()

# ``connection`` is the default alias's connection for the current thread.
connection = ConnectionProxy(connections, DEFAULT_DB_ALIAS)


def reset_queries(**kwargs):
    for conn in connections.all(initialized_only=True):
        conn.queries_log.clear()


def close_old_connections(**kwargs):
    """Close connections that errored or outlived CONN_MAX_AGE (run around each request)."""
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()


_core_signals.request_started.connect(reset_queries)
_core_signals.request_started.connect(close_old_connections)
_core_signals.request_finished.connect(close_old_connections)

from reinhardt.orm import transaction  # noqa: E402,F401  (reinhardt.orm.transaction)

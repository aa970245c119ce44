"""The database exceptions of PEP 249, under Django's names.

Each backend translates its driver's exceptions into these (``DatabaseErrorWrapper``), so user
code catches ``reinhardt.orm.IntegrityError`` whatever the database.
"""

from __future__ import annotations


class Error(Exception):
    pass


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    """A backend cannot answer this query exactly.

    Raised instead of returning a result that could differ from the reference semantics; the
    message names the backend, the feature and the capability flag involved.
    """

    def __init__(self, message: str, *, backend: str | None = None, feature: str | None = None,
                 flag: str | None = None):
        super().__init__(message)
        self.backend = backend
        self.feature = feature
        self.flag = flag


class ConnectionDoesNotExist(Exception):
    pass


class TransactionManagementError(ProgrammingError):
    """Transaction management was used incorrectly (e.g. a query in a broken atomic block)."""


_WRAPPED = (DataError, OperationalError, IntegrityError, InternalError, ProgrammingError,
            NotSupportedError, DatabaseError, InterfaceError, Error)


class DatabaseErrorWrapper:
    """Context manager (and decorator) re-raising a driver's PEP 249 exceptions as ours.

    The driver's exception stays reachable as ``__cause__``. An error other than
    Data/IntegrityError marks the connection for a health check before its next use.
    """

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def __enter__(self):
        return None

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None:
            return
        database = self.wrapper.Database
        for our_type in _WRAPPED:
            db_exc_type = getattr(database, our_type.__name__, None)
            if db_exc_type is not None and issubclass(exc_type, db_exc_type):
                new = our_type(*exc_value.args)
                if our_type not in (DataError, IntegrityError):
                    self.wrapper.errors_occurred = True
                raise new.with_traceback(traceback) from exc_value
        return

    def __call__(self, func):
        def inner(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return inner

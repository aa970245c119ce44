"""Transactions: ``atomic`` (nested blocks are savepoints), ``on_commit`` and friends.

As in Django, the database is in autocommit mode outside atomic blocks. The outermost
``atomic`` opens a transaction and commits it on a clean exit or rolls it back on an
exception; inner blocks create savepoints (where the backend has them: the
``supports_savepoints`` flag). A backend without transactions (``supports_transactions``
False) raises NotSupportedError for ``atomic`` rather than pretending.
"""

from __future__ import annotations

from contextlib import ContextDecorator, contextmanager

from reinhardt.orm.connections import DEFAULT_DB_ALIAS
from reinhardt.orm.errors import (
    DatabaseError,
    Error,
    NotSupportedError,
    TransactionManagementError,
)

__all__ = [
    "atomic", "Atomic", "on_commit", "commit", "rollback", "savepoint", "savepoint_commit",
    "savepoint_rollback", "get_autocommit", "set_autocommit", "get_rollback", "set_rollback",
    "mark_for_rollback_on_error", "non_atomic_requests", "TransactionManagementError",
]


def get_connection(using=None):
    """The connection of ``using`` (the default database when None)."""
    from reinhardt.orm import connections

    if using is None:
        using = DEFAULT_DB_ALIAS
    return connections[using]


def get_autocommit(using=None) -> bool:
    return get_connection(using).get_autocommit()


def set_autocommit(autocommit: bool, using=None) -> None:
    return get_connection(using).set_autocommit(autocommit)


def commit(using=None) -> None:
    """Commit the current transaction (only outside atomic blocks)."""
    get_connection(using).commit()


def rollback(using=None) -> None:
    """Roll back the current transaction (only outside atomic blocks)."""
    get_connection(using).rollback()


def savepoint(using=None):
    """Create a savepoint; returns its id (None where savepoints are not possible)."""
    return get_connection(using).savepoint()


def savepoint_rollback(sid, using=None) -> None:
    get_connection(using).savepoint_rollback(sid)


def savepoint_commit(sid, using=None) -> None:
    get_connection(using).savepoint_commit(sid)


def clean_savepoints(using=None) -> None:
    get_connection(using).clean_savepoints()


def get_rollback(using=None) -> bool:
    """Whether the innermost atomic block will roll back."""
    return get_connection(using).get_rollback()


def set_rollback(rollback: bool, using=None) -> None:
    """Force the innermost atomic block to roll back (True) or not (False) on exit."""
    return get_connection(using).set_rollback(rollback)


@contextmanager
def mark_for_rollback_on_error(using=None):
    """Inside an atomic block, an exception marks the transaction for rollback.

    Used around single queries that are not in their own atomic block, so an error inside
    the user's atomic block is not silently ignored.
    """
    try:
        yield
    except Exception as exc:
        connection = get_connection(using)
        if connection.in_atomic_block:
            connection.needs_rollback = True
            connection.rollback_exc = exc
        raise


def on_commit(func, using=None, robust: bool = False) -> None:
    """Run ``func`` after the current transaction commits (at once in autocommit mode)."""
    get_connection(using).on_commit(func, robust)


class Atomic(ContextDecorator):
    """Guarantee atomic execution of a block of code.

    The outermost block opens a transaction and commits or rolls it back; nested blocks
    use savepoints (unless ``savepoint=False``). ``durable=True`` refuses to be nested, so
    a block meant to commit for real cannot be swallowed by an outer transaction.
    """

    def __init__(self, using, savepoint, durable):
        self.using = using
        self.savepoint = savepoint
        self.durable = durable
        self._from_testcase = False

    def __enter__(self):
        connection = get_connection(self.using)
        if not connection.features.supports_transactions:
            raise connection.features.not_supported(
                "supports_transactions", "transaction.atomic()"
            )

        if (
            self.durable
            and connection.atomic_blocks
            and not connection.atomic_blocks[-1]._from_testcase
        ):
            raise RuntimeError(
                "A durable atomic block cannot be nested within another atomic block."
            )
        if not connection.in_atomic_block:
            # Reset state when entering an outermost atomic block.
            connection.commit_on_exit = True
            connection.needs_rollback = False
            connection.rollback_exc = None
            if not connection.get_autocommit():
                # Autocommit is off: mark the block as atomic without starting a
                # transaction, and remember it for __exit__.
                connection.in_atomic_block = True
                connection.commit_on_exit = False

        if connection.in_atomic_block:
            # Inside a transaction: a savepoint, unless disabled or the transaction is
            # already doomed.
            if self.savepoint and not connection.needs_rollback:
                sid = connection.savepoint()
                connection.savepoint_ids.append(sid)
            else:
                connection.savepoint_ids.append(None)
        else:
            connection.set_autocommit(
                False, force_begin_transaction_with_broken_autocommit=True
            )
            connection.in_atomic_block = True

        if connection.in_atomic_block:
            connection.atomic_blocks.append(self)

    def __exit__(self, exc_type, exc_value, traceback):
        connection = get_connection(self.using)
        # A nested block rolled back without the savepoint it needed: this block cannot
        # commit what it did, and says so (ARCHITECTURE section 4) rather than rolling
        # back silently.
        doomed = exc_type is None and connection.needs_rollback and isinstance(
            connection.rollback_exc, NotSupportedError) and not self._from_testcase

        if connection.in_atomic_block:
            connection.atomic_blocks.pop()

        if connection.savepoint_ids:
            sid = connection.savepoint_ids.pop()
        else:
            # Leave the atomic state first so that commit/rollback are allowed.
            connection.in_atomic_block = False

        try:
            if connection.closed_in_transaction:
                # A broken connection rolls back on its own; the outermost block handles it.
                pass

            elif exc_type is None and not connection.needs_rollback:
                if connection.in_atomic_block:
                    # Release savepoint if there is one
                    if sid is not None:
                        try:
                            connection.savepoint_commit(sid)
                        except DatabaseError:
                            try:
                                connection.savepoint_rollback(sid)
                                # Release the savepoint; it is not used again.
                                connection.savepoint_commit(sid)
                            except Error:
                                # Rolling back to the savepoint failed: leave the rollback
                                # to an outer block and keep the original error.
                                connection.needs_rollback = True
                            raise
                else:
                    # Commit transaction
                    try:
                        connection.commit()
                    except DatabaseError:
                        try:
                            connection.rollback()
                        except Error:
                            # A failing rollback means the connection is broken: close it.
                            connection.close()
                        raise
            else:
                # Set again below if this level cannot roll back on its own.
                connection.needs_rollback = False
                if connection.in_atomic_block:
                    # Roll back to the savepoint, or doom the enclosing transaction when
                    # there is none.
                    if sid is None:
                        connection.needs_rollback = True
                        features = connection.features
                        if self.savepoint and not features.supports_savepoints:
                            # The block asked for a savepoint the database cannot give:
                            # its exception goes on as usual, and a query the outer block
                            # tries next is refused naming the missing capability
                            # (ARCHITECTURE section 4) instead of running as if only this
                            # block had been undone.
                            connection.rollback_exc = features.not_supported(
                                "supports_savepoints",
                                "going on after a nested atomic() block rolled back",
                            )
                    else:
                        try:
                            connection.savepoint_rollback(sid)
                            # Release the savepoint; it is not used again.
                            connection.savepoint_commit(sid)
                        except Error:
                            # Rolling back to the savepoint failed: leave the rollback to an
                            # outer block and keep the original error.
                            connection.needs_rollback = True
                else:
                    # Roll back transaction
                    try:
                        connection.rollback()
                    except Error:
                        # A failing rollback means the connection is broken: close it.
                        connection.close()

        finally:
            # Outermost block exit when autocommit was enabled.
            if not connection.in_atomic_block:
                if connection.closed_in_transaction:
                    connection.connection = None
                else:
                    connection.set_autocommit(True)
            # Outermost block exit when autocommit was disabled.
            elif not connection.savepoint_ids and not connection.commit_on_exit:
                if connection.closed_in_transaction:
                    connection.connection = None
                else:
                    connection.in_atomic_block = False
        if doomed:
            error = connection.rollback_exc
            raise NotSupportedError(str(error), backend=error.backend, feature=error.feature,
                                    flag=error.flag)


def atomic(using=None, savepoint=True, durable=False):
    """``@atomic``, ``@atomic(using=...)`` or ``with atomic():``."""
    # Used as @atomic without parentheses: the argument is the function.
    if callable(using):
        return Atomic(DEFAULT_DB_ALIAS, savepoint, durable)(using)
    # Decorator: @atomic(...) or context manager: with atomic(...): ...
    return Atomic(using, savepoint, durable)


def _non_atomic_requests(view, using):
    try:
        view._non_atomic_requests.add(using)
    except AttributeError:
        view._non_atomic_requests = {using}
    return view


def non_atomic_requests(using=None):
    """Exclude a view from ATOMIC_REQUESTS."""
    if callable(using):
        return _non_atomic_requests(using, DEFAULT_DB_ALIAS)
    if using is None:
        using = DEFAULT_DB_ALIAS
    return lambda view: _non_atomic_requests(view, using)

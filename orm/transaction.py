"""Transactions: ``atomic`` (nested blocks are savepoints), ``on_commit`` and friends.

As in Django, the database is in autocommit mode outside atomic blocks. The outermost
``atomic`` opens a transaction and commits it on a clean exit or rolls it back on an
exception; inner blocks create savepoints (where the backend has them: the
``supports_savepoints`` flag). A backend without transactions (``supports_transactions``
False) raises NotSupportedError for ``atomic`` rather than pretending.
"""

from __future__ import annotations

from contextlib import ContextDecorator, contextmanager
from functools import partial

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

    return connections[DEFAULT_DB_ALIAS if using is None else using]


def get_autocommit(using=None) -> bool:
    return get_connection(using).get_autocommit()


def set_autocommit(autocommit: bool, using=None) -> None:
    return get_connection(using).set_autocommit(autocommit)


def commit(using=None) -> None:
    """Commit the current transaction (only outside atomic blocks)."""
    get_connection(using).commit()


def rollback(using=None) -> None:
    """Roll back the current transaction (only outside atomic blocks)."""
    get_connection(using=using).rollback()


def savepoint(using=None):
    """Create a savepoint; returns its id (None where savepoints are not possible)."""
    return get_connection(using=using).savepoint()


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
    return get_connection(using=using).set_rollback(rollback)


@contextmanager
def mark_for_rollback_on_error(using=None):
    """Inside an atomic block, an exception marks the transaction for rollback.

    Used around single queries that are not in their own atomic block, so an error inside
    the user's atomic block is not silently ignored.
    """
    try:
        yield
    except Exception as exc:
        _doom_if_atomic(get_connection(using), exc)
        raise


def _doom_if_atomic(db, exc) -> None:
    """Inside an atomic block, make the block roll back and remember why."""
    if db.in_atomic_block:
        db.needs_rollback, db.rollback_exc = True, exc


def on_commit(func, using=None, robust: bool = False) -> None:
    """Run ``func`` after the current transaction commits (at once in autocommit mode)."""
    get_connection(using=using).on_commit(func, robust)


class Atomic(ContextDecorator):
    """Guarantee atomic execution of a block of code.

    The outermost block opens a transaction and commits or rolls it back; nested blocks
    use savepoints (unless ``savepoint=False``). ``durable=True`` refuses to be nested, so
    a block meant to commit for real cannot be swallowed by an outer transaction.

    The connection (``db`` below) keeps the state: ``in_atomic_block``, one entry per open
    block in ``savepoint_ids`` (None where the block has no savepoint of its own),
    ``needs_rollback`` when an inner failure dooms the transaction, and ``commit_on_exit``
    False when the outermost block was entered with autocommit already off (then the
    caller commits).
    """

    def __init__(self, using, savepoint, durable):
        self.using, self.savepoint, self.durable = using, savepoint, durable
        # Set by TestCase on the blocks it wraps tests in (durable blocks ignore those).
        self._from_testcase = False

    # Entering -----------------------------------------------------------------------------

    def __enter__(self):
        db = get_connection(self.using)
        if not db.features.supports_transactions:
            raise db.features.not_supported(
                "supports_transactions", "transaction.atomic()"
            )
        if self.durable and self._inside_non_test_block(db):
            raise RuntimeError(
                "A durable atomic block cannot be nested within another atomic block."
            )
        if not db.in_atomic_block:
            self._start_outermost(db)
        else:
            db.savepoint_ids.append(self._savepoint_for_nested(db))
        db.atomic_blocks.append(self)

    @staticmethod
    def _inside_non_test_block(db) -> bool:
        # The blocks TestCase wraps each test in don't count: a durable block in a test
        # must behave as it would outside one.
        return bool(db.atomic_blocks) and not db.atomic_blocks[-1]._from_testcase

    def _start_outermost(self, db) -> None:
        db.commit_on_exit = True
        db.needs_rollback = False
        db.rollback_exc = None
        if db.get_autocommit():
            db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
            db.in_atomic_block = True
            return
        # Autocommit is already off: a transaction is open that this block must not end.
        # It acts like a nested block of it, and leaves committing to the caller.
        db.in_atomic_block = True
        db.commit_on_exit = False
        db.savepoint_ids.append(self._savepoint_for_nested(db))

    def _savepoint_for_nested(self, db):
        """A savepoint for a nested block, or None (not wanted, or the transaction is
        doomed already, so nothing could be kept anyway)."""
        if self.savepoint and not db.needs_rollback:
            return db.savepoint()
        return None

    # Leaving ------------------------------------------------------------------------------

    def __exit__(self, exc_type, exc_value, traceback):
        db = get_connection(self.using)
        refusal = self._pending_refusal(db, exc_type is None)
        if db.in_atomic_block:
            db.atomic_blocks.pop()
        if db.savepoint_ids:
            sid = db.savepoint_ids.pop()
        else:
            sid = None
            db.in_atomic_block = False  # so that commit()/rollback() are allowed
        try:
            if db.closed_in_transaction:
                pass  # the connection died; it rolled back by itself
            elif exc_type is None and not db.needs_rollback:
                self._keep(db, sid)
            else:
                self._undo(db, sid)
        finally:
            self._restore_mode(db)
        if refusal is not None:
            raise NotSupportedError(str(refusal), backend=refusal.backend,
                                    feature=refusal.feature, flag=refusal.flag)

    def _pending_refusal(self, db, succeeded: bool):
        """The NotSupportedError to raise on a clean exit when a nested block rolled back
        without the savepoint it needed: this block cannot commit only part of what it did,
        and says so (ARCHITECTURE section 4) instead of rolling back silently."""
        error = db.rollback_exc
        if (succeeded and db.needs_rollback and isinstance(error, NotSupportedError)
                and not self._from_testcase):
            return error
        return None

    def _keep(self, db, sid) -> None:
        """A clean exit: release this block's savepoint, or commit the transaction."""
        if not db.in_atomic_block:
            try:
                db.commit()
            except DatabaseError:
                _rollback_or_close(db)
                raise
        elif sid is not None:
            try:
                db.savepoint_commit(sid)
            except DatabaseError:
                _back_to_savepoint(db, sid)
                raise

    def _undo(self, db, sid) -> None:
        """An exception, or a doomed transaction: undo this block's work."""
        db.needs_rollback = False
        if not db.in_atomic_block:
            _rollback_or_close(db)
        elif sid is not None:
            _back_to_savepoint(db, sid)
        else:
            # No savepoint of its own: only the whole transaction can be undone, so the
            # enclosing block must roll back.
            db.needs_rollback = True
            features = db.features
            if self.savepoint and not features.supports_savepoints:
                # The block asked for a savepoint the database cannot give. Its exception
                # propagates as usual; what the outer block tries next is refused naming the
                # missing capability rather than run as if only this block were undone.
                db.rollback_exc = features.not_supported(
                    "supports_savepoints",
                    "going on after a nested atomic() block rolled back",
                )

    @staticmethod
    def _restore_mode(db) -> None:
        """After the outermost block: back to autocommit (or, when the block was entered
        with autocommit off, just out of the atomic state)."""
        if db.in_atomic_block:
            if db.savepoint_ids or db.commit_on_exit:
                return  # an enclosing block is still open
            leave = partial(setattr, db, "in_atomic_block", False)
        else:
            leave = partial(db.set_autocommit, True)
        if db.closed_in_transaction:
            db.connection = None
        else:
            leave()


def _back_to_savepoint(db, sid) -> None:
    """Roll back to ``sid`` and release it; if that fails, doom the transaction instead
    (an outer block rolls back) and let the original error stand."""
    try:
        db.savepoint_rollback(sid)
        db.savepoint_commit(sid)
    except Error:
        db.needs_rollback = True


def _rollback_or_close(db) -> None:
    """Roll the transaction back; a connection that cannot even do that is closed."""
    try:
        db.rollback()
    except Error:
        db.close()


def atomic(using=None, savepoint=True, durable=False):
    """``@atomic``, ``@atomic(using=...)`` or ``with atomic():``."""
    if not callable(using):
        return Atomic(using, savepoint, durable)
    # Bare ``@atomic``: ``using`` is the decorated function.
    return Atomic(DEFAULT_DB_ALIAS, savepoint, durable)(using)


def _exclude_from_atomic_requests(view, alias):
    excluded = getattr(view, "_non_atomic_requests", None)
    if excluded is None:
        view._non_atomic_requests = {alias}
    else:
        excluded.add(alias)
    return view


def non_atomic_requests(using=None):
    """Exclude a view from ATOMIC_REQUESTS (for ``using``, or the default database)."""
    if not callable(using):
        alias = DEFAULT_DB_ALIAS if using is None else using
        return lambda view: _exclude_from_atomic_requests(view, alias)
    return _exclude_from_atomic_requests(using, DEFAULT_DB_ALIAS)  # bare decorator

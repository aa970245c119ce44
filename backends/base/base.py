"""BaseDatabaseWrapper: one connection to one database alias, with transaction state.

A backend's ``DatabaseWrapper`` subclasses this and supplies the driver module
(``Database``), ``get_new_connection``, ``init_connection_state``, ``create_cursor`` and
``_set_autocommit``; everything about atomic blocks, savepoints, on_commit hooks, query
logging, execute wrappers, persistent connections and health checks lives here once.
"""

from __future__ import annotations

import _thread
import copy
import logging
import threading
import time
import warnings
from collections import deque
from contextlib import contextmanager
from datetime import UTC

from reinhardt.conf import settings
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.orm.connections import DEFAULT_DB_ALIAS
from reinhardt.orm.errors import DatabaseError, DatabaseErrorWrapper, TransactionManagementError
from reinhardt.utils.functional import cached_property

NO_DB_ALIAS = "__no_db__"
RAN_DB_VERSION_CHECK = set()

logger = logging.getLogger("reinhardt.orm.backends")


class BaseDatabaseWrapper:
    """Represents a database connection, opened lazily on first use."""

    # Mapping of Field.get_internal_type() to the column type; SQL backends fill it in.
    data_types: dict[str, str] = {}
    data_types_suffix: dict[str, str] = {}
    data_type_check_constraints: dict[str, str] = {}
    ops = None
    vendor = "unknown"
    display_name = "unknown"
    SchemaEditorClass = None
    client_class = None
    creation_class = None
    features_class = None
    introspection_class = None
    ops_class = None
    validation_class = None
    Database = None

    queries_limit = 9000

    def __init__(self, settings_dict: dict, alias: str = DEFAULT_DB_ALIAS):
        self.connection = None
        self.settings_dict = settings_dict
        self.alias = alias
        self.queries_log: deque = deque(maxlen=self.queries_limit)
        self.force_debug_cursor = False

        # Transaction state.
        self.autocommit = False
        self.in_atomic_block = False
        self.savepoint_state = 0
        self.savepoint_ids: list = []
        self.atomic_blocks: list = []
        self.commit_on_exit = True
        self.needs_rollback = False
        self.rollback_exc = None

        # Connection lifetime.
        self.close_at = None
        self.closed_in_transaction = False
        self.errors_occurred = False
        self.health_check_enabled = False
        self.health_check_done = False
        self._closing_dropped = False

        self._thread_sharing_lock = threading.Lock()
        self._thread_sharing_count = 0
        self._thread_ident = _thread.get_ident()

        self.run_on_commit: list = []
        self.run_commit_hooks_on_set_autocommit_on = False
        self.execute_wrappers: list = []

        self.client = self.client_class(self)
        self.creation = self.creation_class(self)
        self.features = self.features_class(self)
        self.introspection = self.introspection_class(self)
        self.ops = self.ops_class(self)
        self.validation = None

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} vendor={self.vendor!r} alias={self.alias!r}>"

    def ensure_timezone(self) -> bool:
        return False

    @cached_property
    def timezone(self):
        """The tzinfo that naive datetimes from this database are in (UTC when USE_TZ)."""

        from reinhardt.utils.timezone import _zone

        if not settings.USE_TZ:
            return None
        if self.settings_dict["TIME_ZONE"] is None:
            return UTC
        return _zone(self.settings_dict["TIME_ZONE"])

    @cached_property
    def timezone_name(self) -> str:
        if not settings.USE_TZ:
            return settings.TIME_ZONE
        if self.settings_dict["TIME_ZONE"] is None:
            return "UTC"
        return self.settings_dict["TIME_ZONE"]

    @property
    def queries_logged(self) -> bool:
        return self.force_debug_cursor or settings.DEBUG

    @property
    def queries(self) -> list[dict]:
        if len(self.queries_log) == self.queries_log.maxlen:
            warnings.warn(
                f"Limit for query logging exceeded, only the last {self.queries_log.maxlen} "
                "queries will be returned.",
                stacklevel=2,
            )
        return list(self.queries_log)

    def get_database_version(self):
        raise NotImplementedError

    # ----- the compiler ----------------------------------------------------------------------

    def compiler(self, query, kind: str | None = None):
        """The compiler that turns ``query`` into this backend's native form."""
        raise NotImplementedError

    def statement_plan(self, query, origins):
        """A reusable compiled form of ``query`` (see backends/sql/plans.py), or None.

        Compilers that can make one define ``build_plan(origins)``.
        """
        build = getattr(self.compiler(query), "build_plan", None)
        return build(origins) if build is not None else None

    # ----- backend-specific methods for creating connections and cursors --------------------

    def get_connection_params(self) -> dict:
        raise NotImplementedError

    def get_new_connection(self, conn_params):
        raise NotImplementedError

    def init_connection_state(self) -> None:
        global RAN_DB_VERSION_CHECK
        if self.alias not in RAN_DB_VERSION_CHECK:
            self.check_database_version_supported()
            RAN_DB_VERSION_CHECK.add(self.alias)

    def check_database_version_supported(self) -> None:
        minimum = getattr(self.features, "minimum_database_version", None)
        if minimum is not None and self.get_database_version() < minimum:
            version = ".".join(map(str, minimum))
            raise DatabaseError(f"{self.display_name} {version} or later is required.")

    def create_cursor(self, name=None):
        raise NotImplementedError

    # ----- connection management -------------------------------------------------------------

    def _reset_session_state(self) -> None:
        """A new connection starts outside any transaction, with a fresh lifetime."""
        self.in_atomic_block = self.needs_rollback = False
        self.closed_in_transaction = self.errors_occurred = False
        self.savepoint_ids, self.atomic_blocks = [], []
        lifetime = self.settings_dict["CONN_MAX_AGE"]
        self.close_at = time.monotonic() + lifetime if lifetime is not None else None
        self.health_check_enabled = self.settings_dict["CONN_HEALTH_CHECKS"]
        # The connection was just opened, so it counts as checked for this request.
        self.health_check_done = True

    def connect(self) -> None:
        """Open a connection and initialise its state (autocommit, time zone, ...)."""
        from reinhardt.orm.backends_signals import connection_created

        self.check_settings()
        self._reset_session_state()
        self.connection = self.get_new_connection(self.get_connection_params())
        self.set_autocommit(self.settings_dict["AUTOCOMMIT"])
        self.init_connection_state()
        connection_created.send(sender=type(self), connection=self)
        self.run_on_commit = []

    def check_settings(self) -> None:
        if self.settings_dict["TIME_ZONE"] is not None and not settings.USE_TZ:
            raise ImproperlyConfigured(
                f"Connection '{self.alias}' cannot set TIME_ZONE because USE_TZ is False."
            )

    def ensure_connection(self) -> None:
        """Connect if there is no connection yet, translating driver errors."""
        if self.connection is None:
            if self.in_atomic_block and self.closed_in_transaction:
                raise DatabaseError(
                    f"The connection to database '{self.alias}' was lost inside an atomic "
                    "block; the transaction was rolled back by the server. Leave the atomic "
                    "block to reconnect."
                )
            with self.wrap_database_errors:
                self.connect()

    # ----- cursors ---------------------------------------------------------------------------

    def _prepare_cursor(self, cursor):
        self.validate_thread_sharing()
        if self.queries_logged:
            from reinhardt.backends.utils import CursorDebugWrapper

            return CursorDebugWrapper(cursor, self)
        from reinhardt.backends.utils import CursorWrapper

        return CursorWrapper(cursor, self)

    def _cursor(self, name=None):
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(self.create_cursor(name))

    def cursor(self):
        """A new cursor (wrapped: errors translated, queries logged under DEBUG)."""
        return self._cursor()

    def chunked_cursor(self):
        """A cursor that streams rows where the backend can (server-side cursors)."""
        return self._cursor()

    def _commit(self) -> None:
        if self.connection is not None:
            with self.wrap_database_errors:
                return self.connection.commit()

    def _rollback(self) -> None:
        if self.connection is not None:
            with self.wrap_database_errors:
                return self.connection.rollback()

    def _close(self) -> None:
        if self.connection is not None:
            with self.wrap_database_errors:
                return self.connection.close()

    def commit(self) -> None:
        self.validate_thread_sharing()
        self.validate_no_atomic_block()
        self._commit()
        self.errors_occurred = False
        self.run_commit_hooks_on_set_autocommit_on = True

    def rollback(self) -> None:
        self.validate_thread_sharing()
        self.validate_no_atomic_block()
        self._rollback()
        self.errors_occurred = False
        self.needs_rollback = False
        self.run_on_commit = []

    def close(self) -> None:
        """Close the connection; inside an atomic block, mark the transaction as broken."""
        self.validate_thread_sharing()
        self.run_on_commit = []
        if self.closed_in_transaction or self.connection is None:
            return
        try:
            self._close()
        finally:
            if self.in_atomic_block:
                self.closed_in_transaction = True
                self.needs_rollback = True
            else:
                self.connection = None

    # ----- savepoints ------------------------------------------------------------------------

    def _savepoint(self, sid: str) -> None:
        with self.cursor() as cursor:
            cursor.execute(self.ops.savepoint_create_sql(sid))

    def _savepoint_rollback(self, sid: str) -> None:
        with self.cursor() as cursor:
            cursor.execute(self.ops.savepoint_rollback_sql(sid))

    def _savepoint_commit(self, sid: str) -> None:
        with self.cursor() as cursor:
            cursor.execute(self.ops.savepoint_commit_sql(sid))

    def _savepoint_allowed(self) -> bool:
        return self.features.supports_savepoints and not self.get_autocommit()

    def savepoint(self):
        """Create a savepoint inside the current transaction; returns its id (or None)."""
        if not self._savepoint_allowed():
            return None
        self.validate_thread_sharing()
        # Unique per thread and per connection; an identifier on every database.
        self.savepoint_state += 1
        sid = f"sp{abs(_thread.get_ident())}_{self.savepoint_state}"
        self._savepoint(sid)
        return sid

    def savepoint_rollback(self, sid) -> None:
        if not self._savepoint_allowed():
            return
        self.validate_thread_sharing()
        self._savepoint_rollback(sid)
        # Forget on_commit hooks registered after the savepoint.
        self.run_on_commit = [
            (sids, func, robust) for (sids, func, robust) in self.run_on_commit if sid not in sids
        ]

    def savepoint_commit(self, sid) -> None:
        if not self._savepoint_allowed():
            return
        self.validate_thread_sharing()
        self._savepoint_commit(sid)

    def clean_savepoints(self) -> None:
        self.savepoint_state = 0

    # ----- autocommit and atomic blocks ------------------------------------------------------

    def _set_autocommit(self, autocommit: bool) -> None:
        raise NotImplementedError

    def get_autocommit(self) -> bool:
        self.ensure_connection()
        return self.autocommit

    def set_autocommit(self, autocommit: bool, force_begin_transaction_with_broken_autocommit=False):
        self.validate_no_atomic_block()
        self.close_if_health_check_failed()
        self.ensure_connection()
        begin_explicitly = getattr(self, "_start_transaction_under_autocommit", None)
        if not autocommit and force_begin_transaction_with_broken_autocommit and begin_explicitly:
            # The driver stays in autocommit mode; BEGIN is sent instead (SQLite).
            begin_explicitly()
        else:
            with self.wrap_database_errors:
                self._set_autocommit(autocommit)
        self.autocommit = autocommit
        # Hooks of a transaction committed by commit() run once autocommit is back on.
        pending_hooks = autocommit and self.run_commit_hooks_on_set_autocommit_on
        if pending_hooks:
            self.run_commit_hooks_on_set_autocommit_on = False
            self.run_and_clear_commit_hooks()

    def _require_atomic_block(self) -> None:
        if not self.in_atomic_block:
            raise TransactionManagementError(
                "The rollback flag doesn't work outside of an 'atomic' block."
            )

    def get_rollback(self) -> bool:
        self._require_atomic_block()
        return self.needs_rollback

    def set_rollback(self, rollback: bool) -> None:
        self._require_atomic_block()
        self.needs_rollback = rollback

    def validate_no_atomic_block(self) -> None:
        if self.in_atomic_block:
            raise TransactionManagementError("This is forbidden when an 'atomic' block is active.")

    def validate_no_broken_transaction(self) -> None:
        from reinhardt.orm.errors import NotSupportedError

        if self.needs_rollback and isinstance(self.rollback_exc, NotSupportedError):
            error = self.rollback_exc
            raise NotSupportedError(str(error), backend=error.backend, feature=error.feature,
                                    flag=error.flag)
        if self.needs_rollback:
            raise TransactionManagementError(
                "An error occurred in the current transaction. You can't execute queries until "
                "the end of the 'atomic' block."
            ) from self.rollback_exc

    # ----- foreign key checks ----------------------------------------------------------------

    @contextmanager
    def constraint_checks_disabled(self):
        disabled = self.disable_constraint_checking()
        try:
            yield
        finally:
            if disabled:
                self.enable_constraint_checking()

    def disable_constraint_checking(self) -> bool:
        return False

    def enable_constraint_checking(self) -> None:
        pass

    def check_constraints(self, table_names=None) -> None:
        pass

    # ----- connection health -----------------------------------------------------------------

    def is_disconnect(self, exc) -> bool:
        """Whether the driver error ``exc`` means the server dropped the connection."""
        return False

    def handle_disconnect(self) -> None:
        """The server dropped the connection: forget it so the next use reconnects.

        Nothing half-applied can follow: the server rolled the transaction in flight back.
        Inside an atomic block the connection stays marked broken until the outermost block
        exits (the block's remaining statements must not run in a new transaction). Under
        manual transaction management (autocommit off, outside atomic) the connection is
        kept broken too: reconnecting would start a new transaction silently.
        """
        if self.connection is None or self.closed_in_transaction or self._closing_dropped:
            return
        if not (self.in_atomic_block or self.autocommit):
            return
        self._closing_dropped = True
        try:
            self.close()
        except Exception:
            # The driver may fail to close a dead connection; it is gone either way.
            if not self.in_atomic_block:
                self.connection = None
        finally:
            self._closing_dropped = False

    def is_usable(self) -> bool:
        raise NotImplementedError

    def close_if_health_check_failed(self) -> None:
        """Before the first query of a request, drop a connection the server closed."""
        if (
            self.connection is None
            or not self.health_check_enabled
            or self.health_check_done
        ):
            return
        if not self.is_usable():
            self.close()
        self.health_check_done = True

    def close_if_unusable_or_obsolete(self) -> None:
        """Close a connection that errored or outlived CONN_MAX_AGE (outside transactions).

        Never inside an atomic block: closing would end the transaction in flight (a test
        case's, when a test sends request_started/request_finished itself).
        """
        if self.connection is None or self.in_atomic_block:
            return
        self.health_check_done = False
        if self._should_close():
            self.close()

    def _should_close(self) -> bool:
        # A request that left autocommit changed leaves a connection in an unknown state.
        if self.get_autocommit() != self.settings_dict["AUTOCOMMIT"]:
            return True
        if self.errors_occurred:
            if not self.is_usable():
                return True
            # Errors happened but the connection works: it counts as checked.
            self.errors_occurred = False
            self.health_check_done = True
        expired = self.close_at is not None and time.monotonic() >= self.close_at
        return expired

    # ----- thread safety ---------------------------------------------------------------------

    @property
    def allow_thread_sharing(self) -> bool:
        with self._thread_sharing_lock:
            return self._thread_sharing_count > 0

    def inc_thread_sharing(self) -> None:
        with self._thread_sharing_lock:
            self._thread_sharing_count += 1

    def dec_thread_sharing(self) -> None:
        with self._thread_sharing_lock:
            if self._thread_sharing_count <= 0:
                raise RuntimeError("Cannot decrement the thread sharing count below zero.")
            self._thread_sharing_count -= 1

    def validate_thread_sharing(self) -> None:
        if not (self.allow_thread_sharing or self._thread_ident == _thread.get_ident()):
            raise DatabaseError(
                "DatabaseWrapper objects created in a thread can only be used in that same "
                f"thread. The object with alias '{self.alias}' was created in thread id "
                f"{self._thread_ident} and this is thread id {_thread.get_ident()}."
            )

    # ----- miscellaneous ---------------------------------------------------------------------

    @cached_property
    def wrap_database_errors(self) -> DatabaseErrorWrapper:
        return DatabaseErrorWrapper(self)

    def make_debug_cursor(self, cursor):
        from reinhardt.backends.utils import CursorDebugWrapper

        return CursorDebugWrapper(cursor, self)

    def make_cursor(self, cursor):
        from reinhardt.backends.utils import CursorWrapper

        return CursorWrapper(cursor, self)

    @contextmanager
    def temporary_connection(self):
        """A cursor; a connection opened for it is closed again afterwards."""
        opened_here = self.connection is None
        try:
            with self.cursor() as cursor:
                yield cursor
        finally:
            if opened_here:
                self.close()

    def schema_editor(self, *args, **kwargs):
        if self.SchemaEditorClass is None:
            raise NotImplementedError(
                f"The {self.display_name} backend does not provide a schema editor."
            )
        return self.SchemaEditorClass(self, *args, **kwargs)

    def on_commit(self, func, robust: bool = False) -> None:
        if not callable(func):
            raise TypeError("on_commit()'s callback must be a callable.")
        if not self.in_atomic_block:
            if not self.get_autocommit():
                raise TransactionManagementError(
                    "on_commit() cannot be used in manual transaction management"
                )
            # No transaction open: the work is already committed.
            self._run_commit_hook(func, robust)
            return
        # Remember the savepoints active now: rolling back to one of them drops the hook.
        self.run_on_commit.append((set(self.savepoint_ids), func, robust))

    def _run_commit_hook(self, func, robust: bool) -> None:
        if robust:
            try:
                func()
            except Exception as e:
                logger.error("Error calling %s in on_commit() (%s).",
                             getattr(func, "__qualname__", func), e, exc_info=True)
        else:
            func()

    def run_and_clear_commit_hooks(self) -> None:
        self.validate_no_atomic_block()
        # Hooks registered by these hooks belong to a later transaction.
        pending = deque(self.run_on_commit)
        self.run_on_commit = []
        while pending:
            _sids, func, robust = pending.popleft()
            self._run_commit_hook(func, robust)

    @contextmanager
    def execute_wrapper(self, wrapper):
        """Run every query through ``wrapper(execute, sql, params, many, context)``."""
        self.execute_wrappers.append(wrapper)
        try:
            yield
        finally:
            self.execute_wrappers.pop()

    def copy(self, alias=None):
        """A new, unconnected wrapper for the same settings (e.g. for another thread)."""
        return type(self)(copy.deepcopy(self.settings_dict), self.alias if alias is None else alias)

"""Test databases on PostgreSQL: CREATE DATABASE test_<NAME> through the 'postgres' database."""

from __future__ import annotations

import sys

from reinhardt.backends.base.creation import BaseDatabaseCreation
from reinhardt.core.exceptions import ImproperlyConfigured


class DatabaseCreation(BaseDatabaseCreation):
    def _quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _create_sql_suffix(self) -> str:
        test = self.connection.settings_dict["TEST"]
        if test.get("COLLATION"):
            raise ImproperlyConfigured(
                "PostgreSQL does not support TEST['COLLATION']; use TEST['TEMPLATE'] or "
                "TEST['CHARSET']."
            )
        suffix = []
        if test.get("CHARSET"):
            suffix.append("ENCODING '{}'".format(test["CHARSET"].replace("'", "")))
        if test.get("TEMPLATE"):
            suffix.append("TEMPLATE {}".format(self._quote(test["TEMPLATE"])))
        return (" " + " ".join(suffix)) if suffix else ""

    def _nodb_cursor(self):
        """A cursor on the server's 'postgres' database (CREATE/DROP DATABASE can't run in
        the database they name, nor inside a transaction)."""
        settings_dict = {**self.connection.settings_dict, "NAME": None}
        settings_dict["OPTIONS"] = {
            k: v for k, v in settings_dict["OPTIONS"].items() if k != "pool"
        }
        nodb = type(self.connection)(settings_dict, alias="__no_db__")
        return nodb.temporary_connection()

    def _execute_create_test_db(self, cursor, name, keepdb):
        from reinhardt.orm.errors import ProgrammingError

        try:
            cursor.execute(f"CREATE DATABASE {self._quote(name)}{self._create_sql_suffix()}")
        except ProgrammingError as e:
            cause = getattr(e.__cause__, "sqlstate", None)
            if cause == "42P04":  # duplicate_database
                if keepdb:
                    return False
                raise _AlreadyExists(name) from e
            raise
        return True

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        name = self._get_test_db_name()
        # A pool opened on the configured database must not keep connections to it.
        self.connection.close()
        self.connection.close_pool()
        try:
            with self._nodb_cursor() as cursor:
                try:
                    self._execute_create_test_db(cursor, name, keepdb)
                except _AlreadyExists:
                    if not autoclobber:
                        raise SystemExit(
                            f"The test database {name!r} already exists; run with "
                            "autoclobber or drop it."
                        ) from None
                    if verbosity >= 1:
                        self.log(f"Destroying old test database {name!r}...")
                    cursor.execute(f"DROP DATABASE {self._quote(name)}")
                    self._execute_create_test_db(cursor, name, keepdb)
            self._create_extensions(name)
        except Exception as e:
            from reinhardt.orm.errors import OperationalError

            if isinstance(e, OperationalError):
                sd = self.connection.settings_dict
                raise OperationalError(
                    f"Cannot reach the PostgreSQL server for alias '{self.connection.alias}' "
                    f"(host {sd['HOST'] or 'local socket'}, port {sd['PORT'] or 5432}, user "
                    f"{sd['USER'] or '(default)'}) to create the test database {name!r}: {e}"
                ) from e
            raise
        return name

    def _create_extensions(self, name):
        """TEST["EXTENSIONS"]: extensions the test database needs (e.g. ["pgcrypto"])."""
        extensions = self.connection.settings_dict["TEST"].get("EXTENSIONS") or ()
        if not extensions:
            return
        settings_dict = {**self.connection.settings_dict, "NAME": name}
        settings_dict["OPTIONS"] = {
            k: v for k, v in settings_dict["OPTIONS"].items() if k != "pool"
        }
        test_db = type(self.connection)(settings_dict, alias="__test_db__")
        with test_db.temporary_connection() as cursor:
            for extension in extensions:
                cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {self._quote(extension)}")

    def _destroy_test_db(self, test_database_name, verbosity):
        close_pool = getattr(self.connection, "close_pool", None)
        if close_pool is not None:
            close_pool()
        with self._nodb_cursor() as cursor:
            # FORCE: sessions the run left open (e.g. a worker thread's) end too.
            cursor.execute(
                f"DROP DATABASE IF EXISTS {self._quote(test_database_name)} WITH (FORCE)"
            )

    def log(self, msg):
        sys.stderr.write(msg + "\n")


class _AlreadyExists(Exception):
    pass

"""Test databases: created and destroyed per alias, named with the ``test_`` prefix."""

from __future__ import annotations

import sys

TEST_DATABASE_PREFIX = "test_"


class BaseDatabaseCreation:
    def __init__(self, connection):
        self.connection = connection

    def log(self, msg: str) -> None:
        sys.stderr.write(msg + "\n")

    def _get_test_db_name(self) -> str:
        test_name = self.connection.settings_dict["TEST"]["NAME"]
        if test_name:
            return test_name
        return TEST_DATABASE_PREFIX + self.connection.settings_dict["NAME"]

    def create_test_db(self, verbosity: int = 1, autoclobber: bool = True, keepdb: bool = False,
                       create_tables=None) -> str:
        """Create the test database, point this connection at it and return its name.

        ``create_tables`` (a callable taking the connection) builds the schema; the migration
        machinery passes ``migrate``, simple test setups pass a function that creates tables.
        """
        test_database_name = self._get_test_db_name()
        if verbosity >= 1:
            self.log(
                "%s test database for alias '%s'..." % (
                    "Using existing" if keepdb else "Creating", self.connection.alias)
            )
        self._create_test_db(verbosity, autoclobber, keepdb)
        self.connection.close()
        self.connection.settings_dict["NAME"] = test_database_name
        self.mark_test_database()
        if create_tables is not None:
            create_tables(self.connection)
        return test_database_name

    def mark_test_database(self) -> None:
        from reinhardt.orm import connections

        connections.settings[self.connection.alias]["NAME"] = self.connection.settings_dict["NAME"]

    def _create_test_db(self, verbosity, autoclobber, keepdb):
        raise NotImplementedError

    def destroy_test_db(self, old_database_name=None, verbosity: int = 1, keepdb: bool = False):
        self.connection.close()
        test_database_name = self.connection.settings_dict["NAME"]
        if verbosity >= 1:
            self.log("%s test database for alias '%s'..." % (
                "Preserving" if keepdb else "Destroying", self.connection.alias))
        if not keepdb:
            self._destroy_test_db(test_database_name, verbosity)
        if old_database_name is not None:
            self.connection.settings_dict["NAME"] = old_database_name
            self.mark_test_database()

    def _destroy_test_db(self, test_database_name, verbosity):
        raise NotImplementedError

    def test_db_signature(self) -> tuple:
        settings_dict = self.connection.settings_dict
        return (settings_dict["HOST"], settings_dict["PORT"], settings_dict["ENGINE"],
                self._get_test_db_name())

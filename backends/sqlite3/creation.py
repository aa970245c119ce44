"""Test databases on SQLite: shared in-memory databases, or a file next to the real one."""

import contextlib
import os

from reinhardt.backends.base.creation import BaseDatabaseCreation


class DatabaseCreation(BaseDatabaseCreation):
    @staticmethod
    def is_in_memory_db(database_name):
        return not isinstance(database_name, os.PathLike) and (
            database_name == ":memory:" or "mode=memory" in str(database_name)
        )

    def _get_test_db_name(self):
        name = self.connection.settings_dict["TEST"]["NAME"]
        if name and name != ":memory:":
            return name
        # A named shared-cache memory database, so every thread of the alias sees it.
        return f"file:memorydb_{self.connection.alias}?mode=memory&cache=shared"

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        name = self._get_test_db_name()
        if not keepdb and not self.is_in_memory_db(name):
            # A file left by an earlier run starts the new run empty.
            with contextlib.suppress(FileNotFoundError):
                os.remove(name)
        return name

    def _destroy_test_db(self, test_database_name, verbosity):
        if not test_database_name:
            return
        if not self.is_in_memory_db(test_database_name):
            os.remove(test_database_name)
            return
        # Closing the last connection to a memory database frees it.
        raw = self.connection.connection
        if raw is not None:
            raw.close()
            self.connection.connection = None

    def test_db_signature(self):
        name = self._get_test_db_name()
        # Memory databases are private to an alias; files are shared by name.
        second = self.connection.alias if self.is_in_memory_db(name) else name
        return (self.connection.settings_dict["NAME"], second)

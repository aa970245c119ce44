"""Test databases on MongoDB: ``test_<NAME>``, dropped before and after the run."""

from reinhardt.backends.base.creation import BaseDatabaseCreation


class DatabaseCreation(BaseDatabaseCreation):
    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        name = self._get_test_db_name()
        if not keepdb:
            self.connection.mongo.client.drop_database(name)
        return name

    def _destroy_test_db(self, test_database_name, verbosity):
        self.connection.ensure_connection()
        self.connection.connection.client.drop_database(test_database_name)
        self.connection.close()

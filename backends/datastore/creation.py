"""Test databases on Datastore: a namespace of their own, emptied when destroyed."""

from reinhardt.backends.base.creation import BaseDatabaseCreation


class DatabaseCreation(BaseDatabaseCreation):
    def _test_namespace(self):
        settings_dict = self.connection.settings_dict
        return settings_dict["TEST"].get("NAMESPACE") or (
            "test_" + (settings_dict.get("NAMESPACE") or self.connection.alias))

    def create_test_db(self, verbosity=1, autoclobber=True, keepdb=False, create_tables=None):
        settings_dict = self.connection.settings_dict
        self.connection.close()
        self._old_namespace = settings_dict.get("NAMESPACE")
        settings_dict["NAMESPACE"] = self._test_namespace()
        self._mark()
        if not keepdb:
            self.connection.flush_kinds()
        if create_tables is not None:
            create_tables(self.connection)
        return settings_dict.get("NAME")

    def set_as_test_mirror(self, primary_settings_dict):
        self.connection.close()
        for key in ("NAME", "PROJECT", "NAMESPACE"):
            self.connection.settings_dict[key] = primary_settings_dict.get(key)
        self._mark()

    def _mark(self):
        from reinhardt.orm import connections

        for key in ("NAME", "NAMESPACE"):
            connections.settings[self.connection.alias][key] = self.connection.settings_dict.get(key)

    def destroy_test_db(self, old_database_name=None, verbosity=1, keepdb=False):
        if not keepdb:
            self.connection.flush_kinds()
        self.connection.close()
        self.connection.settings_dict["NAMESPACE"] = getattr(self, "_old_namespace", None)
        self._mark()

    def test_db_signature(self):
        s = self.connection.settings_dict
        return (s.get("PROJECT"), s.get("NAME"), self._test_namespace())

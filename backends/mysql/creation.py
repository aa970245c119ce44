"""Test databases on MySQL/MariaDB: CREATE DATABASE test_<NAME> in utf8mb4 with the binary
collation reinhardt uses for text columns (TEST CHARSET/COLLATION override it)."""

from __future__ import annotations

from reinhardt.backends.base.creation import BaseDatabaseCreation

DATABASE_EXISTS = 1007


class DatabaseCreation(BaseDatabaseCreation):
    def _quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _create_sql_suffix(self) -> str:
        test = self.connection.settings_dict["TEST"]
        charset = test.get("CHARSET") or "utf8mb4"
        collation = test.get("COLLATION")
        if collation is None and charset == "utf8mb4":
            collation = self.connection.features.binary_collation
        suffix = f" CHARACTER SET {charset}"
        if collation:
            suffix += f" COLLATE {collation}"
        return suffix

    def _nodb_cursor(self):
        settings_dict = {**self.connection.settings_dict, "NAME": None}
        nodb = type(self.connection)(settings_dict, alias="__no_db__")
        return nodb.temporary_connection()

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        from reinhardt.orm.errors import DatabaseError, OperationalError

        name = self._get_test_db_name()
        create = f"CREATE DATABASE {self._quote(name)}{self._create_sql_suffix()}"
        try:
            with self._nodb_cursor() as cursor:
                try:
                    cursor.execute(create)
                except DatabaseError as e:
                    if not e.args or e.args[0] != DATABASE_EXISTS:
                        raise
                    if keepdb:
                        return name
                    if not autoclobber:
                        raise SystemExit(
                            f"The test database {name!r} already exists; run with "
                            "autoclobber or drop it."
                        ) from None
                    if verbosity >= 1:
                        self.log(f"Destroying old test database {name!r}...")
                    cursor.execute(f"DROP DATABASE {self._quote(name)}")
                    cursor.execute(create)
        except OperationalError as e:
            sd = self.connection.settings_dict
            raise OperationalError(
                f"Cannot reach the {self.connection.display_name} server for alias "
                f"'{self.connection.alias}' (host {sd['HOST'] or 'localhost'}, port "
                f"{sd['PORT'] or 3306}, user {sd['USER'] or '(default)'}) to create the test "
                f"database {name!r}: {e}"
            ) from e
        return name

    def _destroy_test_db(self, test_database_name, verbosity):
        with self._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {self._quote(test_database_name)}")

"""SQLite DatabaseWrapper on the standard library's sqlite3 module."""

from __future__ import annotations

import sqlite3 as Database

from reinhardt.backends.base.base import BaseDatabaseWrapper
from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.functional import cached_property

from . import functions
from .client import DatabaseClient
from .creation import DatabaseCreation
from .features import DatabaseFeatures
from .introspection import DatabaseIntrospection
from .operations import DatabaseOperations
from .schema import DatabaseSchemaEditor


class DatabaseWrapper(BaseDatabaseWrapper):
    vendor = "sqlite"
    display_name = "SQLite"
    # SQLite only knows storage classes and derives a column's affinity from the declared
    # type name, so any name works; the descriptive names below let introspection
    # (inspectdb, migrations) recover the field a column was created for.
    data_types = {
        "AutoField": "integer",
        "BigAutoField": "integer",
        "BinaryField": "BLOB",
        "BooleanField": "bool",
        "CharField": "varchar(%(max_length)s)",
        "DateField": "date",
        "DateTimeField": "datetime",
        "DecimalField": "decimal",
        "DurationField": "bigint",
        "FileField": "varchar(%(max_length)s)",
        "FilePathField": "varchar(%(max_length)s)",
        "FloatField": "real",
        "IntegerField": "integer",
        "BigIntegerField": "bigint",
        "IPAddressField": "char(15)",
        "GenericIPAddressField": "char(39)",
        "JSONField": "text",
        "OneToOneField": "integer",
        "PositiveBigIntegerField": "bigint unsigned",
        "PositiveIntegerField": "integer unsigned",
        "PositiveSmallIntegerField": "smallint unsigned",
        "SlugField": "varchar(%(max_length)s)",
        "SmallAutoField": "integer",
        "SmallIntegerField": "smallint",
        "TextField": "text",
        "TimeField": "time",
        "UUIDField": "char(32)",
    }
    data_type_check_constraints = {
        "PositiveBigIntegerField": '"%(column)s" >= 0',
        "JSONField": '(JSON_VALID("%(column)s") OR "%(column)s" IS NULL)',
        "PositiveIntegerField": '"%(column)s" >= 0',
        "PositiveSmallIntegerField": '"%(column)s" >= 0',
    }
    data_types_suffix = {
        "AutoField": "AUTOINCREMENT",
        "BigAutoField": "AUTOINCREMENT",
        "SmallAutoField": "AUTOINCREMENT",
    }

    Database = Database
    SchemaEditorClass = DatabaseSchemaEditor
    client_class = DatabaseClient
    creation_class = DatabaseCreation
    features_class = DatabaseFeatures
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations

    @property
    def operators(self):
        return self.ops.operators

    @property
    def pattern_ops(self):
        return self.ops.pattern_ops

    @property
    def pattern_esc(self):
        return self.ops.pattern_esc

    def compiler(self, query, kind=None, elide_empty=True):
        from . import compiler as compiler_module

        name = kind or query.compiler
        return getattr(compiler_module, name)(query, self, self.alias, elide_empty)

    def get_database_version(self):
        return Database.sqlite_version_info

    def get_connection_params(self):
        settings_dict = self.settings_dict
        if not settings_dict["NAME"]:
            raise ImproperlyConfigured(
                f"settings.DATABASES['{self.alias}'] is improperly configured. Please supply "
                "the NAME value."
            )
        kwargs = {
            "database": str(settings_dict["NAME"]),
            **settings_dict["OPTIONS"],
        }
        # check_same_thread is fixed when the driver opens the connection, so it is
        # switched off here for good; whether a wrapper may really be used from another
        # thread is decided by validate_thread_sharing() on every use.
        kwargs.update({"check_same_thread": False, "uri": True})
        kwargs.setdefault("cached_statements", 256)
        kwargs.pop("init_command", None)
        kwargs.pop("transaction_mode", None)
        if self.is_in_memory_db() and kwargs["database"] == ":memory:":
            # Every thread would get its own private database: share one instead.
            kwargs["database"] = f"file:memorydb_{self.alias}?mode=memory&cache=shared"
        return kwargs

    def get_new_connection(self, conn_params):
        conn = Database.connect(**conn_params)
        conn.isolation_level = None  # autocommit at the driver level; BEGIN is explicit
        functions.register(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        # Some SQLite builds ship with legacy_alter_table on; table rebuilds rename
        # tables inside a transaction and need the modern behaviour.
        conn.execute("PRAGMA legacy_alter_table = OFF")
        init_command = self.settings_dict["OPTIONS"].get("init_command")
        if init_command:
            for statement in init_command.split(";"):
                if statement.strip():
                    conn.execute(statement)
        try:
            limit = conn.getlimit(Database.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:
            limit = None
        if limit:
            self.features.max_query_params = limit
        return conn

    def create_cursor(self, name=None):
        return self.connection.cursor()

    def close(self):
        self.validate_thread_sharing()
        # An in-memory database lives only as long as its connection, so close()
        # keeps that connection open rather than throw the data away.
        if not self.is_in_memory_db():
            BaseDatabaseWrapper.close(self)

    def _savepoint_allowed(self):
        # The driver runs with isolation_level None and atomic() sends BEGIN itself
        # (_start_transaction_under_autocommit), so savepoints only mean something
        # inside an atomic block; outside one every statement commits on its own.
        return self.in_atomic_block

    def _set_autocommit(self, autocommit):
        # In autocommit mode the driver runs with isolation_level None. With
        # autocommit off (manual transaction management) the driver opens transactions
        # implicitly; atomic() instead stays in autocommit mode and sends BEGIN itself.
        level = None if autocommit else ""
        with self.wrap_database_errors:
            self.connection.isolation_level = level

    def _start_transaction_under_autocommit(self):
        """Start a transaction explicitly in autocommit mode (see _savepoint_allowed)."""
        self.cursor().execute("BEGIN")

    def disable_constraint_checking(self):
        with self.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            # SQLite ignores the pragma inside an open transaction, so read it back
            # to report whether checks are really off now.
            enabled = cursor.execute("PRAGMA foreign_keys").fetchone()[0]
        return not bool(enabled)

    def enable_constraint_checking(self):
        with self.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = ON")

    def check_constraints(self, table_names=None):
        """Raise IntegrityError for rows whose foreign keys point nowhere."""
        from reinhardt.orm.errors import IntegrityError

        pragmas = (
            ["PRAGMA foreign_key_check"]
            if table_names is None
            else [f"PRAGMA foreign_key_check({self.ops.quote_name(t)})" for t in table_names]
        )
        with self.cursor() as cursor:
            for pragma in pragmas:
                # Each result row: (table, rowid, referenced table, foreign key index).
                first = cursor.execute(pragma).fetchone()
                if first is not None:
                    table_name, rowid, referenced_table_name = first[:3]
                    raise IntegrityError(
                        "The row in table '%s' with rowid %s has an invalid foreign key "
                        "referencing table '%s'." % (table_name, rowid, referenced_table_name)
                    )

    def is_usable(self):
        return True

    def _commit(self):
        if self.connection is not None and self.connection.in_transaction:
            with self.wrap_database_errors:
                return self.connection.commit()

    def is_in_memory_db(self):
        name = str(self.settings_dict["NAME"])
        return name == ":memory:" or "mode=memory" in name

    @cached_property
    def sqlite_version(self):
        return Database.sqlite_version_info

"""BaseDatabaseSchemaEditor: the interface every backend's schema editor offers.

Used as ``with connection.schema_editor() as editor: editor.create_model(Model)``. Statements
that must run after the main ones (indexes, foreign keys) are deferred until the block exits;
where DDL is transactional the whole block is atomic.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("reinhardt.orm.backends.schema")


class BaseDatabaseSchemaEditor:
    def __init__(self, connection, collect_sql: bool = False, atomic: bool = True):
        self.connection = connection
        self.collect_sql = collect_sql
        if self.collect_sql:
            self.collected_sql = []
        self.atomic_migration = self.connection.features.can_rollback_ddl and atomic
        self.deferred_sql = []

    def __enter__(self):
        self.deferred_sql = []
        if self.atomic_migration:
            from reinhardt.orm.transaction import atomic

            self.atomic = atomic(self.connection.alias)
            self.atomic.__enter__()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None:
            for sql in self.deferred_sql:
                self.execute(sql)
        if self.atomic_migration:
            self.atomic.__exit__(exc_type, exc_value, traceback)

    def execute(self, sql, params=()):
        raise NotImplementedError

    def create_model(self, model):
        """Create the table (collection, kind) of ``model`` and its many-to-many tables."""
        raise NotImplementedError

    def delete_model(self, model):
        """Drop the table of ``model`` and its auto-created many-to-many tables."""
        raise NotImplementedError

    def add_index(self, model, index):
        raise NotImplementedError

    def remove_index(self, model, index):
        raise NotImplementedError

    def add_constraint(self, model, constraint):
        raise NotImplementedError

    def remove_constraint(self, model, constraint):
        raise NotImplementedError

    def add_field(self, model, field):
        raise NotImplementedError

    def remove_field(self, model, field):
        raise NotImplementedError

    def alter_field(self, model, old_field, new_field, strict=False):
        raise NotImplementedError

    def alter_db_table(self, model, old_db_table, new_db_table):
        raise NotImplementedError

    def alter_unique_together(self, model, old_unique_together, new_unique_together):
        raise NotImplementedError

    def alter_index_together(self, model, old_index_together, new_index_together):
        raise NotImplementedError

    def rename_index(self, model, old_index, new_index):
        """Rename an index; backends without a rename drop and recreate it."""
        self.remove_index(model, old_index)
        self.add_index(model, new_index)

    def alter_db_table_comment(self, model, old_db_table_comment, new_db_table_comment):
        """Change a table comment; a no-op where the backend has no comments."""

    def alter_db_tablespace(self, model, old_db_tablespace, new_db_tablespace):
        """Move a table to another tablespace; a no-op where there are none."""

    @staticmethod
    def _effective_default(field):
        """The value existing rows get for a new column (the field's default, or the
        empty value of a non-null field that has none)."""
        import datetime

        if field.has_default():
            default = field.get_default()
        elif not field.null and field.blank and field.empty_strings_allowed:
            if field.get_internal_type() == "BinaryField":
                default = b""
            else:
                default = ""
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            internal_type = field.get_internal_type()
            if internal_type == "DateTimeField":
                from reinhardt.utils import timezone

                default = timezone.now()
            else:
                default = datetime.datetime.now()
                if internal_type == "DateField":
                    default = default.date()
                elif internal_type == "TimeField":
                    default = default.time()
        else:
            default = None
        return default

    def effective_default(self, field):
        """The default value for ``field``, prepared for the database."""
        return field.get_db_prep_save(self._effective_default(field), self.connection)

"""Datastore has no schema: kinds appear with their first entity. Schema operations are
accepted and do nothing (unique constraints are enforced by marker entities at write time;
indexes come from index.yaml, see the ``datastore_indexes`` command)."""

from reinhardt.backends.base.schema import BaseDatabaseSchemaEditor


class DatabaseSchemaEditor(BaseDatabaseSchemaEditor):
    def execute(self, sql, params=()):
        raise self.connection.features.not_supported("supports_raw_queries", "SQL statements")

    def _nothing(self, *args, **kwargs):
        return None

    create_model = add_index = remove_index = _nothing
    add_constraint = remove_constraint = add_field = remove_field = _nothing
    alter_field = alter_db_table = alter_unique_together = alter_index_together = _nothing
    rename_index = alter_db_table_comment = alter_db_tablespace = _nothing

    def delete_model(self, model):
        self.connection.flush_kinds([model._meta.db_table])

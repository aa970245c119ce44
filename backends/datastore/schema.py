"""Datastore has no schema: kinds appear with their first entity. Schema operations are
accepted and do nothing (unique constraints are enforced by marker entities at write time;
indexes come from index.yaml, see the ``datastore_indexes`` command), except deleting a
model, which deletes its entities like DROP TABLE."""

from reinhardt.backends.base.schema import BaseDatabaseSchemaEditor


def _kinds(model):
    """The model's kind and the kinds of its auto-created many-to-many tables."""
    kinds = [model._meta.db_table]
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            kinds.append(through._meta.db_table)
    return kinds


class DatabaseSchemaEditor(BaseDatabaseSchemaEditor):
    def execute(self, sql, params=()):
        raise self.connection.features.not_supported("supports_raw_queries", "SQL statements")

    def _nothing(self, *args, **kwargs):
        return None

    add_index = remove_index = _nothing
    add_constraint = remove_constraint = add_field = remove_field = _nothing
    alter_field = alter_db_table = alter_unique_together = alter_index_together = _nothing
    rename_index = alter_db_table_comment = alter_db_tablespace = _nothing

    def create_model(self, model):
        # No columns to create, but a field that cannot be stored here refuses now, as it
        # does on every backend when its column type is asked for.
        for field in model._meta.local_fields:
            field.db_parameters(connection=self.connection)
        for kind in _kinds(model):
            self.connection.kind_dropped(kind, dropped=False)

    def delete_model(self, model):
        self.connection.drop_kinds(_kinds(model))

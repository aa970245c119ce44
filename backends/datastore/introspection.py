"""Datastore is schemaless: the kinds are the models' tables. Describing columns and
constraints (supports_introspection) is not available."""

from reinhardt.backends.base.introspection import BaseDatabaseIntrospection, TableInfo


class DatabaseIntrospection(BaseDatabaseIntrospection):
    def table_names(self, cursor=None, include_views=False):
        # A kind exists as soon as an entity is written: every model's kind is "there",
        # unless the schema editor deleted the model.
        from reinhardt.apps import apps

        names = set()
        for model in apps.get_models():
            names.add(model._meta.db_table)
            for field in model._meta.local_many_to_many:
                names.add(field.remote_field.through._meta.db_table)
        return sorted(name for name in names if not self.connection.kind_dropped(name))

    def get_table_list(self, cursor):
        return [TableInfo(name, "t") for name in self.table_names()]

    def get_sequences(self, cursor, table_name, table_fields=()):
        return []

    def _refuse(self, cursor=None, table_name=None, *args, **kwargs):
        raise self.connection.not_supported(
            "supports_introspection", "describing a kind's properties and constraints")

    get_table_description = get_constraints = get_relations = _refuse
    get_primary_key_column = get_primary_key_columns = get_key_columns = _refuse
